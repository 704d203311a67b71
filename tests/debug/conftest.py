"""Fixtures for the debugging features: a private store, and steps recorded on the demo shop."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tui.model import CreateSession, StepRequest
from tui.store import Store

sys.path.insert(0, str(Path(__file__).parent))  # debug_helpers


def id_of(observation, description: str, prefix: str = "") -> str:
    """The id the page gives the element described so (ids shift when the demo changes)."""
    return next(
        a.id
        for a in observation.actions
        if a.description == description and a.id.startswith(prefix)
    )


@pytest.fixture
def store(stepdeck_home) -> Iterator[Store]:
    """The default store under this test's STEPDECK_HOME (what the CLI opens too)."""
    with Store() as s:
        yield s


@pytest.fixture
async def shop_session(local_provider, demo_server, store):
    """A local session on the demo shop that searched "kindle" and opened the Kindle's page.

    Both steps are id-based and navigate; both are recorded. Returns (session, results).
    """
    session = await local_provider.create_session(CreateSession(url=f"{demo_server}/shop"))
    store.record_session(session)
    page = await local_provider.observe(session.id, screenshot=False)
    search = StepRequest(id=id_of(page, "Search products"), value="kindle", enter=True)
    first = await local_provider.step(session.id, search)
    store.record_step("local", session.id, first)
    link = StepRequest(id=id_of(first.observation, "Kindle Paperwhite", "L"))
    second = await local_provider.step(session.id, link)
    store.record_step("local", session.id, second)
    return session, [first, second]


@pytest.fixture
def debug_app(store):
    """Build the app over a fresh embedded engine, recording into `store`."""
    from tui.providers.local import LocalProvider
    from tui.ui.app import StepdeckApp

    def make(start_url: str | None = None) -> StepdeckApp:
        provider = LocalProvider(nav_timeout_ms=10_000, action_timeout_ms=3_000)
        return StepdeckApp([provider], images="none", store=store, start_url=start_url)

    return make
