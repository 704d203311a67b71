"""How the app looks: SVG snapshots over fixed data (`--snapshot-update` to accept changes).

The cockpit at 160x48 and 120x40 (three panes), and 80x24 (one pane at a
time), on the demo shop, a checkout form with values, and a hostile page; the
help screen; and each modal.
"""

from __future__ import annotations

import pytest
from static_provider import T0, StaticProvider
from textual.widgets import Input

from tests.support import settle as settle_app
from tui.model import Param
from tui.ui.app import StepdeckApp
from tui.ui.screens.ask_value import AskValueScreen
from tui.ui.screens.error import ErrorScreen
from tui.ui.screens.extract import ExtractScreen

SIZES = {"160x48": (160, 48), "120x40": (120, 40), "80x24": (80, 24)}
PAGES = {"shop": "local/a1b2c3d4e5", "checkout": "local/c0ffee1234", "hostile": "local/bad0bad0ba"}


def make_app() -> StepdeckApp:
    return StepdeckApp([StaticProvider(extra=True)], images="none", clock=lambda: T0)


async def settle(pilot) -> None:
    """Booted, every worker answered and the layout held still across a refresh (on a loaded
    machine a table's columns were once caught mid-update), cursors not blinking."""
    await settle_app(pilot)
    for widget in pilot.app.screen.query(Input):
        widget.cursor_blink = False
    await pilot.pause()


@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("size", list(SIZES))
def test_cockpit(snap_compare, size, page):
    async def run_before(pilot):
        await settle(pilot)
        pilot.app.select_session(PAGES[page])
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZES[size], run_before=run_before)


@pytest.mark.parametrize("size", ["160x48", "80x24"])
def test_help_screen(snap_compare, size):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("f1")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZES[size], run_before=run_before)


def test_new_session_modal(snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=(120, 40), run_before=run_before)


def test_close_confirm_modal(snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=(120, 40), run_before=run_before)


def test_ask_value_modal(snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        param = Param(name="value", values=["France", "Italy", "Spain"])
        pilot.app.push_screen(AskValueScreen("I4: Country", param, "France"))
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=(120, 40), run_before=run_before)


def test_error_modal(snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        pilot.app.push_screen(
            ErrorScreen("Chromium did not start", "install chromium-headless-shell", "Starting")
        )
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=(120, 40), run_before=run_before)


def test_extract_modal(snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        items = [{"name": "Brass desk lamp", "price": "49.00 €"}, {"name": "Oak stool"}]
        schema = {"type": "array", "items": {"properties": {"name": {}, "price": {}}}}
        pilot.app.push_screen(ExtractScreen(items, schema, "a1b2c3d4e5"))
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=(120, 40), run_before=run_before)
