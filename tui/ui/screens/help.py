"""The help screen: every key, with its binding id (remappable in config)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, Static

COMMANDS_HELP = (
    "Command bar: B3 (click) · I1 hello (fill) · I1 hello --enter · select I2 Blue · "
    "goto example.com · back · forward · reload · scroll down|up · tab 2 · new tab url · "
    "close tab · press Enter · wait 500 · extract name, price, url (items as a table, s saves "
    "JSON) · anything else is sent as a request in words."
)

KEYMAP_HELP = 'Remap keys in config.toml: [keymap] then e.g. "app.new_session" = "ctrl+n".'


class HelpScreen(ModalScreen[None]):
    """Lists keys as (key, id, what it does); the config's [keymap] remaps ids."""

    BINDINGS = [Binding("escape,q,f1,question_mark", "dismiss", "Close", id="help.close")]

    def __init__(self, rows: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="help"):
            yield Label("Keys", classes="dialog-title")
            table = DataTable(id="help-keys", cursor_type="row", show_cursor=False)
            table.add_columns(Text("key"), Text("does"), Text("binding id"))
            for key, description, binding_id in self.rows:
                table.add_row(
                    Text(key, style="bold"), Text(description), Text(binding_id, style="dim")
                )
            yield table
            yield Static(Text(COMMANDS_HELP), id="help-commands", markup=False)
            yield Static(Text(KEYMAP_HELP), id="help-keymap", markup=False)
