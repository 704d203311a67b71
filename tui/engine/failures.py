"""Playwright errors as typed errors a person can act on, in one place.

Playwright says what went wrong in the text of one exception type; these functions
read it once and answer the typed error of `tui.errors` (its HTTP status, its
hint), so the session, the actions and session creation say the same thing for
the same failure.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.async_api import Error as PlaywrightError

from tui.errors import BrowserCrashed, InvalidRequest, SessionGone, StepdeckError, StepTimeout
from tui.model import SessionStatus

_NET_CODE = re.compile(r"net::[A-Z_]+")
_NET_HINTS = {
    "net::ERR_CONNECTION_REFUSED": (
        "nothing answers at that address: is the server running, and the port right?"
    ),
    "net::ERR_ADDRESS_UNREACHABLE": (
        "nothing answers at that address: is the server running, and the port right?"
    ),
    "net::ERR_UNSAFE_PORT": (
        "Chromium never loads this port (it belongs to another protocol): use another"
    ),
    "net::ERR_NAME_NOT_RESOLVED": "the host name does not resolve: check its spelling (offline?)",
}


def first_line(exc: BaseException) -> str:
    """The first line of an error's text (Playwright appends a long call log)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def is_timeout(exc: BaseException) -> bool:
    return "Timeout" in str(exc)


def net_code(exc: BaseException) -> str | None:
    """Chromium's network error code (`net::ERR_...`), if the error has one."""
    match = _NET_CODE.search(str(exc))
    return match.group(0) if match else None


def translate(
    exc: PlaywrightError,
    what: str,
    *,
    session_id: str,
    status: SessionStatus,
    browser_connected: bool,
    fail: Callable[[str], None],
    error: str | None = None,
) -> StepdeckError:
    """A Playwright error during `what` on a session, as a typed error.

    `fail` marks the session `error` when the failure means its tab or browser died.
    """
    text = str(exc)
    if status in (SessionStatus.CLOSED, SessionStatus.TIMED_OUT):
        word = "expired" if status == SessionStatus.TIMED_OUT else "was closed"
        return SessionGone(f"Session {session_id} {word} during {what}")
    if status == SessionStatus.ERROR or "crash" in text.lower():
        fail(error or "the tab crashed")
        return BrowserCrashed(f"Session {session_id} crashed during {what}")
    if "Target page, context or browser has been closed" in text or "Browser closed" in text:
        if not browser_connected:
            fail("the browser is gone")
            return BrowserCrashed(f"The browser closed during {what}")
        return InvalidRequest(
            f"The tab closed during {what}", "observe again; the session has its other tabs"
        )
    if is_timeout(exc):
        return StepTimeout(f"{what} timed out: {first_line(exc)}")
    if "net::" in text:
        return InvalidRequest(
            f"Could not load the page: {net_code(exc) or first_line(exc)}",
            "check the address and that the site is up",
        )
    return InvalidRequest(f"{what} failed: {first_line(exc)}", "observe the page again and retry")


def start_error(
    exc: PlaywrightError, url: str, nav_timeout_s: float, translated: StepdeckError
) -> StepdeckError:
    """Why a session could not open at `url` (no session is left behind)."""
    if is_timeout(exc):
        return StepTimeout(
            f"{url} did not load within {nav_timeout_s:.0f} s; no session opened",
            "check that the site answers (open it in a browser), or start the session "
            "without a url and goto it later",
        )
    if isinstance(translated, InvalidRequest):
        code = net_code(exc)
        hint = _NET_HINTS.get(code or "", "check the address and that the site is up")
        return InvalidRequest(
            f"Could not open {url} ({code or first_line(exc)}); no session opened", hint
        )
    return translated


# What lies over the element's middle, when something else does: the outermost positioned
# layer over it (a cookie banner's backdrop, a modal), its words and the ids of the last
# walk inside it. null when the element is on top, or off screen.
COVER_JS = """el => {
  const r = el.getBoundingClientRect();
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  if (!r.width || !r.height || x < 0 || y < 0 || x >= innerWidth || y >= innerHeight) return null;
  const top = el.ownerDocument.elementFromPoint(x, y);
  if (!top || top === el || el.contains(top) || top.contains(el)) return null;
  let layer = top;
  for (let p = top.parentElement; p && p !== el.ownerDocument.body && !p.contains(el); p = p.parentElement) {
    if (["fixed", "absolute", "sticky"].includes(getComputedStyle(p).position)) layer = p;
  }
  const words = (layer.innerText || layer.textContent || "").replace(/\\s+/g, " ").trim();
  const ids = [];
  const byId = window.__stepdeck && window.__stepdeck.byId;
  if (byId) for (const [id, node] of byId) if (ids.length < 3 && layer.contains(node)) ids.push(id);
  return [words.length > 80 ? words.slice(0, 79) + "…" : words, ids];
}"""


def element_timeout(
    kind: str, what: str, exc: PlaywrightError, cover: tuple[str, list[str]] | None = None
) -> StepTimeout:
    """An element action that timed out on a page that still answers: covered or disabled.

    `cover`: what lies over it (`COVER_JS`): its words and, named, the actions inside it."""
    text = str(exc)
    if "not enabled" in text or "disabled" in text:
        return StepTimeout(f"Could not {kind} {what}: it is disabled", "observe again, then retry")
    if cover is not None:
        words, inside = cover
        covered = f'something covers it ("{words}")' if words else "something covers it"
        hint = (
            f"it holds {', '.join(inside)}: one may close it (or press Escape); then retry"
            if inside
            else "close what covers it (press Escape?), or scroll, then retry"
        )
        return StepTimeout(f"Could not {kind} {what}: {covered}", hint)
    return StepTimeout(
        f"Could not {kind} {what}: it may be covered, disabled or off screen",
        "observe again, scroll, or close what covers it, then retry",
    )
