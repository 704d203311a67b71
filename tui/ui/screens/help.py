"""The help screen: every key, with its binding id (remappable in config)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

COMMANDS_HELP = (
    "Command bar (: from the panes, Escape back): B3 (click) · I1 hello (fill) · "
    "I1 hello --enter · select I2 Blue · goto example.com · back · forward · reload · "
    "scroll down|up · tab 2 · new tab url · close tab · press Enter · wait 500 · "
    "extract name, price, url (items as a table, s saves JSON) · anything else is sent "
    "as a request in words."
)
FOCUS_HELP = (
    "Keys act when no input has focus: letters typed into a filter or the command bar "
    "stay there. / opens a filter (in the Page pane: find words, Enter the next match), "
    ": the command bar, Escape leaves either. In the Page pane, → and ← move between ids "
    "and links; Enter runs the one under the cursor."
)
KEYMAP_HELP = 'Remap keys in config.toml: [keymap] then e.g. "app.new_session" = "ctrl+n".'


def key_table(rows: list[tuple[str, str, str]]) -> Table:
    """Key, binding id, what it does: the id column never shrinks (it is what config takes)."""
    table = Table(box=None, expand=True, pad_edge=False, show_edge=False)
    table.add_column("key", style="bold", no_wrap=True)
    table.add_column("binding id", style="dim", no_wrap=True)
    table.add_column("does", ratio=1)
    for key, description, binding_id in rows:
        table.add_row(Text(key), Text(binding_id), Text(description))
    return table


class HelpScreen(ModalScreen[None]):
    """Lists keys as (key, id, what it does); the config's [keymap] remaps ids."""

    BINDINGS = [Binding("escape,q,f1,question_mark", "dismiss", "Close", id="help.close")]

    def __init__(self, rows: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="help"):
            yield Label("Keys", classes="dialog-title")
            with VerticalScroll(id="help-scroll"):
                yield Static(key_table(self.rows), id="help-keys")
                yield Static(Text(FOCUS_HELP), id="help-focus", markup=False)
                yield Static(Text(COMMANDS_HELP), id="help-commands", markup=False)
                yield Static(Text(KEYMAP_HELP), id="help-keymap", markup=False)
