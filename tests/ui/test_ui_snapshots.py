"""How the app looks: SVG snapshots over fixed data (`--snapshot-update` to accept changes)."""

from __future__ import annotations

from static_provider import T0, StaticProvider
from textual.widgets import Input, TextArea

from tui.ui.app import StepdeckApp

SIZE = (120, 36)


def make_app() -> StepdeckApp:
    return StepdeckApp([StaticProvider()], images="none", clock=lambda: T0)


async def settle(pilot) -> None:
    app = pilot.app
    await app.booted.wait()
    await app.workers.wait_for_complete()
    await pilot.pause()
    for widget in [*app.query(Input), *app.query(TextArea)]:
        widget.cursor_blink = False
    await pilot.pause()


def test_main_screen(snap_compare):
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=settle)


def test_actions_tab(snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("escape", "2")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_new_session_modal(snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("f2")
        await pilot.pause()
        for widget in pilot.app.screen.query(Input):
            widget.cursor_blink = False
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_help_screen(snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("f1")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_narrow_terminal(snap_compare):
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=settle)
