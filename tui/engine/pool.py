"""A pool of remote browsers: each new session goes to the least-loaded endpoint.

An endpoint is a browser someone else runs: a Chromium with
`--remote-debugging-port` (attached over CDP), or a Playwright server
(`playwright run-server`, Browserless, Moon: `BrowserType.connect`, which
launches a browser per connection). Each session is one context on one
endpoint; load is the number of contexts the pool opened there. A per-endpoint
limit caps it.

When an endpoint's browser goes away, only its sessions are marked `error`
(the message names the endpoint), new sessions go to the others, and the
endpoint is retried in the background with exponential backoff until it
answers again. Labels shown to people carry scheme, host, port and path only:
an endpoint url may hold a token in its query or user part.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

from playwright.async_api import Browser, BrowserContext, Playwright, async_playwright
from playwright.async_api import Error as PlaywrightError

from tui.engine.bounds import PageHung, bounded
from tui.errors import BrowserCrashed, InvalidRequest, StepdeckError, Unreachable

Kind = Literal["cdp", "ws"]
CONNECT_TIMEOUT_MS = 15_000


class PoolFull(StepdeckError):
    """Every endpoint is down or at its session limit."""

    http_status = 503
    default_hint = "close a session, raise --per-endpoint, or add an endpoint"


def endpoint_label(kind: Kind, url: str) -> str:
    """`cdp 127.0.0.1:9222`, `ws grid:3000/chromium/playwright`: no user, token or query."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2] or url
    path = parts.path if parts.path not in ("", "/") else ""
    return f"{kind} {host}{path}"


_URL_SECRETS = re.compile(r"(\b[a-z]+://)([^/\s@]+@)?([^\s?#]*)[?#]\S*", re.I)


def _first_line(exc: BaseException) -> str:
    """The error's first line, with user parts and queries of any url in it cut out."""
    text = str(exc).strip()
    line = text.splitlines()[0][:300] if text else type(exc).__name__
    return _URL_SECRETS.sub(lambda m: f"{m.group(1)}{m.group(3)}?…", line)


@dataclass(eq=False)
class Endpoint:
    """One remote browser of the pool and the sessions (contexts) it holds."""

    kind: Kind
    url: str
    label: str
    limit: int = 0  # 0: no limit
    browser: Browser | None = None
    contexts: set[BrowserContext] = field(default_factory=set)
    pending: int = 0  # contexts being opened right now (placement counts them)
    error: str = ""  # why it is down (no credentials in it)
    attempts: int = 0  # failed connects since it was last up
    retry_at: float | None = None  # monotonic time of the next reconnect
    retry_task: asyncio.Task[None] | None = None
    connecting: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def up(self) -> bool:
        return self.browser is not None and self.browser.is_connected()

    @property
    def load(self) -> int:
        return len(self.contexts) + self.pending

    @property
    def full(self) -> bool:
        return bool(self.limit) and self.load >= self.limit

    def state(self) -> dict[str, Any]:
        """What `GET /pool` and the app may show about it."""
        retry = None
        if self.retry_at is not None and not self.up:
            retry = round(max(0.0, self.retry_at - time.monotonic()), 1)
        return {
            "endpoint": self.label,
            "kind": self.kind,
            "up": self.up,
            "sessions": len(self.contexts),
            "limit": self.limit or None,
            "error": None if self.up else (self.error or None),
            "retry_in_s": retry,
        }


