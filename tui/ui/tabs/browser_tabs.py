"""Tabs: the browser tabs of the selected session; Enter switches, Delete closes.

Both go through the app's own step path (`run_step`), so they show in the log,
the store and the timeline like any other step.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from tui.model import StepRequest, Tab
from tui.ui.messages import RunStep
from tui.ui.state import SessionView, clean
from tui.ui.tabs.base import SessionTab, pane_active


class BrowserTabTable(DataTable):
    """One row per browser tab; the active one marked."""

    BINDINGS = [
        Binding("enter", "switch", "Switch", id="tabs.switch", tooltip="Switch to this tab"),
        Binding(
            "delete,ctrl+w", "close", "Close tab", id="tabs.close", tooltip="Close this browser tab"
        ),
    ]

    def action_switch(self) -> None:
        tab = self._tab()
        if tab is not None:
            self._run(StepRequest(type="switch_tab", index=tab.index))

    def action_close(self) -> None:
        tab = self._tab()
        if tab is not None:
            self._run(StepRequest(type="close_tab", index=tab.index))

    def _tab(self) -> Tab | None:
        owner = next((a for a in self.ancestors if isinstance(a, BrowserTabsTab)), None)
        if owner is None or not self.row_count:
            return None
        tabs = owner.tabs
        return tabs[self.cursor_row] if 0 <= self.cursor_row < len(tabs) else None

    def _run(self, request: StepRequest) -> None:
        self.post_message(RunStep(request))


class BrowserTabsTab(SessionTab):
    """The session's browser tabs, from its last observation."""

    TITLE = "Tabs"
    TAB_ID = "tab-tabs"

    DEFAULT_CSS = """
    BrowserTabsTab BrowserTabTable { height: 1fr; }
    BrowserTabsTab .note { color: $text-muted; padding: 0 1; height: auto; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.view: SessionView | None = None
        self.tabs: list[Tab] = []
        self._shown: object = None

    def compose(self) -> ComposeResult:
        yield Static("Enter: switch to a tab · Delete: close it", classes="note", markup=False)
        table = BrowserTabTable(id="browser-tabs", cursor_type="row", zebra_stripes=True)
        table.add_column("#", key="index")
        table.add_column("", key="active")
        table.add_column("title", key="title")
        table.add_column("url", key="url")
        yield table

    def show(self, view: SessionView | None, force: bool = False) -> None:
        # Drawn only while on show; a hidden tab draws when it next comes into view.
        self.view = view
        if force or pane_active(self):
            self.draw(view)

    def on_show(self) -> None:
        self.draw(self.view)

    def draw(self, view: SessionView | None) -> None:
        observation = view.observation if view else None
        if observation is self._shown and observation is not None:
            return
        self._shown = observation
        self.tabs = list(observation.metadata.tabs) if observation else []
        if observation is not None and not self.tabs:
            # A provider that reports no tabs still has the one it shows.
            meta = observation.metadata
            self.tabs = [Tab(index=0, url=meta.url, title=meta.title, active=True)]
        table = self.query_one(BrowserTabTable)
        table.clear()
        active_row = 0
        for row, tab in enumerate(self.tabs):
            if tab.active:
                active_row = row
            table.add_row(
                Text(str(tab.index)),
                Text("●" if tab.active else "", style="green"),
                Text(clean(tab.title)[:80] or "(untitled)", no_wrap=True, overflow="ellipsis"),
                Text(clean(tab.url)[:200], no_wrap=True, overflow="ellipsis"),
            )
        if table.row_count:
            table.move_cursor(row=active_row)
