"""Actions: the action space as a table, filtered as you type; Enter runs one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Input, Static

from tui.ui.messages import RunAction
from tui.ui.state import SessionView, clean
from tui.ui.tabs.base import SessionTab

if TYPE_CHECKING:  # the neutral model (pydantic) loads after the app's first frame
    from tui.model import Action, BrowserAction


def _params(params) -> str:
    """`value`, or `value: Price, Name, Newest…` for a select."""
    out = []
    for p in params:
        if p.values:
            more = "…" if len(p.values) > 4 else ""
            out.append(f"{p.name}: {', '.join(p.values[:4])}{more}")
        else:
            out.append(p.name)
    return "; ".join(out)


class ActionTable(DataTable):
    """One row per action; browser actions after the page's own."""

    BINDINGS = [
        Binding("enter", "select_cursor", "Run", id="actions.run", tooltip="Run this action"),
    ]


class ActionsTab(SessionTab):
    """The action space; Enter on a row runs it (posting `RunAction`)."""

    TITLE = "Actions"
    TAB_ID = "tab-actions"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._rows: dict[str, Action | BrowserAction] = {}
        self._shown_for: object = None

    def compose(self) -> ComposeResult:
        yield Static("", id="action-note", markup=False)
        yield Input(compact=True, placeholder="/ filter actions…", id="action-filter")
        table = ActionTable(id="action-table", cursor_type="row", zebra_stripes=True)
        table.add_column("id", key="id")
        table.add_column("category", key="category")
        table.add_column("description", key="description")
        table.add_column("params", key="params")
        yield table

    def draw(self, view: SessionView | None) -> None:
        reason = self.missing(view, "action_space")
        note = self.query_one("#action-note", Static)
        note.display = reason is not None
        if reason:
            note.update(
                f"No element ids on this provider: {reason}. Browser actions and "
                "requests in words still work."
            )
        observation = view.observation if view else None
        if observation is self._shown_for and observation is not None:
            return
        self._shown_for = observation
        self._fill()

    def _fill(self) -> None:
        table = self.query_one(ActionTable)
        needle = self.query_one("#action-filter", Input).value.strip().lower()
        table.clear()
        self._rows = {}
        observation = self.view.observation if self.view else None
        if observation is None:
            return
        # (row key, id, category, description, params, action): a browser action's key is
        # `b:` and its name, so that a page's `B1` and a browser action never share a row.
        rows: list[tuple[str, str, str, str, str, Action | BrowserAction]] = []
        for a in observation.actions:
            rows.append((a.id, a.id, a.category or a.role, a.description, _params(a.params), a))
        for b in observation.browser_actions:
            rows.append((f"b:{b.name}", b.name, "browser", b.description, _params(b.params), b))
        for key, ident, category, description, params, action in rows:
            hay = f"{ident} {category} {description}".lower()
            if needle and needle not in hay:
                continue
            self._rows[key] = action
            table.add_row(
                Text(ident, style="bold"),
                Text(clean(category), style="dim"),
                Text(clean(description)[:200], no_wrap=True, overflow="ellipsis"),
                Text(clean(params), style="italic"),
                key=key,
            )

    @on(Input.Changed, "#action-filter")
    def _filter(self) -> None:
        self._fill()

    @on(Input.Submitted, "#action-filter")
    def _run_first(self) -> None:
        table = self.query_one(ActionTable)
        if table.row_count:
            table.focus()

    @on(DataTable.RowSelected, "#action-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        action = self._rows.get(str(event.row_key.value))
        if action is not None:
            self.post_message(RunAction(action))

    def open_filter(self) -> None:
        self.query_one("#action-filter", Input).focus()
