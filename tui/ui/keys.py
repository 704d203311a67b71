"""The cockpit's keys: every binding has an id and a description, and can be remapped.

App keys act when no input has focus (`:` enters the command bar, `/` a filter,
Escape always leaves an input); the help screen lists them with their ids.
"""

from __future__ import annotations

from textual.binding import Binding

MAIN_BINDINGS = [
    Binding("n,f2", "new_session", "New", id="app.new_session", tooltip="Open a new session"),
    Binding("x,f8", "close_session", "Close", id="app.close_session", tooltip="Close session"),
    Binding(
        "r,f5",
        "refresh",
        "Refresh",
        show=False,
        id="app.refresh",
        tooltip="Reload sessions and page",
    ),
    Binding("z", "maximize_pane", "Max", id="app.maximize", tooltip="Maximise/restore pane"),
    Binding(
        "s",
        "toggle_shot",
        "Shot",
        show=False,
        id="app.toggle_shot",
        tooltip="Screenshot on/off",
    ),
    Binding(
        "m",
        "toggle_marks",
        "Marks",
        show=False,
        id="app.marks",
        tooltip="Ids on the screenshot",
    ),
    Binding(
        "b",
        "toggle_sidebar",
        "Sessions",
        show=False,
        id="app.sidebar",
        tooltip="Sidebar on/off",
    ),
    Binding(
        "slash",
        "filter",
        "Filter",
        id="app.filter",
        tooltip="Find in the page, filter the focused pane, else the sessions",
    ),
    Binding("colon", "focus_command", "Command", id="app.focus_command"),
    Binding(
        "p",
        "toggle_pause",
        "Pause",
        show=False,
        id="app.pause",
        tooltip="Pause/resume: hold an agent's next step on this session (you can still step)",
    ),
    Binding(
        "P",
        "save_profile",
        "Save profile",
        show=False,
        id="app.save_profile",
        tooltip="Save this session's login (cookies, storage) as a named profile",
    ),
    Binding("escape", "leave", "Back to panes", show=False, id="app.leave"),
    Binding("1", "show_pane('page')", "Page", show=False, id="app.tab_1"),
    Binding("2", "show_pane('actions')", "Actions", show=False, id="app.tab_2"),
    Binding("3", "show_pane('shot')", "Screenshot", show=False, id="app.tab_3"),
    Binding("4", "show_tab('tab-log')", "Log tab", show=False, id="app.tab_4"),
    Binding("5", "show_tab('tab-timeline')", "Timeline tab", show=False, id="app.tab_5"),
    Binding("6", "show_tab('tab-console')", "Console tab", show=False, id="app.tab_6"),
    Binding("7", "show_tab('tab-network')", "Network tab", show=False, id="app.tab_7"),
    Binding("8", "show_tab('tab-tabs')", "Browser tabs tab", show=False, id="app.tab_8"),
    Binding("9", "show_tab('tab-raw')", "Raw tab", show=False, id="app.tab_9"),
]
