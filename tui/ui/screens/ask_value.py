"""Ask for the value an action takes: free text, or one of a select's options."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Label, OptionList
from textual.widgets.option_list import Option

from tui.ui.state import clean

if TYPE_CHECKING:  # the neutral model (pydantic) loads after the app's first frame
    from tui.model import Param


class AskValueScreen(ModalScreen[tuple[str, bool] | None]):
    """Dismissed with (value, press_enter) or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="ask_value.cancel")]

    def __init__(self, what: str, param: Param, current: str | None = None) -> None:
        super().__init__()
        self.what, self.param, self.current = what, param, current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="ask-value"):
            yield Label(Text(clean(self.what)), classes="dialog-title")
            if self.param.values:
                yield Label(f"pick {self.param.name}:", markup=False)
                yield OptionList(
                    *(Option(Text(clean(v)), id=f"v{i}") for i, v in enumerate(self.param.values)),
                    id="ask-options",
                )
            else:
                yield Input(
                    self.current or self.param.default or "",
                    placeholder=self.param.name,
                    id="ask-input",
                )
                yield Checkbox("then press Enter", id="ask-enter")

    @on(OptionList.OptionSelected, "#ask-options")
    def picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss((self.param.values[event.option_index], False))

    @on(Input.Submitted, "#ask-input")
    def typed(self, event: Input.Submitted) -> None:
        self.dismiss((event.value, self.query_one("#ask-enter", Checkbox).value))

    def action_cancel(self) -> None:
        self.dismiss(None)
