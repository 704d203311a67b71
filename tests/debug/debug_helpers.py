"""Small helpers for the debugging tabs' Pilot tests."""

from __future__ import annotations

TOKEN = "debug-test-token"  # what the served app accepts

from tests.support import settle  # noqa: E402


async def open_tab(pilot, tab_id: str) -> None:
    """Show a pane: the cockpit's page, actions or screenshot, or one of the tabs beside it."""
    from textual.widgets import TabbedContent

    pane = tab_id.removeprefix("tab-")
    if pane in ("page", "actions", "shot"):
        pilot.app.main.action_show_pane(pane)
    else:
        pilot.app.query_one(TabbedContent).active = tab_id
    await settle(pilot)


async def run(pilot, request) -> None:
    """Step the selected session through the app's own step path and wait for it."""
    assert pilot.app.run_step(request)
    await settle(pilot)
