"""The new-session modal: url, viewport, optional first command, provider, trace."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select

from tui.model import CreateSession
from tui.ui.parse import normalize_url


class NewSessionScreen(ModalScreen[tuple[str, CreateSession] | None]):
    """Ask what the new session should open; dismiss with (provider, request) or None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="new_session.cancel")]

    def __init__(self, providers: list[tuple[str, str]], default_url: str = "") -> None:
        super().__init__()
        self.providers = providers  # (label, name)
        self.default_url = default_url

    def compose(self) -> ComposeResult:
        with Vertical(id="new-session", classes="dialog"):
            yield Label("New session", classes="dialog-title")
            with Grid(id="new-session-form"):
                yield Label("url")
                yield Input(self.default_url, placeholder="example.com", id="new-url", compact=True)
                yield Label("viewport")
                with Horizontal(id="new-viewport"):
                    yield Input("1280", id="new-width", type="integer", max_length=5, compact=True)
                    yield Label("×")
                    yield Input("800", id="new-height", type="integer", max_length=5, compact=True)
                yield Label("first command")
                yield Input(
                    placeholder="optional, e.g. B3 or search for lamps",
                    id="new-command",
                    compact=True,
                )
                yield Label("profile")
                yield Input(
                    placeholder="optional: a saved login (stepdeck profile list)",
                    id="new-profile",
                    compact=True,
                )
                yield Label("provider")
                yield Select(
                    self.providers,
                    value=self.providers[0][1],
                    allow_blank=False,
                    id="new-provider",
                    compact=True,
                )
                yield Label("record")
                yield Checkbox(
                    "Playwright trace (embedded engine)",
                    id="new-trace",
                    compact=True,
                    tooltip="Written when the session closes; exports carry it as trace.zip",
                )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Create", variant="primary", id="new-create")
                yield Button("Cancel", id="new-cancel")

    def _request(self) -> tuple[str, CreateSession] | None:
        def number(widget_id: str, default: int) -> int:
            text = self.query_one(widget_id, Input).value.strip()
            return int(text) if text.isdigit() and 200 <= int(text) <= 8000 else default

        url = normalize_url(self.query_one("#new-url", Input).value) or None
        command = self.query_one("#new-command", Input).value.strip() or None
        profile = self.query_one("#new-profile", Input).value.strip() or None
        provider = str(self.query_one("#new-provider", Select).value)
        return provider, CreateSession(
            url=url,
            viewport_width=number("#new-width", 1280),
            viewport_height=number("#new-height", 800),
            first_command=command,
            profile=profile,
            trace=self.query_one("#new-trace", Checkbox).value,
        )

    @on(Button.Pressed, "#new-create")
    @on(Input.Submitted)
    def create(self) -> None:
        self.dismiss(self._request())

    @on(Button.Pressed, "#new-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
