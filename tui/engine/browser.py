"""Launch Chromium through Playwright, or attach to one over CDP.

Debian's `chromium-headless-shell` is the default: it is the same build
Playwright uses for headless, launches twice as fast as full Chromium and
costs about a third of the memory per session (see DESIGN.md). Full Chromium
is used for headed sessions; Playwright's own download where neither exists.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from playwright.async_api import Browser, Playwright, async_playwright
from playwright.async_api import Error as PlaywrightError

from tui.engine.masking import redact_urls
from tui.errors import StepdeckError, Unreachable

HEADLESS_SHELL = "/usr/lib/chromium/chromium-headless-shell"
FULL_CHROMIUM = "/usr/lib/chromium/chromium"

BASE_FLAGS = [
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Full Chromium opens extra renderers per context for its omnibox popup unless these are off.
OMNIBOX_FEATURES = ["WebUIOmniboxPopup", "WebUIOmniboxFullPopup", "WebUIOmniboxAimPopup"]

NO_CHROMIUM_HINT = (
    "run `make run` (it installs one), or `apt-get install chromium-headless-shell`, "
    "or `playwright install chromium`, or pass --chromium PATH"
)


class NoChromium(StepdeckError):
    """No Chromium binary could be found or launched."""

    http_status = 500
    default_hint = NO_CHROMIUM_HINT


def _playwright_chromium() -> str | None:
    """Playwright's own downloaded Chromium, if `playwright install chromium` ran."""
    cache = Path(os.environ.get("PLAYWRIGHT_BROWSERS_PATH") or Path.home() / ".cache/ms-playwright")
    for pattern in ("chromium_headless_shell-*/*/chrome-headless-shell", "chromium-*/*/chrome"):
        found = sorted(cache.glob(pattern))
        if found:
            return str(found[-1])
    return None


def find_chromium(*, headed: bool = False, explicit: str | None = None) -> str | None:
    """The binary to launch: an explicit path, Debian's builds, then Playwright's."""
    if explicit:
        path = shutil.which(explicit) or explicit
        if not os.access(path, os.X_OK):
            raise NoChromium(f"Chromium not found at {explicit}")
        return path
    order = [FULL_CHROMIUM] if headed else [HEADLESS_SHELL, FULL_CHROMIUM]
    for path in order:
        if os.access(path, os.X_OK):
            return path
    return _playwright_chromium()


def _playwright_disabled_features() -> list[str]:
    """Playwright's own --disable-features list, read from its driver bundle.

    Chromium keeps only the last --disable-features switch, so ours must repeat
    Playwright's list. If the bundle changes shape we lose only its list.
    """
    try:
        import playwright

        root = Path(playwright.__file__).parent / "driver/package/lib"
        for name in ("coreBundle.js", "server/chromium/chromiumSwitches.js"):
            path = root / name
            if not path.exists():
                continue
            text = path.read_text(errors="ignore")
            match = re.search(r"disabledFeatures = \[(.*?)\]", text, re.S)
            if match:
                return re.findall(r'"([A-Za-z0-9_]+)"', match.group(1))
    except OSError:
        pass
    return []


def launch_args(executable: str | None, *, headed: bool = False) -> list[str]:
    """Chromium flags for this binary (the measured set of DESIGN.md)."""
    args = list(BASE_FLAGS)
    if os.geteuid() == 0:
        args.insert(0, "--no-sandbox")
    if executable and not executable.endswith(("headless-shell", "chrome-headless-shell")):
        features = _playwright_disabled_features() + OMNIBOX_FEATURES
        args.append("--disable-features=" + ",".join(dict.fromkeys(features)))
    return args


class BrowserHost:
    """One running (or attached) Chromium shared by many sessions.

    `ensure()` (re)launches lazily, so a crashed browser is replaced by the next
    session that needs one. `on_disconnect` is called when the browser dies.
    """

    def __init__(
        self,
        *,
        chromium: str | None = None,
        cdp_url: str | None = None,
        headed: bool = False,
        on_disconnect: Callable[[], None] | None = None,
    ) -> None:
        self.chromium = chromium
        self.cdp_url = cdp_url
        self.headed = headed
        self.on_disconnect = on_disconnect
        self.executable: str | None = None
        self._pw: Playwright | None = None
        self._browser: Browser | None = None
        self._lock = asyncio.Lock()
        self.timings: dict[str, float] = {}  # the last start: Playwright driver, browser launch
        # A launched browser never opens a DevTools port (any local process could drive
        # every session through it, token or not): Playwright talks to it over a pipe, and
        # `stepdeck serve` bridges each session's cdp_url onto that (tui/dialects/notte/cdp.py).

    @property
    def browser(self) -> Browser | None:
        return self._browser

    @property
    def connected(self) -> bool:
        return self._browser is not None and self._browser.is_connected()

    async def ensure(self) -> Browser:
        """The browser, launching or attaching when there is none (or it died)."""
        if self.connected:
            assert self._browser is not None
            return self._browser
        async with self._lock:
            if self.connected:
                assert self._browser is not None
                return self._browser
            t0 = time.perf_counter()
            if self._pw is None:
                self._pw = await async_playwright().start()
            t1 = time.perf_counter()
            self._browser = await (self._attach() if self.cdp_url else self._launch())
            self.timings = {
                "driver_ms": (t1 - t0) * 1000,
                "launch_ms": (time.perf_counter() - t1) * 1000,
            }
            self._browser.on("disconnected", self._disconnected)
            return self._browser

    async def _launch(self) -> Browser:
        assert self._pw is not None
        self.executable = find_chromium(headed=self.headed, explicit=self.chromium)
        args = launch_args(self.executable, headed=self.headed)
        try:
            return await self._pw.chromium.launch(
                executable_path=self.executable, headless=not self.headed, args=args
            )
        except PlaywrightError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
            if self.executable is None or "Executable doesn't exist" in str(exc):
                raise NoChromium(f"No Chromium to launch: {first}") from exc
            if self.headed and ("X server" in str(exc) or "DISPLAY" in str(exc)):
                raise NoChromium(
                    "--headed needs a display and there is none",
                    "run without --headed, or under xvfb-run, or set DISPLAY",
                ) from exc
            raise NoChromium(f"Chromium at {self.executable} failed to start: {first}") from exc

    async def _attach(self) -> Browser:
        assert self._pw is not None and self.cdp_url
        try:
            return await self._pw.chromium.connect_over_cdp(self.cdp_url, timeout=15_000)
        except PlaywrightError as exc:
            # The address may carry a token (`?token=`, `user:pass@`): never in a message.
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise Unreachable(
                f"Could not attach to {redact_urls(self.cdp_url)}: {redact_urls(first)}",
                "check that the browser runs with --remote-debugging-port and the address is right",
            ) from exc

    def _disconnected(self, _browser: Browser) -> None:
        if self.on_disconnect:
            self.on_disconnect()

    async def close(self) -> None:
        browser, self._browser = self._browser, None
        if browser is not None:
            browser.remove_listener("disconnected", self._disconnected)
            try:
                await browser.close()
            except PlaywrightError:
                pass
        if self._pw is not None:
            pw, self._pw = self._pw, None
            await pw.stop()
