"""Page: the page as markdown, in a read-only TextArea.

Textual's Markdown widget builds a widget per block and takes a minute on a
large page; a TextArea mounts 1 MB in about a second and scrolls at once.
Highlighting is dropped above `HIGHLIGHT_LIMIT` to keep big pages quick.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import TextArea

from tui.ui.state import SessionView, clean
from tui.ui.tabs.base import SessionTab

HIGHLIGHT_LIMIT = 200_000


class PageView(TextArea):
    """The page text, scrollable and selectable, never editable."""

    def on_mount(self) -> None:
        # A reader, not an editor: no highlighted [ ] pair around the first link.
        self.match_cursor_bracket = False


class PageTab(SessionTab):
    TITLE = "Page"
    TAB_ID = "tab-page"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._shown: str | None = None

    def compose(self) -> ComposeResult:
        yield PageView(
            "",
            language="markdown",
            read_only=True,
            soft_wrap=True,
            highlight_cursor_line=False,
            id="page-view",
            theme="css",
        )

    def draw(self, view: SessionView | None) -> None:
        if view is None or view.observation is None:
            text = "" if view is None else "(waiting for the first look at this page…)"
        else:
            text = clean(view.observation.markdown) or "(this page has no text)"
        if text == self._shown:
            return
        self._shown = text
        area = self.query_one(PageView)
        area.language = "markdown" if len(text) <= HIGHLIGHT_LIMIT else None
        area.load_text(text)
        area.scroll_home(animate=False)
