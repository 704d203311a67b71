"""Small helpers for the debugging tabs' Pilot tests."""

from __future__ import annotations

TOKEN = "debug-test-token"  # what the served app accepts

from tests.support import settle  # noqa: E402


async def open_tab(pilot, tab_id: str) -> None:
    from textual.widgets import TabbedContent

    pilot.app.query_one(TabbedContent).active = tab_id
    await settle(pilot)


async def run(pilot, request) -> None:
    """Step the selected session through the app's own step path and wait for it."""
    assert pilot.app.run_step(request)
    await settle(pilot)
