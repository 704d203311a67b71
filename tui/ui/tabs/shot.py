"""Shot: the page's screenshot, drawn by textual-image into the pane.

A mouse click on the picture clicks the same point on the page: the clicked
cell is mapped over the cells the picture covers to the viewport's pixels and
sent as a `click_xy` step through the app's own step path (so it shows in the
log and the timeline like any other step).
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from textual import events
from textual.app import ComposeResult
from textual.geometry import Offset, Size
from textual.widget import Widget
from textual.widgets import Static

from tui.ui.messages import RunAction, RunStep
from tui.ui.state import SessionView
from tui.ui.tabs.base import SessionTab

if TYPE_CHECKING:  # the neutral model (pydantic) loads after the app's first frame
    from tui.model import Observation, StepRequest


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


def draw_marks(png: bytes, actions: list, viewport: tuple[int, int]) -> bytes:
    """The screenshot with each element's id drawn over its box (set-of-marks).

    Drawn onto the picture itself, so every renderer (halfcell included) shows it.
    """
    from PIL import Image, ImageDraw

    with Image.open(io.BytesIO(png)) as source:
        picture = source.convert("RGB")
    scale_x = picture.width / viewport[0] if viewport[0] else 1.0
    scale_y = picture.height / viewport[1] if viewport[1] else 1.0
    draw = ImageDraw.Draw(picture)
    size = max(12, picture.height // 40)
    try:
        from PIL import ImageFont

        font = ImageFont.load_default(size=size)
    except Exception:  # an old Pillow: the bitmap font
        font = None
    for action in actions:
        box = getattr(action, "box", None)
        if not box or len(box) != 4:
            continue
        x, y, w, h = (box[0] * scale_x, box[1] * scale_y, box[2] * scale_x, box[3] * scale_y)
        if x + w < 0 or y + h < 0 or x > picture.width or y > picture.height:
            continue
        color = MARK_COLORS.get(action.id[:1], (255, 0, 128))
        draw.rectangle([x, y, x + w, y + h], outline=color, width=2)
        left, top, right, bottom = draw.textbbox((0, 0), action.id, font=font)
        label_y = max(0, y - (bottom - top) - 4)
        draw.rectangle([x, label_y, x + right - left + 6, label_y + bottom - top + 4], fill=color)
        draw.text((x + 3 - left, label_y + 2 - top), action.id, fill=(255, 255, 255), font=font)
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


MARK_COLORS = {
    "L": (37, 99, 235),
    "B": (220, 38, 38),
    "I": (22, 163, 74),
    "F": (147, 51, 234),
    "O": (202, 138, 4),
    "M": (219, 39, 119),
}


def action_at(actions: list, point: tuple[float, float]):
    """The smallest element whose box holds a viewport point (None when none does)."""
    hits = []
    for action in actions:
        box = getattr(action, "box", None)
        if box and box[0] <= point[0] <= box[0] + box[2] and box[1] <= point[1] <= box[1] + box[3]:
            hits.append((box[2] * box[3], action))
    return min(hits, key=lambda hit: hit[0])[1] if hits else None


class ShotTab(SessionTab):
    """The current screenshot of the selected session; `m` draws the ids on it.

    Clicking the picture clicks the page there; with the ids drawn, clicking an
    id's box steps that element (like typing its id).
    """

    TITLE = "Screenshot"
    TAB_ID = "tab-shot"
    can_focus = True

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._shown: object = None
        self._marks = False

    @property
    def marks(self) -> bool:
        return self._marks

    @marks.setter
    def marks(self, on: bool) -> None:
        self._marks = on
        self.border_subtitle = "ids shown (m)" if on else ""
        self.show(self.view, force=True)

    def compose(self) -> ComposeResult:
        yield Static("(no screenshot)", id="shot-note", markup=False)
        if self.image_class is not None:
            yield self._image(self.image_class)

    @staticmethod
    def _image(image_class: type) -> Widget:
        image = image_class(id="shot-image")
        image.tooltip = "Click the picture to click the page there"
        return image

    def images_ready(self, image_class: type | None) -> None:
        had = self.image_class is not None
        super().images_ready(image_class)
        if not had and image_class is not None:
            self.mount(self._image(image_class))
            self._shown = None
            self.show(self.view)

    def picture(self, view: SessionView | None) -> bytes | None:
        """The PNG to show: the current observation's, with the ids when marks are on."""
        observation = view.observation if view else None
        png = observation.screenshot if observation else None
        if png and self._marks and observation is not None:
            try:
                return draw_marks(png, observation.actions, viewport_of(observation))
            except Exception:  # an unreadable PNG: show it as it is
                return png
        return png

    def draw(self, view: SessionView | None) -> None:
        observation = view.observation if view else None
        png = observation.screenshot if observation else None
        note = self.query_one("#shot-note", Static)
        images = self.query("#shot-image")
        if png is None:
            reason = self.missing(view, "screenshot")
            note.update(f"No screenshots here: {reason}" if reason else "(no screenshot yet)")
        elif not images:
            note.update("Screenshots are off (--images none).")
        note.display = png is None or not images
        mark = (id(observation), png is not None, self._marks)
        self.shown_png = png
        if images:
            image = images.first()
            image.display = png is not None
            if mark != self._shown:
                self._shown = mark
                picture = self.picture(view)
                image.image = io.BytesIO(picture) if picture else None

    def click_request(self, screen_offset: Offset) -> StepRequest | None:
        """The step for a click at this screen cell, None if not on the picture.

        With the ids drawn, a click inside an element's box steps that element;
        otherwise it is a `click_xy` at that point of the page.
        """
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
        from tui.model import StepRequest

        if self._marks:
            action = action_at(observation.actions, point)
            if action is not None:
                return StepRequest(id=action.id)
        return StepRequest(type="click_xy", x=point[0], y=point[1])

    def on_click(self, event: events.Click) -> None:
        request = self.click_request(event.screen_offset)
        if request is None:
            return
        event.stop()
        observation = self.view.observation if self.view else None
        action = observation.action(request.id) if observation and request.id else None
        why = self.missing(self.view, "click_xy") if action is None else None
        if why is not None:  # e.g. Notte: no click at a point; nothing is sent
            self.notify(why, title="Pick an element id instead", severity="warning")
            return
        self.post_message(RunAction(action) if action is not None else RunStep(request))
