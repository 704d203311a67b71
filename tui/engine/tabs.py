"""A session's tabs, in their own room: the pages, which one is active, what each says.

`Tabs` follows every page of one BrowserContext: a popup (`target=_blank`,
`window.open`) becomes the active tab, a closed page leaves the list, dialogs are
dismissed (a `beforeunload` accepted) and logged, a crashed tab fails the session,
a download is kept (engine/downloads.py), and a main-frame navigation or a download
(a navigation that ended without a document) wakes whoever waits for one (an action
that started it). It knows nothing of steps or observations; the session and the actions use it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.async_api import BrowserContext, CDPSession, Dialog, Download, Page
from playwright.async_api import Error as PlaywrightError

from tui.engine.bounds import PageHung, bounded
from tui.engine.downloads import Downloads
from tui.engine.masking import scrub
from tui.engine.pagelog import PageLog
from tui.engine.perception import strip_controls
from tui.model import ConsoleMessage, Tab


class Tabs:
    """The pages of one session, in opening order, and which one is active."""

    def __init__(
        self,
        context: BrowserContext,
        logs: PageLog,
        *,
        emit: Callable[..., None],
        fail: Callable[[str], None],
        live: Callable[[], bool],
        call_budget_s: Callable[[], float],
        downloads: Path | None = None,
    ) -> None:
        self.context = context
        self.pages: list[Page] = []
        self.active = 0
        self.titles: dict[Page, str] = {}
        # A DevTools session per tab, opened when the tab is: one opened after its page hung
        # cannot end the page's script (the renderer never finishes attaching it).
        self.devtools: dict[Page, asyncio.Task[CDPSession]] = {}
        self.fresh: set[Page] = set()  # popups not yet observed: still loading, maybe
        self._logs = logs
        self._emit = emit
        self._fail = fail
        self._live = live
        self._call_budget_s = call_budget_s  # a quick call into the page, on a busy machine too
        self._nav_waiters: list[asyncio.Future[None]] = []
        self.downloads = Downloads(downloads)  # kept in that folder (None: not kept)
        context.on("page", self._on_page)

    @property
    def page(self) -> Page | None:
        """The active tab's page (None before the first one opens)."""
        if not self.pages:
            return None
        self.active = min(self.active, len(self.pages) - 1)
        return self.pages[self.active]

    # --- opening, switching, closing ------------------------------------------------------

    def attach(self, page: Page, *, index: int | None = None) -> None:
        """Follow a page: console, dialogs, crashes, navigation; it becomes a tab."""
        if page in self.pages:
            return
        if index is None:
            self.pages.append(page)
        else:
            self.pages.insert(min(index, len(self.pages)), page)
        self._logs.follow_page(page)
        page.on("dialog", self._on_dialog)
        page.on("crash", self._on_crash)
        page.on("close", self._on_close)
        page.on("framenavigated", self._on_frame_navigated)
        page.on("download", self._on_download)
        task = asyncio.get_running_loop().create_task(self.context.new_cdp_session(page))
        task.add_done_callback(lambda t: t.cancelled() or t.exception())  # never "unretrieved"
        self.devtools[page] = task

    async def open(self, *, index: int | None = None, timeout: float = 10.0) -> Page:
        """A new page in the context, followed and made the active tab (no event emitted)."""
        page = await bounded(self.context.new_page(), timeout, "opening a tab")
        self.attach(page, index=index)
        self.active = self.pages.index(page)
        return page

    async def ensure_page(self) -> Page:
        """The active tab's page, opening one if there is none."""
        page = self.page
        return page if page is not None else await self.open()

    def announce(self, action: str, **data: Any) -> None:
        """Tell followers about a tab an action opened, switched to or closed."""
        self._emit("tab", action=action, **data)

    def activate(self, index: int) -> Page:
        """Make tab `index` the active one; its page."""
        self.active = index
        return self.pages[index]

    def forget(self, page: Page) -> int | None:
        """Drop a closed page from the tabs (its close event may come later); its old index."""
        if page not in self.pages:
            return None
        index = self.pages.index(page)
        self.pages.remove(page)
        self.titles.pop(page, None)
        self.fresh.discard(page)
        devtools = self.devtools.pop(page, None)
        if devtools is not None and not devtools.done():
            devtools.cancel()
        if self.active >= index and self.active > 0:
            self.active -= 1
        return index

    # --- what they show -------------------------------------------------------------------

    def listing(self, secrets: set[str]) -> list[Tab]:
        """The tabs as the neutral model lists them (urls scrubbed of known secrets)."""
        return [
            Tab(
                index=i,
                url=scrub(p.url, secrets),
                title=self.titles.get(p, ""),
                active=i == self.active,
            )
            for i, p in enumerate(self.pages)
        ]

    async def refresh_titles(self) -> None:
        """Titles of the other tabs (one quick call each; sessions rarely have many)."""
        others = [p for i, p in enumerate(self.pages) if i != self.active]
        if not others:
            return

        async def title(p: Page) -> None:
            with contextlib.suppress(PlaywrightError, TimeoutError):
                self.titles[p] = strip_controls(await asyncio.wait_for(p.title(), 2.0))

        await asyncio.gather(*(title(p) for p in others))

    # --- navigation waits -----------------------------------------------------------------

    def nav_waiter(self) -> asyncio.Future[None]:
        """A future resolved by the next main-frame navigation (or the session's end)."""
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._nav_waiters.append(fut)
        return fut

    def drop_waiter(self, fut: asyncio.Future[None]) -> None:
        with contextlib.suppress(ValueError):
            self._nav_waiters.remove(fut)

    def resolve_nav(self) -> None:
        """Wake every waiter: a main frame navigated, a navigation failed, or the session ended."""
        for fut in self._nav_waiters:
            if not fut.done():
                fut.set_result(None)

    # --- browser events -------------------------------------------------------------------

    def _on_page(self, page: Page) -> None:
        # Popups (target=_blank, window.open) become the active tab.
        if page in self.pages or not self._live():
            return
        self.attach(page)
        self.active = len(self.pages) - 1
        self.fresh.add(page)
        self._emit("tab", action="opened", index=self.active, url=page.url)

    def _on_close(self, page: Page) -> None:
        index = self.forget(page)
        if index is not None and self._live():
            self._emit("tab", action="closed", index=index)

    async def _on_dialog(self, dialog: Dialog) -> None:
        text = f"{dialog.type}: {dialog.message}"
        entry = ConsoleMessage(
            level="dialog", text=text, url=dialog.page.url if dialog.page else ""
        )
        self._logs.add_console(entry)
        with contextlib.suppress(PlaywrightError, PageHung):
            if dialog.type == "beforeunload":
                # dismissing would cancel the navigation the step asked for
                await bounded(dialog.accept(), self._call_budget_s(), "accepting a dialog")
            else:
                await bounded(dialog.dismiss(), self._call_budget_s(), "dismissing a dialog")

    def _on_crash(self, page: Page) -> None:
        self._fail("the tab crashed")

    def _on_frame_navigated(self, frame: Any) -> None:
        if frame.parent_frame is None:
            self.resolve_nav()

    def _on_download(self, download: Download) -> None:
        self.downloads.started(download)
        self.resolve_nav()  # the navigation became a download: no document will commit
