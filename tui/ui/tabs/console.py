"""Console: the selected session's console messages, filtered by level and text.

Messages load in a worker on this tab (never on the UI's turn) whenever the
session changes or takes a step; the tab's label counts the errors, so they
show even while another tab is open.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import DataTable, Input, Select, Static, TabbedContent, TabPane

from tui.model import ConsoleMessage
from tui.providers.base import StepdeckError
from tui.ui.state import SessionView, clean
from tui.ui.tabs.base import SessionTab, pane_active

ERROR_LEVELS = frozenset({"error", "pageerror"})
LEVEL_STYLES = {"error": "red", "pageerror": "bold red", "warning": "yellow", "dialog": "cyan"}
LEVELS = ["error", "warning", "info", "log", "debug", "dialog"]


def clock(ts: datetime) -> str:
    """HH:MM:SS.mmm (UTC), as every debugging tab shows times."""
    return ts.strftime("%H:%M:%S.%f")[:-3]


def set_badge(tab: SessionTab, count: int) -> None:
    """Put `count` in the label of the pane holding `tab`: "Console (3)"."""
    pane = tab.parent
    tabbed = next((a for a in tab.ancestors if isinstance(a, TabbedContent)), None)
    if not isinstance(pane, TabPane) or tabbed is None or not pane.id:
        return
    label = f"{tab.TITLE} ({count})" if count else tab.TITLE
    content_tab = tabbed.get_tab(pane.id)
    if content_tab.label_text != label:
        content_tab.label = label


class SessionLogTab(SessionTab):
    """A tab over one of the session's live logs (console, network): shared loading.

    Loads in a worker on the tab whenever the session changes or the tab comes
    into view, drops replies for a session no longer selected, fills the table
    only while on show, and keeps the count badge true even while hidden.
    Subclasses name the log (`LOG`: the provider method and capability), say what
    a failed read was of (`WHAT`), and draw rows (`_fill`) and count (`badge_count`).
    """

    LOG: ClassVar[str] = ""
    WHAT: ClassVar[str] = ""

    class Loaded(Message):
        """A log of one session (or why there is none)."""

        def __init__(self, key: str, items: list, note: str = "") -> None:
            super().__init__()
            self.key, self.items, self.note = key, items, note

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.view: SessionView | None = None
        self._mark: object = None
        self._dirty = False
        self.items: list = []

    def show(self, view: SessionView | None, force: bool = False) -> None:
        # Loads even while hidden: the label's count must stay true.
        self.view = view
        mark = (view.key, len(view.results), id(view.observation)) if view else None
        if mark != self._mark or force:
            self._mark = mark
            self.draw(view)

    def draw(self, view: SessionView | None) -> None:
        if view is None:
            self._loaded(self.Loaded("", []))
        else:
            self.load(view)

    def on_show(self) -> None:
        if self._dirty:
            self._fill()
        # Entries arrive between steps too: look again whenever the tab comes into view.
        if self.view is not None:
            self.load(self.view)

    def badge_count(self) -> int:
        raise NotImplementedError

    def _fill(self) -> None:
        raise NotImplementedError

    def open_filter(self) -> None:
        """`/` here: into the text filter (Escape leaves it)."""
        self.query_one(f"#{self.LOG}-text", Input).focus()

    # description: the default repr of a SessionView (page, screenshot) costs ~20 ms a step.
    @work(exclusive=True, group="session-log", exit_on_error=False, description="session log")
    async def load(self, view: SessionView) -> None:
        provider = self.providers.get(view.provider)
        if provider is None:
            self.post_message(self.Loaded(view.key, [], "this session's provider is not loaded"))
            return
        if not getattr(provider.capabilities, self.LOG):
            self.post_message(self.Loaded(view.key, [], provider.capabilities.reason(self.LOG)))
            return
        if not view.session.status.is_live:
            self.post_message(self.Loaded(view.key, [], "this session has ended: see Timeline"))
            return
        try:
            items = await getattr(provider, self.LOG)(view.session.id)
        except StepdeckError as exc:
            self.post_message(self.Loaded(view.key, [], f"could not read {self.WHAT}: {exc}"))
            return
        self.post_message(self.Loaded(view.key, items))

    @on(Loaded)
    def _loaded(self, event: Loaded) -> None:
        current = self.view.key if self.view else ""
        if event.key != current:
            return  # a reply for a session no longer selected
        self.items = event.items
        note = self.query_one(f"#{self.LOG}-note", Static)
        note.update(event.note)
        note.display = bool(event.note)
        if pane_active(self):
            self._fill()
        else:
            self._dirty = True  # filled when next shown; only the badge counts now
        set_badge(self, self.badge_count())


def level_matches(message: ConsoleMessage, level: str | None) -> bool:
    if level is None:
        return True
    if level == "error":
        return message.level in ERROR_LEVELS
    return message.level == level


class ConsoleTable(DataTable):
    """One row per console message, oldest first."""


class ConsoleTab(SessionLogTab):
    """The console of the selected session."""

    TITLE = "Console"
    TAB_ID = "tab-console"
    LOG = "console"
    WHAT = "the console"

    DEFAULT_CSS = """
    ConsoleTab .filters { height: 1; margin-bottom: 1; }
    ConsoleTab #console-level { width: 18; margin-right: 1; }
    ConsoleTab #console-text { width: 1fr; }
    ConsoleTab ConsoleTable { height: 1fr; }
    ConsoleTab .note { color: $text-muted; padding: 0 1; height: auto; }
    """

    @property
    def messages(self) -> list[ConsoleMessage]:
        return self.items

    def compose(self) -> ComposeResult:
        with Horizontal(classes="filters"):
            yield Select(
                [(level, level) for level in LEVELS],
                prompt="all levels",
                id="console-level",
                compact=True,
            )
            yield Input(placeholder="filter text…", id="console-text", compact=True)
        yield Static("", id="console-note", classes="note", markup=False)
        table = ConsoleTable(id="console-table", cursor_type="row", zebra_stripes=True)
        table.add_column("time", key="time")
        table.add_column("level", key="level")
        table.add_column("message", key="text")
        table.add_column("source", key="url")
        yield table

    def badge_count(self) -> int:
        return sum(1 for m in self.messages if m.level in ERROR_LEVELS)

    def shown_messages(self) -> list[ConsoleMessage]:
        """The messages that pass the level and text filters."""
        level = self.query_one("#console-level", Select).value
        wanted = level if isinstance(level, str) else None
        needle = self.query_one("#console-text", Input).value.strip().lower()
        return [
            m
            for m in self.messages
            if level_matches(m, wanted) and (not needle or needle in m.text.lower())
        ]

    def _fill(self) -> None:
        self._dirty = False
        table = self.query_one(ConsoleTable)
        table.clear()
        for m in self.shown_messages():
            table.add_row(
                Text(clock(m.timestamp), style="dim"),
                Text(m.level, style=LEVEL_STYLES.get(m.level, "")),
                Text(clean(m.text)[:300]),
                Text(clean(m.url)[-60:], style="dim"),
            )
        if table.row_count:
            table.move_cursor(row=table.row_count - 1)

    @on(Select.Changed, "#console-level")
    @on(Input.Changed, "#console-text")
    def _refilter(self) -> None:
        self._fill()
