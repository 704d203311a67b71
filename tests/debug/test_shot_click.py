"""Clicking the inline screenshot clicks the same point on the page (real engine)."""

from __future__ import annotations

import re

from debug_helpers import open_tab
from textual.geometry import Offset, Size

from tests.support import settle, toasts
from tui.ui.tabs.shot import ShotTab, page_point


def clicked_at(app) -> tuple[int, int]:
    """Where clickxy.html says it was clicked (it writes it into its title)."""
    title = app.current.observation.metadata.title
    match = re.fullmatch(r"clicked at (\d+),(\d+)", title)
    assert match, f"the page was not clicked: title {title!r}"
    return int(match[1]), int(match[2])


async def test_click_on_the_screenshot_clicks_the_page_there(debug_app, pages_server):
    app = debug_app(f"{pages_server}/clickxy.html", images="halfcell")
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await open_tab(pilot, "tab-shot")
        image = app.query_one("#shot-image")
        cells = image.content_region.size
        assert cells.width > 10 and cells.height > 10
        viewport = app.current.observation.metadata.viewport
        assert (viewport.width, viewport.height) == (1280, 800)

        for fx, fy in [(0.25, 0.5), (0.8, 0.2)]:
            cell = (int(cells.width * fx), int(cells.height * fy))
            assert await pilot.click("#shot-image", offset=cell)
            await settle(pilot)
            x, y = clicked_at(app)
            # The middle of the clicked cell, within one cell's worth of page pixels.
            expect_x = (cell[0] + 0.5) * viewport.width / cells.width
            expect_y = (cell[1] + 0.5) * viewport.height / cells.height
            assert abs(x - expect_x) <= viewport.width / cells.width
            assert abs(y - expect_y) <= viewport.height / cells.height
            # Through the app's step path: the log has it like any other step.
            assert app.current.last.request.type == "click_xy"
            assert app.current.last.success


async def test_click_beside_the_screenshot_does_nothing(debug_app, pages_server):
    app = debug_app(f"{pages_server}/clickxy.html", images="halfcell")
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await open_tab(pilot, "tab-shot")
        steps = len(app.current.results)
        tab = app.query_one(ShotTab)
        image = app.query_one("#shot-image").content_region
        assert tab.click_request(image.offset + Offset(image.width, 0)) is None
        # A click in the pane right of the picture (the letterbox) steps nothing.
        pane = tab.content_region
        assert pane.right > image.right, "the picture fills the pane: no letterbox at 140x40"
        assert await pilot.click(ShotTab, offset=(image.right - tab.region.x, 2))
        await settle(pilot)
        assert len(app.current.results) == steps


def test_page_point_maps_cells_to_viewport_pixels():
    cells = Size(64, 20)
    assert page_point(Offset(0, 0), cells, (1280, 800)) == (10.0, 20.0)
    assert page_point(Offset(63, 19), cells, (1280, 800)) == (1270.0, 780.0)
    # Outside the picture (the letterbox), or a picture with no size: no click.
    assert page_point(Offset(64, 0), cells, (1280, 800)) is None
    assert page_point(Offset(0, 0), Size(0, 0), (1280, 800)) is None


async def test_z_enlarges_the_screenshot_and_z_again_restores_it(debug_app, pages_server):
    app = debug_app(f"{pages_server}/clickxy.html", images="halfcell")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.command_bar.focus()
        await pilot.press("escape")  # leave the command bar, as a person does before a key
        await pilot.press("3", "z")  # the screenshot pane (one pane at a time at 80 columns)
        assert isinstance(app.screen.maximized, ShotTab)
        await pilot.press("z")  # the same key restores (not typed into the hidden bar)
        assert app.screen.maximized is None
        assert app.command_bar.value == ""
        await pilot.press("z", "escape")  # escape restores too
        assert app.screen.maximized is None


def test_viewport_comes_from_the_page_unless_the_screenshot_disagrees():
    import struct
    import zlib

    from tui.model import Observation, PageMeta, Viewport
    from tui.ui.tabs.shot import viewport_of

    def png(width: int, height: int) -> bytes:
        header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
        chunk = b"IHDR" + header
        return (
            b"\x89PNG\r\n\x1a\n"
            + struct.pack(">I", len(header))
            + chunk
            + struct.pack(">I", zlib.crc32(chunk))
        )

    def seen(viewport: tuple[int, int], shot: bytes | None) -> Observation:
        meta = PageMeta(viewport=Viewport(width=viewport[0], height=viewport[1]))
        return Observation(metadata=meta, screenshot=shot)

    assert viewport_of(seen((1280, 800), png(1280, 800))) == (1280, 800)
    assert viewport_of(seen((1280, 800), png(2560, 1600))) == (1280, 800)  # device pixels x2
    assert viewport_of(seen((1280, 800), png(1920, 1080))) == (1920, 1080)  # never reported
    assert viewport_of(seen((1280, 800), b"not a png")) == (1280, 800)


async def test_a_provider_without_click_xy_says_so_and_sends_nothing(debug_app, pages_server):
    app = debug_app(f"{pages_server}/clickxy.html", images="halfcell")
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await settle(pilot)
        await open_tab(pilot, "tab-shot")
        caps = app.providers[app.current.provider].capabilities
        caps.click_xy = False
        caps.missing["click_xy"] = "Notte's API has no click at a point"
        steps = len(app.current.results)
        assert await pilot.click("#shot-image", offset=(5, 5))
        await settle(pilot)
        assert len(app.current.results) == steps
        assert any("no click at a point" in t for t in toasts(app)), toasts(app)
