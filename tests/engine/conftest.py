"""Engine tests share one browser per module (a module-scoped event loop)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from tests.support import eventually, started_local, until_delivering
from tui.model import CreateSession, Observation
from tui.providers.local import LocalProvider


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def provider() -> AsyncIterator[LocalProvider]:
    """One started LocalProvider for a whole test module; each test opens its own sessions."""
    # Playwright's actionability checks on a loaded 2-core machine can pass 1 s (a guarded
    # link's click once did at load ~8): 3 s, still short for the tests that wait it out.
    async with started_local(nav_timeout_ms=3_000, action_timeout_ms=3_000) as p:
        yield p


async def open_page(provider: LocalProvider, url: str) -> tuple[str, Observation]:
    """A new session at url and its first observation."""
    s = await provider.create_session(CreateSession(url=url))
    return s.id, await provider.observe(s.id, screenshot=False)


def find(obs: Observation, description: str):
    """The action whose description is exactly `description`."""
    for a in obs.actions:
        if a.description == description:
            return a
    raise AssertionError(f"no action {description!r} in {[a.description for a in obs.actions]}")


__all__ = ["eventually", "find", "open_page", "provider", "until_delivering"]
