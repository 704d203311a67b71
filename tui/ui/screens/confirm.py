"""A yes/no question, answered with y/n, Enter or Escape."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static


class ConfirmScreen(ModalScreen[bool]):
    """Confirm a destructive step (closing a session)."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(
        self, title: str, question: Text | str, yes: str = "Yes", no: str = "Cancel"
    ) -> None:
        super().__init__()
        self.no = no
        self.title_text = title
        self.question = question if isinstance(question, Text) else Text(question)
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="confirm"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            yield Static(self.question, markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(self.yes, variant="error", id="confirm-yes")
                yield Button(self.no, id="confirm-no")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm-yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
