"""Fixtures for the debugging features: a private store, and steps recorded on the demo shop."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tui.model import CreateSession, StepRequest
from tui.store import Store

# Search the shop, then open the first result: two id-based steps that navigate.
SHOP_STEPS = [StepRequest(id="I1", value="kindle", enter=True), StepRequest(id="L4")]


@pytest.fixture
def store(stepdeck_home) -> Iterator[Store]:
    """The default store under this test's STEPDECK_HOME (what the CLI opens too)."""
    with Store() as s:
        yield s


@pytest.fixture
async def shop_session(local_provider, demo_server, store):
    """A local session on the demo shop with SHOP_STEPS run and recorded: (session, results)."""
    session = await local_provider.create_session(CreateSession(url=f"{demo_server}/shop"))
    store.record_session(session)
    results = []
    for request in SHOP_STEPS:
        result = await local_provider.step(session.id, request)
        store.record_step("local", session.id, result)
        results.append(result)
    return session, results
