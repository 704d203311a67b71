"""Reading a page for an observation: the walk in two halves, and its screenshot.

The session asks for the screenshot first (the browser captures it while the walk's
answer travels back), then `read_page` walks the page: the HTML comes back first,
its actions' ids written in, and its markdown is converted in a worker thread
while the page describes its actions (names, values, selectors) and that action
space travels, each batch parsed on the loop as it arrives; the ids' labels are
written in last. A walk that a navigation interrupts is retried on the new
document; a walk that never answers raises `PageHung` for the session to recover
the tab.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

from tui.engine.bounds import PageHung
from tui.engine.masking import SECRET_FIELDS_CSS
from tui.engine.perception import (
    Perceived,
    capture_png,
    inline_ids,
    markdown_of_walk,
    take_walk,
    walk_html,
)
from tui.errors import StepTimeout
from tui.offload import off_loop

WALK_TIMEOUT = 20.0  # seconds: a page whose scripts never yield must not hang the session


def shot_timeout_ms(walk_timeout_s: float) -> float:
    """The bound of one screenshot: the walk's, at most 15 s."""
    return min(15_000.0, walk_timeout_s * 1000)


def start_screenshot(page: Page, walk_timeout_s: float) -> asyncio.Future[bytes]:
    """Ask the browser for a PNG of the view now; await it later (see `shot_result`)."""
    return asyncio.ensure_future(
        # secret fields drawn as dots: a typed card number never shows in a picture
        capture_png(page, shot_timeout_ms(walk_timeout_s), SECRET_FIELDS_CSS)
    )


async def shot_result(
    task: asyncio.Future[bytes] | None, *, browser_connected: bool
) -> tuple[bytes | None, str]:
    """The screenshot, or None and why: a failed screenshot never fails an observation."""
    if task is None:
        return None, ""
    try:
        return await task, ""
    except PlaywrightError as exc:
        if not browser_connected or "crash" in str(exc).lower():
            raise
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "failed"
        return None, f"no screenshot: {first}"


async def read_page(page: Page, walk_timeout_s: float) -> tuple[Perceived, str]:
    """One walk, in two halves: the action space and the page's markdown."""
    for _ in range(3):
        html, take = await _walk(page, lambda: walk_html(page), walk_timeout_s)
        # Markdown is CPU work: a big page's off the event loop, so a UI never stalls.
        markdown = asyncio.ensure_future(off_loop(markdown_of_walk, html, size=len(html)))
        try:
            perceived = await _walk(page, _second_half(page, take), walk_timeout_s)
            if perceived is None:  # a new document arrived between the halves: walk it
                continue
            text = await markdown
            # Labels written over a big page's markdown: ~20 ms for 8,300 ids on 2 MB, CPU work.
            return perceived, await off_loop(inline_ids, text, perceived, size=len(text))
        finally:
            for task in (markdown, take):
                if not task.done():
                    task.cancel()
    raise StepTimeout(
        "The page kept changing while it was being read",
        "observe again once it settles",
    )


def _second_half(
    page: Page, take: asyncio.Future[Perceived | None]
) -> Callable[[], Awaitable[Perceived | None]]:
    """The half already asked for, then (a navigation retried it) the new document's."""
    asked = [take]
    return lambda: asked.pop() if asked else take_walk(page)


async def _walk(page: Page, call: Callable[[], Awaitable[Any]], timeout_s: float) -> Any:
    for attempt in range(3):
        try:
            return await asyncio.wait_for(call(), timeout_s)
        except TimeoutError:
            raise PageHung(
                f"the page did not answer within {timeout_s:.0f} s (its scripts may be stuck)"
            ) from None
        except PlaywrightError as exc:
            # A navigation in flight destroys the context: wait for the new document.
            if "context was destroyed" not in str(exc) and "navigat" not in str(exc).lower():
                raise
            if attempt == 2:
                raise
            with contextlib.suppress(PlaywrightError):
                await page.wait_for_load_state("domcontentloaded", timeout=5_000)
    raise AssertionError("unreachable")
