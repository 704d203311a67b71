"""Small helpers shared by the app's tests."""

from __future__ import annotations

HOSTILE_TITLE = "[bold red]Pwned[/] \x1b[31mred\x1b[0m"


async def settle(pilot) -> None:
    """Wait until every worker has answered and the screen has caught up."""
    await pilot.app.booted.wait()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
