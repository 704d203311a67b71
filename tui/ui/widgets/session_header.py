"""The selected session's header: title, url, status of the last step, steps."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widget import Widget

from tui.ui.state import SessionView, clean

STATUS_STYLES = {
    "CONTINUE": "bold green",
    "DONE": "bold green",
    "ASK_USER": "bold yellow",
    "ERROR": "bold red",
    "error": "bold red",
    "step failed": "bold red",
}
SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


class Spinner(Widget):
    """A small progress mark; it ticks only while shown and never reflows the screen."""

    _frame = 0

    def on_mount(self) -> None:
        self._timer = self.set_interval(0.12, self._tick, pause=True)
        self.styles.visibility = "hidden"

    def render(self) -> Text:
        return Text(f"{SPINNER[self._frame]} working")

    def spin(self, on: bool) -> None:
        self.styles.visibility = "visible" if on else "hidden"
        if on:
            self._timer.resume()
        else:
            self._timer.pause()

    def _tick(self) -> None:
        self._frame = (self._frame + 1) % len(SPINNER)
        self.refresh()  # a repaint of this cell only, no layout


class HeaderText(Widget):
    """The header's two lines (a fixed size: updating them never reflows the screen)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.text = Text()

    def render(self) -> Text:
        return self.text

    def set(self, text: Text) -> None:
        self.text = text
        self.refresh()


class SessionHeader(Horizontal):
    """Two lines about the selected session, and a spinner while a step runs."""

    def compose(self) -> ComposeResult:
        yield HeaderText(id="header-text")
        yield Spinner(id="busy")

    def show(
        self, view: SessionView | None, *, starting: bool = False, opening: str | None = None
    ) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        busy = False
        if view is None and opening:
            busy = True
            text.append("Opening…", style="bold")
            text.append(f"\n{clean(opening)}", style="underline")
        elif view is None and starting:
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
            if view.paused:
                text.append(" · ", style="dim")
                text.append("paused", style="bold reverse yellow")
            steps = view.step_count
            text.append(f" · {steps} step{'' if steps == 1 else 's'} · ", style="dim")
            text.append(view.name, style="bold")
            if view.session.endpoint:  # which browser of a pool runs it
                text.append(f" · on {clean(view.session.endpoint)}", style="dim")
            if view.session.profile:
                text.append(f" · profile {clean(view.session.profile)}", style="dim")
            text.append("\n")
            text.append(clean(view.url) or "(no page yet)", style="underline")
            if view.busy and view.progress:
                text.append(f"  {clean(view.progress)[:120]}", style="italic")
        self.query_one(HeaderText).set(text)
        self.query_one(Spinner).spin(busy)
