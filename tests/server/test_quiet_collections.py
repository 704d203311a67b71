"""`stepdeck serve` runs its full garbage collections when no request waits (issue 15).

A full collection walks every live observation with the GIL held: 28-70 ms on the bench's
8,300-element page. Left to Python it came whenever allocations called for one, in the
middle of another session's observe; `stepdeck serve` holds them for a quiet moment. An
agent following the event stream does not keep the server from ever being quiet.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import weakref
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.dialects.conftest import serving
from tests.dialects.test_notte_observe_bytes import observation
from tests.support import eventually
from tui.engine.heap import NEVER, SHORT_PAUSES
from tui.model import Event, Observation
from tui.server import DIALECTS, create_app

pytestmark = pytest.mark.asyncio
BOUND = 60  # seconds: generous, a loaded machine is slow; each wait ends on its signal


class HeldPage:
    """A provider whose observe waits until the test lets it answer."""

    name = "held"
    label = "Held"

    def __init__(self) -> None:
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    async def observe(self, session_id: str, *, screenshot: bool = True) -> Observation:
        self.entered.set()
        await self.release.wait()
        return observation()

    async def events(self, session_id: str | None = None) -> AsyncIterator[Event]:
        await asyncio.Event().wait()  # nothing happens: the stream stays open
        yield  # pragma: no cover


@contextlib.contextmanager
def full_collections() -> list[int]:
    """How many objects each full collection found unreachable, as they happen."""
    seen: list[int] = []

    def callback(phase: str, info: dict) -> None:
        if phase == "stop" and info["generation"] == 2:
            seen.append(info["collected"])

    gc.callbacks.append(callback)
    try:
        yield seen
    finally:
        gc.callbacks.remove(callback)


async def test_full_collections_wait_until_no_request_waits():
    provider = HeldPage()
    app = create_app(
        provider, "t", manage_provider=False, dialects=[d for d in DIALECTS if d.name == "notte"]
    )
    collector = app.state.collector
    collector.QUIET_S, collector.EVERY_S = 0.01, 0.0  # look often; collect whenever quiet
    before = gc.get_threshold()
    with full_collections() as seen:
        async with (
            serving(app, lifespan="on") as base,
            httpx.AsyncClient(base_url=base, headers={"Authorization": "Bearer t"}) as http,
        ):
            assert gc.get_threshold() == (*SHORT_PAUSES[:2], NEVER)  # never Python's choice
            # An agent follows the events all along: its stream never counts as waiting.
            async with http.stream("GET", "/sessions/events") as stream:
                assert stream.status_code == 200
                observe = asyncio.ensure_future(http.post("/sessions/s1/page/observe"))
                await asyncio.wait_for(provider.entered.wait(), BOUND)
                assert collector.busy == 1  # the observe, not the stream
                cycle = Node()
                cycle.other = Node()
                cycle.other.other = cycle
                gone = weakref.ref(cycle)
                gc.collect(1)  # the cycle, alive, reaches the old generation
                del cycle  # garbage now, that only a full collection finds
                seen.clear()
                looked = collector.checks
                await eventually(
                    lambda: collector.checks >= looked + 5, "the collector looked", BOUND
                )
                assert seen == [] and gone() is not None  # not while the observe waits
                provider.release.set()
                assert (await observe).status_code == 200
                await eventually(lambda: seen, "a full collection once the server was quiet", BOUND)
                assert collector.busy == 0 and gone() is None  # the cycle went
    assert gc.get_threshold() == before  # once the server stops, as they were


class Node:
    other: Node
