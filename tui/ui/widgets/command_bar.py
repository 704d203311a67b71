"""The command bar: type an action (`B3`, `I1 hello --enter`, `goto x.org`) or a request."""

from __future__ import annotations

from textual.binding import Binding
from textual.suggester import SuggestFromList
from textual.widgets import Input

from tui.ui.parse import completions

PLACEHOLDER = ": B3 · I1 hello --enter · goto example.com · back · or ask in words"  # fits 80


class CommandBar(Input):
    """An Input with id completion and a history walked with up/down.

    `:` (from the panes) brings the keys here; Escape hands them back.
    """

    BINDINGS = [
        Binding("up", "history(-1)", "Previous command", show=False, id="command.history_back"),
        Binding("down", "history(1)", "Next command", show=False, id="command.history_forward"),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(placeholder=PLACEHOLDER, compact=True, **kwargs)
        self.history: list[str] = []
        self._cursor = 0
        self._draft = ""
        self.set_ids([])

    def set_ids(self, ids: list[str], extra: list[str] | None = None) -> None:
        """Offer these action ids (and answer candidates) as completions."""
        self.suggester = SuggestFromList([*(extra or []), *completions(ids)], case_sensitive=False)

    def remember(self, line: str) -> None:
        if line and (not self.history or self.history[-1] != line):
            self.history.append(line)
        self._cursor = len(self.history)

    def action_history(self, delta: int) -> None:
        if not self.history:
            return
        if self._cursor == len(self.history):
            self._draft = self.value
        self._cursor = max(0, min(len(self.history), self._cursor + delta))
        self.value = (
            self._draft if self._cursor == len(self.history) else self.history[self._cursor]
        )
        self.cursor_position = len(self.value)
