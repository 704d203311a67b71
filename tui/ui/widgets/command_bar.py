"""The command bar: type an action (`B3`, `I1 hello --enter`, `goto x.org`) or a request."""

from __future__ import annotations

from textual.binding import Binding
from textual.suggester import Suggester, SuggestFromList
from textual.widgets import Input

PLACEHOLDER = ": B3 · I1 hello --enter · goto example.com · back · or ask in words"  # fits 80


class Completions(Suggester):
    """This page's action ids (and answer candidates), then the registry's keywords.

    Textual's `SuggestFromList` over them, built when the first suggestion is asked for, by
    which time the first frame is on screen: the keywords come from the action registry,
    which loads the neutral model (pydantic), and the bar is built before that frame (issue 15).
    """

    def __init__(self, ids: list[str], extra: list[str] | None = None) -> None:
        super().__init__(case_sensitive=False)
        self._given = (ids, extra or [])
        self._from_list: SuggestFromList | None = None

    async def get_suggestion(self, value: str) -> str | None:
        if self._from_list is None:
            from tui.ui.parse import completions

            ids, extra = self._given
            self._from_list = SuggestFromList([*extra, *completions(ids)], case_sensitive=False)
        return await self._from_list.get_suggestion(value)


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
        self.suggester = Completions(ids, extra)

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
