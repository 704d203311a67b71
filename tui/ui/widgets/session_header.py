"""The selected session's header: title, url, status of the last step, steps."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import LoadingIndicator, Static

from tui.ui.state import SessionView, clean

STATUS_STYLES = {
    "CONTINUE": "bold green",
    "DONE": "bold green",
    "ASK_USER": "bold yellow",
    "ERROR": "bold red",
    "error": "bold red",
}


class SessionHeader(Horizontal):
    """Two lines about the selected session, and a spinner while a step runs."""

    def compose(self) -> ComposeResult:
        yield Static(id="header-text", markup=False)
        yield LoadingIndicator(id="busy")

    def show(self, view: SessionView | None, *, starting: bool = False) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        busy = False
        if view is None and starting:
            busy = True
            text.append("Starting…", style="bold")
            text.append("\nlaunching the browser and opening the first page", style="dim")
        elif view is None:
            text.append("No session selected", style="bold")
            text.append("\nPress n for a new session, or pick one on the left.", style="dim")
        else:
            busy = view.busy
            word = "running…" if view.busy else view.status_word
            text.append(f"{word}", style=STATUS_STYLES.get(word, "bold"))
            text.append(f" · {view.step_count} steps · ", style="dim")
            text.append(view.name, style="bold")
            text.append("\n")
            text.append(clean(view.url) or "(no page yet)", style="underline")
        self.query_one("#header-text", Static).update(text)
        self.query_one("#busy").display = busy
