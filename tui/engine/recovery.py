"""Bring a stuck tab back, so one hostile page never wedges its session.

After a call into the page exceeded its bound, `recover_tab` tries, each step
bounded, from gentlest to strongest:

1. stop loading (a navigation to a server that accepts and never answers
   keeps the page's scripts unreachable until it is stopped);
2. end the running script (`for (;;) {}` once) through the DevTools protocol;
3. close the tab and open a fresh one in the same context at the last page
   that answered (a page that keeps looping, `setInterval(for(;;))`); if that
   page hangs again, the fresh tab stays blank.

If even that fails, the session is marked `error` with what to do. Nothing
the step asked for is repeated: only the last good page is loaded again.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from playwright.async_api import CDPSession, Page
from playwright.async_api import Error as PlaywrightError

from tui.engine.bounds import QUICK_S, PageHung, bounded
from tui.engine.masking import scrub
from tui.engine.target import ActionTarget

PROBE_S = 3.0  # generous: a busy machine must not pass for a stuck page


async def page_answers(page: Page) -> bool:
    """Whether the page's main world runs a script now."""
    try:
        return await bounded(page.evaluate("1"), PROBE_S, "probe") == 1
    except (PageHung, PlaywrightError):
        return False


async def _open_cdp(target: ActionTarget, page: Page) -> CDPSession | None:
    """The tab's own DevTools session (opened with the tab), else a late one."""
    early = target.tabs.devtools.get(page)
    if early is not None:
        with contextlib.suppress(PageHung, PlaywrightError, asyncio.CancelledError):
            return await bounded(asyncio.shield(early), QUICK_S, "devtools")
    with contextlib.suppress(PageHung, PlaywrightError):
        return await bounded(target.tabs.context.new_cdp_session(page), QUICK_S, "devtools")
    return None


async def _send(cdp: CDPSession | None, method: str) -> None:
    if cdp is None:
        return
    with contextlib.suppress(PageHung, PlaywrightError):
        await bounded(cdp.send(method), QUICK_S, method)


def _detach_later(cdp: CDPSession | None) -> None:
    """Let go of the DevTools session without waiting (a stuck page answers a detach late)."""
    if cdp is None:
        return

    async def detach() -> None:
        with contextlib.suppress(PageHung, PlaywrightError):
            await bounded(cdp.detach(), 10.0, "devtools detach")

    task = asyncio.get_running_loop().create_task(detach())
    _pending.add(task)
    task.add_done_callback(_pending.discard)


_pending: set[asyncio.Task[None]] = set()


async def recover_tab(
    target: ActionTarget, page: Page, *, good_url: str, fail: Callable[[str], None]
) -> str:
    """Make `page`'s tab answer again; returns what was done, as a hint for the person.

    `good_url` is the last page that answered (a fresh tab reopens it); `fail` marks the
    session `error` when even a fresh tab cannot be had.
    """
    if not target.live or page.is_closed():
        return "observe again"
    # One DevTools session for the whole recovery: a second one queues behind the first.
    cdp = await _open_cdp(target, page)
    try:
        await _send(cdp, "Page.stopLoading")
        if await page_answers(page):
            return "the page was stopped; the session is still usable: observe, go back or goto elsewhere"
        await _send(cdp, "Runtime.terminateExecution")
        if await page_answers(page):
            return "the page's script was stopped; the session is still usable: observe or goto elsewhere"
    finally:
        if target.tabs.devtools.get(page) is None:  # a late one of our own
            _detach_later(cdp)
    return await _replace(target, page, good_url, fail)


async def _replace(target: ActionTarget, page: Page, good: str, fail: Callable[[str], None]) -> str:
    """Close the stuck tab; a fresh one takes its place at the last page that answered."""
    tabs = target.tabs
    index = tabs.pages.index(page) if page in tabs.pages else len(tabs.pages)
    try:
        with contextlib.suppress(PageHung, PlaywrightError):
            await bounded(page.close(run_before_unload=False), 5.0, "closing the stuck tab")
        tabs.forget(page)
        fresh = await tabs.open(index=index, timeout=5.0)
    except (PageHung, PlaywrightError):
        fail("a page stopped answering and its tab could not be replaced")
        return "close this session and start a new one"
    if good and good.startswith(("http://", "https://")):
        try:
            await bounded(
                fresh.goto(good, wait_until="domcontentloaded"),
                target.limits.nav_timeout_s + 2,
                "reopening the last page",
            )
            if await page_answers(fresh):
                return (
                    f"the stuck tab was replaced by a fresh one at {scrub(good, target.secrets)}; "
                    "observe to see it"
                )
        except (PageHung, PlaywrightError):
            pass
        # The last page hangs again on load: leave the fresh tab blank.
        return await _blank(target, fresh, index, fail)
    return "the stuck tab was replaced by a blank one; goto a page"


async def _blank(target: ActionTarget, page: Page, index: int, fail: Callable[[str], None]) -> str:
    tabs = target.tabs
    with contextlib.suppress(PageHung, PlaywrightError):
        await bounded(page.close(run_before_unload=False), 5.0, "closing the stuck tab")
    tabs.forget(page)
    try:
        await tabs.open(index=index, timeout=5.0)
    except (PageHung, PlaywrightError):
        fail("a page stopped answering and its tab could not be replaced")
        return "close this session and start a new one"
    return "the page hangs whenever it loads; the tab was replaced by a blank one: goto elsewhere"