class BrowserPool:
    """Several remote browsers behind one `new_context`.

    `on_lost(label, reason)` is called when an endpoint's browser goes away
    (the engine marks that endpoint's sessions `error`). `retry` is the first
    and the longest wait between reconnect attempts, in seconds.
    """

    def __init__(
        self,
        *,
        cdp_urls: list[str] | tuple[str, ...] = (),
        ws_endpoints: list[str] | tuple[str, ...] = (),
        limit: int = 0,
        retry: tuple[float, float] = (0.5, 15.0),
        on_lost: Callable[[str, str], None] | None = None,
    ) -> None:
        specs: list[tuple[Kind, str]] = [("cdp", u) for u in cdp_urls] + [
            ("ws", u) for u in ws_endpoints
        ]
        if not specs:
            raise InvalidRequest(
                "A pool needs at least one endpoint", "pass --cdp-url or --ws-endpoint"
            )
        if limit < 0:
            raise InvalidRequest("--per-endpoint must be 0 (no limit) or more")
        self.endpoints: list[Endpoint] = []
        for kind, url in specs:
            if kind == "ws" and not url.startswith(("ws://", "wss://")):
                raise InvalidRequest(
                    f"{endpoint_label(kind, url)} is not a Playwright server address",
                    "a --ws-endpoint starts with ws:// or wss:// (what `playwright run-server` prints)",
                )
            label = endpoint_label(kind, url)
            if any(e.label == label for e in self.endpoints):  # same host, other token
                label = f"{label} #{len(self.endpoints) + 1}"
            self.endpoints.append(Endpoint(kind=kind, url=url, label=label, limit=limit))
        self.limit = limit
        self.retry = retry
        self.on_lost = on_lost
        self._pw: Playwright | None = None
        self._started = False
        self._lock = asyncio.Lock()
        self._closed = False

    # --- the BrowserHost surface the engine uses ----------------------------------------------

    @property
    def connected(self) -> bool:
        """Whether any endpoint is up."""
        return any(e.up for e in self.endpoints)

    async def ensure(self) -> None:
        """Connect every endpoint once; those that do not answer are retried in the background."""
        async with self._lock:
            if self._started:
                return
            self._pw = await async_playwright().start()
            self._started = True
        await asyncio.gather(*(self._try_connect(e) for e in self.endpoints))

    async def close(self) -> None:
        self._closed = True
        for e in self.endpoints:
            if e.retry_task is not None:
                e.retry_task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await e.retry_task
        for e in self.endpoints:
            browser, e.browser = e.browser, None
            if browser is not None:
                with contextlib.suppress(PlaywrightError, Exception):
                    # for a connected browser: disconnect, not kill
                    await bounded(browser.close(), 10.0, f"leaving {e.label}")
        if self._pw is not None:
            pw, self._pw = self._pw, None
            await pw.stop()

    def is_up(self, label: str) -> bool:
        return any(e.up for e in self.endpoints if e.label == label)

    def state(self) -> list[dict[str, Any]]:
        return [e.state() for e in self.endpoints]

    # --- placement ------------------------------------------------------------------------------

    def pick(self, exclude: set[str] = frozenset()) -> Endpoint:  # type: ignore[assignment]
        """The up endpoint with the fewest sessions (first listed wins a tie), under its limit."""
        up = [e for e in self.endpoints if e.up and e.label not in exclude]
        free = [e for e in up if not e.full]
        if free:
            return min(free, key=lambda e: e.load)
        if up:
            raise PoolFull(
                f"Every browser endpoint is at its limit of {self.limit} sessions "
                f"({', '.join(e.label for e in up)})"
            )
        down = "; ".join(f"{e.label}: {e.error or 'not connected'}" for e in self.endpoints)
        raise Unreachable(
            f"No browser endpoint answers ({down})",
            "start the browsers (or check --cdp-url / --ws-endpoint); "
            "stepdeck keeps retrying them in the background",
        )

    async def new_context(self, **options: Any) -> tuple[BrowserContext, str]:
        """A new context on the least-loaded endpoint, and that endpoint's label.

        An endpoint that fails while the context opens is marked down and the
        next one is tried (opening a context repeats no step of anyone's).
        """
        await self.ensure()
        if not self.connected:  # all down: one immediate attempt before refusing
            await asyncio.gather(*(self._try_connect(e) for e in self.endpoints if not e.up))
        tried: set[str] = set()
        while True:
            ep = self.pick(tried)
            ep.pending += 1
            try:
                assert ep.browser is not None
                context = await bounded(
                    ep.browser.new_context(**options), 15.0, f"opening a context on {ep.label}"
                )
            except PageHung:  # connected but not answering: the next endpoint may
                tried.add(ep.label)
                if all(e.label in tried for e in self.endpoints if e.up):
                    raise
                continue
            except PlaywrightError as exc:
                tried.add(ep.label)
                if ep.up:  # the browser is fine: the options or the context failed
                    raise BrowserCrashed(
                        f"Could not open a session on {ep.label}: {_first_line(exc)}",
                        "try again; if it keeps failing, check that browser",
                    ) from exc
                continue
            finally:
                ep.pending -= 1
            ep.contexts.add(context)
            context.on("close", lambda _c, ep=ep, context=context: ep.contexts.discard(context))
            return context, ep.label

    # --- connecting, losing, retrying ------------------------------------------------------------

    async def _connect(self, ep: Endpoint) -> Browser:
        assert self._pw is not None
        if ep.kind == "cdp":
            return await self._pw.chromium.connect_over_cdp(ep.url, timeout=CONNECT_TIMEOUT_MS)
        return await self._pw.chromium.connect(ep.url, timeout=CONNECT_TIMEOUT_MS)

    async def _try_connect(self, ep: Endpoint) -> bool:
        async with ep.connecting:  # the background retry and a session's own attempt
            return await self._connect_once(ep)

    async def _connect_once(self, ep: Endpoint) -> bool:
        if ep.up or self._closed:
            return ep.up
        try:
            browser = await self._connect(ep)
        except (PlaywrightError, OSError) as exc:
            ep.attempts += 1
            ep.error = _first_line(exc)
            self._schedule_retry(ep)
            return False
        if self._closed:
            with contextlib.suppress(PlaywrightError, Exception):
                await browser.close()
            return False
        ep.browser, ep.error, ep.attempts, ep.retry_at = browser, "", 0, None
        browser.on("disconnected", lambda _b, ep=ep, browser=browser: self._lost(ep, browser))
        return True

    def _lost(self, ep: Endpoint, browser: Browser) -> None:
        if ep.browser is not browser:  # an old connection's late goodbye
            return
        ep.browser = None
        ep.contexts.clear()
        ep.error = "its browser disconnected"
        if self.on_lost is not None and not self._closed:
            self.on_lost(ep.label, ep.error)
        self._schedule_retry(ep)

    def _schedule_retry(self, ep: Endpoint) -> None:
        if self._closed or (ep.retry_task is not None and not ep.retry_task.done()):
            return
        first, longest = self.retry
        delay = min(longest, first * (2 ** max(0, ep.attempts - 1)))
        ep.retry_at = time.monotonic() + delay
        ep.retry_task = asyncio.get_running_loop().create_task(
            self._retry(ep, delay), name=f"stepdeck-pool-retry {ep.label}"
        )

    async def _retry(self, ep: Endpoint, delay: float) -> None:
        await asyncio.sleep(delay)  # backoff between reconnect attempts
        ep.retry_task = None
        await self._try_connect(ep)  # schedules the next attempt itself when it fails
