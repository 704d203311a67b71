"""Helpers every test area shares: waiting for a condition (never for a guessed time).

The machine running the suite may be loaded (2 cores, other work beside it): every
wait here is for a condition, with a generous bound that only a broken test reaches.
"""

from __future__ import annotations

import asyncio
import time


async def eventually(check, what: str, seconds: float = 30) -> None:
    """Wait until `check()` holds; fail naming `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        await asyncio.sleep(0.05)


async def until_delivering(provider, session_id: str, seen: list, seconds: float = 30) -> None:
    """Until a follower's event stream has delivered an event into `seen` (so it is subscribed).

    A stream is live once an event arrives: resuming a running session is a no-op that emits one.
    """
    deadline = time.monotonic() + seconds
    while not seen:
        assert time.monotonic() < deadline, "the event stream never delivered an event"
        await provider.set_paused(session_id, False)
        await asyncio.sleep(0.05)
