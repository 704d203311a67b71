"""An error that says what happened and what to do next."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from tui.ui.state import clean


class ErrorScreen(ModalScreen[None]):
    """Shown for failures that need reading (a notification covers the rest)."""

    BINDINGS = [Binding("escape,enter", "dismiss", "Close", id="error.close")]

    def __init__(self, message: str, hint: str = "", title: str = "Something went wrong") -> None:
        super().__init__()
        self.message, self.hint, self.title_text = message, hint, title

    def compose(self) -> ComposeResult:
        body = Text(clean(self.message))
        if self.hint:
            body.append("\n\nWhat to do: ", style="bold")
            body.append(clean(self.hint))
        with Vertical(classes="dialog", id="error"):
            yield Label(self.title_text, classes="dialog-title error-title", markup=False)
            yield Static(body, markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("OK", variant="primary", id="error-ok")

    def on_button_pressed(self) -> None:
        self.dismiss(None)
