"""Shot: the page's screenshot, drawn by textual-image into the pane."""

from __future__ import annotations

import io

from textual.app import ComposeResult
from textual.widgets import Static

from tui.ui.state import SessionView
from tui.ui.tabs.base import SessionTab


class ShotTab(SessionTab):
    TITLE = "Shot"
    TAB_ID = "tab-shot"
    ALLOW_MAXIMIZE = True  # z enlarges the screenshot to the whole screen

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._shown: bytes | None = None

    def compose(self) -> ComposeResult:
        image_class = getattr(self.app, "image_class", None)
        yield Static("(no screenshot)", id="shot-note", markup=False)
        if image_class is not None:
            yield image_class(id="shot-image")

    def draw(self, view: SessionView | None) -> None:
        png = view.observation.screenshot if view and view.observation else None
        note = self.query_one("#shot-note", Static)
        images = self.query("#shot-image")
        if png is None:
            reason = self.missing(view, "screenshot")
            note.update(f"No screenshots here: {reason}" if reason else "(no screenshot yet)")
        elif not images:
            note.update("Screenshots are off (--images none).")
        note.display = png is None or not images
        if images:
            image = images.first()
            image.display = png is not None
            if png != self._shown:
                self._shown = png
                image.image = io.BytesIO(png) if png else None
