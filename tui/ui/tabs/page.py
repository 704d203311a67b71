"""Page: the page rendered for reading, element ids inline, Enter runs one.

The markdown becomes display lines once per page (`tui.ui.page_doc`); a big
page is built in a thread so the UI never waits on it, then `PageView`
paints only the rows on screen. The status line under it names the element
or link target under the cursor.
"""

from __future__ import annotations

import asyncio
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input

from tui.ui.messages import RunAction, RunStep
from tui.ui.page_doc import PageDoc, build, wrap
from tui.ui.state import SessionView, clean
from tui.ui.tabs.base import SessionTab
from tui.ui.widgets.page_view import MAX_HITS, PageView

# Pages up to this size are built on the spot (a few ms); bigger ones in a thread.
INLINE_LIMIT = 60_000


class StatusLine(Widget):
    """One line under the page; updating it repaints that line only (no layout pass)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.text = Text()

    def render(self) -> Text:
        return self.text

    def update(self, text: Text | str) -> None:
        self.text = text if isinstance(text, Text) else Text(text)
        self.refresh()


class FindBox(Input):
    """`/` on the page: words to find in it. Enter goes to the next match, Escape closes."""

    BINDINGS: ClassVar = [Binding("escape", "close", "Close", show=False)]

    def action_close(self) -> None:
        self.display = False
        view = self.parent.query_one(PageView)
        view.stop_finding()
        view.focus()


class PageTab(SessionTab):
    TITLE = "Page"
    TAB_ID = "tab-page"

    class Built(Message):
        def __init__(self, source: object, doc: PageDoc, rows: tuple[int, list]) -> None:
            super().__init__()
            self.source, self.doc, self.rows = source, doc, rows

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._shown: object = None

    def compose(self) -> ComposeResult:
        yield PageView(id="page-view")
        yield StatusLine(id="page-status")

    def draw(self, view: SessionView | None) -> None:
        observation = view.observation if view else None
        source: object = observation if observation is not None else (view.key if view else None)
        if source is self._shown or (source == self._shown and not observation):
            return
        self._shown = source
        if observation is None:
            text = "" if view is None else "(waiting for the first look at this page…)"
            if view is not None and not view.session.status.is_live:
                text = "(this session has ended and the store kept no page for it)"
            self.query_one(PageView).load(build(text))
            return
        markdown = observation.markdown or "(this page has no text)"
        if len(markdown) <= INLINE_LIMIT:
            self.query_one(PageView).load(build(markdown, observation.actions))
        else:
            self.query_one(StatusLine).update(f"reading a {len(markdown) // 1024:,} KB page…")
            self._build(observation, markdown)

    @work(exclusive=True, group="page-build", exit_on_error=False, description="page build")
    async def _build(self, source: object, markdown: str) -> None:
        actions = list(getattr(source, "actions", []))
        width = self.query_one(PageView).wrap_width

        def build_and_wrap() -> tuple[PageDoc, tuple[int, list]]:
            doc = build(markdown, actions)
            return doc, (width, wrap(doc, width))

        doc, rows = await asyncio.to_thread(build_and_wrap)
        self.post_message(self.Built(source, doc, rows))

    @on(Built)
    def _built(self, event: Built) -> None:
        if event.source is self._shown:
            self.query_one(PageView).load(event.doc, event.rows)

    @on(PageView.Focused)
    def _focused(self, event: PageView.Focused) -> None:
        status = self.query_one(StatusLine)
        target = event.target
        if target is None:
            count = len(self.query_one(PageView).doc.targets)
            status.update(Text(f"→/← move between {count} ids and links · Enter runs", "dim"))
            return
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append(clean(target.label)[:80], style="bold")
        if target.href:
            line.append("  → ")
            line.append(clean(target.href), style="underline")
        if target.action_id:
            line.append("  · Enter runs it", style="dim")
        status.update(line)

    @on(PageView.Run)
    def _run(self, event: PageView.Run) -> None:
        target = event.target
        observation = self.view.observation if self.view else None
        action = observation.action(target.action_id) if observation and target.action_id else None
        if action is not None:
            self.post_message(RunAction(action))
        elif target.href and not target.href.startswith(("javascript:", "#")):
            from tui.model import StepRequest

            self.post_message(RunStep(StepRequest(type="goto", url=target.href)))

    async def open_filter(self) -> None:
        """`/`: find words in the page (what is typed there stays for the next `/`). The box
        is mounted on first use: the first frame does without it."""
        found = self.query(FindBox)
        if found:
            box = found.first()
        else:
            box = FindBox(placeholder="find in the page…", id="page-find", compact=True)
            await self.mount(box, before=self.query_one(StatusLine))
        box.display = True
        box.focus()
        if box.value:
            self._find(box.value, 0)

    @on(Input.Changed, "#page-find")
    def _find_typed(self, event: Input.Changed) -> None:
        self._find(event.value, 0)

    @on(Input.Submitted, "#page-find")
    def _find_next(self, event: Input.Submitted) -> None:
        self._find(event.value, 1)

    def _find(self, needle: str, step: int) -> None:
        status = self.query_one(StatusLine)
        if not needle.strip():
            status.update("")
            return
        which, total = self.query_one(PageView).find(needle, step)
        shown = clean(needle.strip())[:40]
        if not total:
            status.update(Text(f"no {shown!r} on this page", "bold yellow"))
            return
        line = Text(f"{which} of {total:,}{'+' if total >= MAX_HITS else ''}", "bold")
        line.append(f" for {shown!r} · Enter next · Escape back to the page", "dim")
        status.update(line)

    @property
    def text(self) -> str:
        return self.query_one(PageView).text
