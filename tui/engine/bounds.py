"""Every call into the browser has a bound.

Playwright's own timeouts cover locator actions and navigations, but not
`evaluate`, the mouse, the keyboard or a page whose renderer stopped answering
(`for (;;) {}`): such a call waits forever, and with it the session's lock.
`bounded` puts a wall-clock limit around any awaitable; a call that exceeds
it raises `PageHung`, which tells the session to recover the tab (stop its
loading, end its script, or replace it) before answering the step.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable

from tui.errors import InvalidRequest, StepTimeout

CALL_SLACK_S = 2.0  # added to Playwright's own timeout: ours fires only when Playwright's did not
QUICK_S = 2.0  # a call that should answer at once (a probe, a CDP command, a small evaluate)


class PageHung(StepTimeout):
    """A call into the page got no answer within its bound: the tab must be recovered."""

    default_hint = "observe again; the page was stopped"


async def bounded[T](call: Awaitable[T], seconds: float, what: str) -> T:
    """`await call`, but raise `PageHung` after `seconds` (the call is cancelled)."""
    try:
        return await asyncio.wait_for(call, seconds)
    except TimeoutError:
        raise PageHung(
            f"{what} got no answer within {seconds:.0f} s (the page may be stuck)"
        ) from None


def check_point(x: float | None, y: float | None, width: int, height: int) -> tuple[float, float]:
    """A point inside the viewport (`width` by `height`), or a clear refusal."""
    if x is None or y is None:
        raise InvalidRequest("click_xy needs x and y", "page pixels from the top-left of the view")
    if not (math.isfinite(x) and math.isfinite(y)):
        raise InvalidRequest(
            "click_xy needs finite numbers", f"x in 0..{width - 1}, y in 0..{height - 1}"
        )
    if not (0 <= x < width and 0 <= y < height):
        raise InvalidRequest(
            f"The point {x:g},{y:g} is outside the {width}×{height} view",
            f"x in 0..{width - 1}, y in 0..{height - 1}; scroll to reach the rest of the page",
        )
    return x, y
