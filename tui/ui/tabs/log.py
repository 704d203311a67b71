"""Log: this session's steps, newest last, with duration and outcome."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable

from tui.ui.state import SessionView, clean
from tui.ui.tabs.base import SessionTab

OUTCOME_STYLES = {"DONE": "green", "CONTINUE": "green", "ASK_USER": "yellow", "ERROR": "red"}


class StepLog(DataTable):
    """The steps table."""


class LogTab(SessionTab):
    TITLE = "Log"
    TAB_ID = "tab-log"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._shown: tuple[str, int] | None = None

    def compose(self) -> ComposeResult:
        table = StepLog(id="step-log", cursor_type="row", zebra_stripes=True)
        table.add_column("#", key="n")
        table.add_column("action", key="action")
        table.add_column("ms", key="ms")
        table.add_column("outcome", key="outcome")
        yield table

    def draw(self, view: SessionView | None) -> None:
        mark = (view.key, len(view.results), len(view.elsewhere)) if view else None
        if mark == self._shown:
            return
        self._shown = mark
        table = self.query_one(StepLog)
        table.clear()
        if view is None:
            return
        rows: list[tuple[object, str, float, Text]] = []
        for result in view.results:
            word = result.status.value
            outcome = Text(word, style=OUTCOME_STYLES.get(word, ""))
            if result.message:
                outcome.append(f"  {clean(result.message)[:160]}")
            rows.append((result.started_at, result.request.describe(), result.duration_ms, outcome))
        for seen in view.elsewhere:  # steps other clients ran, seen live
            word = "DONE" if seen.success else "ERROR"
            outcome = Text(word, style=OUTCOME_STYLES[word])
            outcome.append("  by another client", style="dim")
            if seen.message:
                outcome.append(f"  {clean(seen.message)[:160]}")
            rows.append((seen.at, seen.action, seen.ms, outcome))
        if view.elsewhere:
            rows.sort(key=lambda row: row[0])
        for n, (_, action, ms, outcome) in enumerate(rows, 1):
            table.add_row(
                Text(str(n)),
                Text(clean(action)[:60]),
                Text(f"{ms:.0f}", justify="right"),
                outcome,
            )
        if table.row_count:
            table.move_cursor(row=table.row_count - 1)
