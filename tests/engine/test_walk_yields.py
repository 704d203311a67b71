"""A big page's action space is read a chunk at a time, and other work gets in between
(issue 15): each chunk's validation holds the GIL, so `stepdeck serve`'s other sessions
wait for one chunk at most, never for the whole page. The page's later messages are often
in already (they are asked for ahead), and awaiting a finished future does not yield: the
chunks were validated back to back, ~80-130 ms on the bench's 8,300-element page."""

from __future__ import annotations

import asyncio

import pytest

from tests.engine.conftest import open_page
from tui.engine import perception

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_other_work_runs_between_the_chunks_of_a_big_page(
    provider, pages_server, monkeypatch
):
    order: list[str] = []
    actions = perception._ACTIONS

    class Watched:
        def validate_json(self, text: str):
            order.append("chunk")
            return actions.validate_json(text)

    monkeypatch.setattr(perception, "_ACTIONS", Watched())

    async def other_session() -> None:
        while True:
            order.append("other")
            await asyncio.sleep(0)

    other = asyncio.create_task(other_session())
    try:
        sid, obs = await open_page(provider, f"{pages_server}/many.html")
        order.clear()
        obs = await provider.observe(sid, screenshot=False)  # the page walked before: all ahead
    finally:
        other.cancel()
    assert sum(a.description.startswith("Row ") for a in obs.actions) == 2400
    chunks = [i for i, seen in enumerate(order) if seen == "chunk"]
    assert len(chunks) >= 6
    back_to_back = [i for i in chunks if i + 1 in chunks]
    assert back_to_back == [], f"chunks validated with nothing between them: {order}"
