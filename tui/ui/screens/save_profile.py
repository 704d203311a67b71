"""Ask for the name to save the selected session's login (cookies and storage) under."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from tui.ui.state import clean


class SaveProfileScreen(ModalScreen[str | None]):
    """Dismissed with the profile name, or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="save_profile.cancel")]

    def __init__(self, session_name: str, current: str = "") -> None:
        super().__init__()
        self.session_name, self.current = session_name, current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="save-profile"):
            yield Label(
                Text(f"Save {clean(self.session_name)} as a profile"), classes="dialog-title"
            )
            yield Label(
                "Its cookies, localStorage and sessionStorage, kept in the data dir; "
                "start a session from it with --profile or the new-session dialog.",
                markup=False,
            )
            yield Input(
                self.current, placeholder="a name, e.g. shop-login", id="profile-name", compact=True
            )

    @on(Input.Submitted, "#profile-name")
    def named(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
