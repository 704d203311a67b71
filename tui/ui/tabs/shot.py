"""Shot: the page's screenshot, drawn by textual-image into the pane.

A mouse click on the picture clicks the same point on the page: the clicked
cell is mapped over the cells the picture covers to the viewport's pixels and
sent as a `click_xy` step through the app's own step path (so it shows in the
log and the timeline like any other step).
"""

from __future__ import annotations

import io

from textual import events
from textual.app import ComposeResult
from textual.geometry import Offset, Size
from textual.widgets import Static

from tui.model import Observation, StepRequest
from tui.ui.state import SessionView
from tui.ui.tabs.base import SessionTab


def page_point(cell: Offset, cells: Size, viewport: tuple[int, int]) -> tuple[float, float] | None:
    """The viewport pixel under the middle of `cell`, for a picture covering `cells`.

    `cell` counts from the picture's top-left cell. None when the cell is outside
    the picture (the letterbox around it) or the picture has no size.
    """
    if cells.width <= 0 or cells.height <= 0 or viewport[0] <= 0 or viewport[1] <= 0:
        return None
    if not (0 <= cell.x < cells.width and 0 <= cell.y < cells.height):
        return None
    x = (cell.x + 0.5) / cells.width * viewport[0]
    y = (cell.y + 0.5) / cells.height * viewport[1]
    return round(x, 1), round(y, 1)


def picture_cells(image, content: Size) -> Size:
    """The cells the picture covers inside the Image widget's content region.

    textual-image sizes the picture from its CSS size (width auto, height 1fr
    here) with its own geometry; we ask it the same question so an aspect-fit
    picture smaller than the region (letterboxed at its right or bottom) maps
    right. Anything unexpected falls back to the whole region.
    """
    try:
        from textual_image._geometry import ImageSize
        from textual_image._terminal import get_cell_size

        width, height = image._get_styled_size()
        source = ImageSize(image._image_width, image._image_height, width, height)
        w, h = source.get_cell_size(content.width, content.height, get_cell_size())
    except Exception:  # a textual-image change: the picture fills its widget
        return content
    if not w or not h:
        return content
    return Size(min(int(w), content.width), min(int(h), content.height))


def viewport_of(observation: Observation) -> tuple[int, int]:
    """The page's viewport in CSS pixels (what `click_xy` takes).

    The observation's viewport, unless the screenshot's shape disagrees with it
    (a provider that never reported its viewport leaves the model's default):
    then the PNG's own size. A PNG of the same shape at another scale (a
    device pixel ratio of 2) keeps the reported viewport.
    """
    viewport = observation.metadata.viewport
    reported = (viewport.width, viewport.height)
    png = png_size(observation.screenshot) if observation.screenshot else None
    if png is None or png[0] <= 0 or png[1] <= 0:
        return reported
    if reported[0] <= 0 or reported[1] <= 0:
        return png
    if abs(png[0] / png[1] - reported[0] / reported[1]) > 0.02 * reported[0] / reported[1]:
        return png
    return reported


def png_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from a PNG's header (None if it is not a PNG)."""
    if len(data) < 24 or data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


class ShotTab(SessionTab):
    TITLE = "Shot"
    TAB_ID = "tab-shot"
    ALLOW_MAXIMIZE = True  # z enlarges the screenshot to the whole screen

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._shown: bytes | None = None
        self._focus_before = None  # what had focus before z enlarged this pane

    def on_mount(self) -> None:
        self.watch(self.screen, "maximized", self._maximized, init=False)

    def _maximized(self, maximized) -> None:
        """Enlarged (z): take focus, so keys reach the app, not the hidden command bar.

        Without this a second z (or any letter) would be typed into the command
        bar, which keeps focus while hidden behind the enlarged screenshot.
        """
        if maximized is self:
            self._focus_before = self.screen.focused
            self.can_focus = True
            self.focus()
        elif self.can_focus:
            self.can_focus = False
            before, self._focus_before = self._focus_before, None
            if before is not None and before.is_attached and before.focusable:
                before.focus()

    def compose(self) -> ComposeResult:
        image_class = getattr(self.app, "image_class", None)
        yield Static("(no screenshot)", id="shot-note", markup=False)
        if image_class is not None:
            image = image_class(id="shot-image")
            image.tooltip = "Click the picture to click the page there"
            yield image

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

    def click_request(self, screen_offset: Offset) -> StepRequest | None:
        """The `click_xy` step for a click at this screen cell, None if not on the picture."""
        view = self.view
        observation = view.observation if view else None
        images = self.query("#shot-image")
        if observation is None or not observation.screenshot or not images:
            return None
        image = images.first()
        region = image.content_region
        if screen_offset not in region:
            return None
        cells = picture_cells(image, region.size)
        point = page_point(screen_offset - region.offset, cells, viewport_of(observation))
        if point is None:
            return None
        return StepRequest(type="click_xy", x=point[0], y=point[1])

    def on_click(self, event: events.Click) -> None:
        request = self.click_request(event.screen_offset)
        if request is None:
            return
        event.stop()
        why = self.missing(self.view, "click_xy")
        if why is not None:  # e.g. Notte: no click at a point; nothing is sent
            self.app.notify(why, title="Pick an element id instead", severity="warning")
            return
        run_step = getattr(self.app, "run_step", None)
        if run_step is not None:
            run_step(request)
