"""Small helpers shared by the app's tests."""

from __future__ import annotations

from textual.worker import WorkerCancelled

HOSTILE_TITLE = "[bold red]Pwned[/] \x1b[31mred\x1b[0m"


async def settle(pilot) -> None:
    """Wait until every worker has answered and the screen has caught up."""
    app = pilot.app
    await app.booted.wait()
    # A worker's answer is a message, whose handler may start the next worker
    # (a new session's first command): wait until a round starts nothing new.
    for _ in range(20):
        try:
            await app.workers.wait_for_complete()
        except WorkerCancelled:
            pass  # an exclusive worker superseded by a newer one: wait for that one next round
        await pilot.pause()
        if all(worker.is_finished for worker in app.workers):
            break
