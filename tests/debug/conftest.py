"""Fixtures for the debugging features: a private store, and steps recorded on the demo shop."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tui.model import CreateSession, StepRequest
from tui.store import Store

sys.path.insert(0, str(Path(__file__).parent))  # debug_helpers

from debug_helpers import TOKEN


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

    def make(start_url: str | None = None, images: str = "none") -> StepdeckApp:
        provider = LocalProvider(nav_timeout_ms=10_000, action_timeout_ms=3_000)
        return StepdeckApp([provider], images=images, store=store, start_url=start_url)

    return make


@pytest.fixture
async def served(local_provider, stepdeck_home):
    """`stepdeck serve`'s app over `local_provider` on a loopback port, recording in the store.

    Its own Store on the same file, as a separate server process would have.
    """
    import asyncio

    import uvicorn

    from tui.server import create_app

    with Store() as server_store:
        app = create_app(local_provider, TOKEN, store=server_store, manage_provider=False)
        config = uvicorn.Config(
            app, host="127.0.0.1", port=0, log_level="warning", lifespan="off", access_log=False
        )
        server = uvicorn.Server(config)
        task = asyncio.create_task(server.serve())
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            await task
