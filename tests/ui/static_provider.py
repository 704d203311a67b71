"""A provider with fixed data, for SVG snapshots only (they look; Pilot tests prove behaviour)."""

from __future__ import annotations

from datetime import UTC, datetime

from tui.model import (
    Action,
    CreateSession,
    Observation,
    PageMeta,
    Param,
    Session,
    StepRequest,
    StepResult,
)
from tui.providers.base import Capabilities, Health, SessionNotFound, Unsupported

T0 = datetime(2026, 1, 2, 10, 0, 0, tzinfo=UTC)

SHOP_MARKDOWN = """# Corner Shop

Handmade lamps, mugs and chairs. [bold]not markup[/] stays literal.

## Featured

- [Brass desk lamp](/shop/product/brass-lamp) — 49.00 €
- [Oak stool](/shop/product/oak-stool) — 89.00 €
- [Blue mug](/shop/product/blue-mug) — 12.00 €

Search the shop, sign in, or go to your cart.
"""

SHOP_ACTIONS = [
    Action(id="L1", description="Corner Shop", category="Navigation", role="link"),
    Action(id="L2", description="Cart (0)", category="Navigation", role="link"),
    Action(
        id="I1",
        description="Search products",
        category="Search",
        role="searchbox",
        params=[Param(name="value")],
    ),
    Action(id="B1", description="Search", category="Search", role="button"),
    Action(
        id="I2",
        description="Sort by",
        category="Search",
        role="combobox",
        params=[Param(name="value", values=["Price", "Name", "Newest"])],
    ),
    Action(id="L3", description="Brass desk lamp", category="Featured", role="link"),
    Action(id="L4", description="Oak stool", category="Featured", role="link"),
]


class StaticProvider:
    """Two sessions that never change; steps answer DONE without doing anything."""

    name = "local"
    label = "Local Chromium"
    capabilities = Capabilities()

    def __init__(self) -> None:
        self.sessions = {
            "a1b2c3d4e5": Session(
                id="a1b2c3d4e5",
                created_at=T0,
                url="http://127.0.0.1:8000/shop",
                title="Corner Shop",
                steps=2,
            ),
            "f6e5d4c3b2": Session(
                id="f6e5d4c3b2",
                created_at=T0,
                url="http://127.0.0.1:8000/social",
                title="Chirp [b]social[/b]",
            ),
        }

    async def start(self) -> None: ...

    async def aclose(self) -> None: ...

    async def list_sessions(self) -> list[Session]:
        return list(self.sessions.values())

    async def create_session(self, request: CreateSession) -> Session:
        raise NotImplementedError

    async def get_session(self, session_id: str) -> Session:
        if session_id not in self.sessions:
            raise SessionNotFound(f"no session {session_id}")
        return self.sessions[session_id]

    async def close_session(self, session_id: str) -> Session:
        return self.sessions.pop(session_id)

    async def observe(self, session_id: str, *, screenshot: bool = True) -> Observation:
        session = await self.get_session(session_id)
        return Observation(
            metadata=PageMeta(title=session.title, url=session.url, timestamp=T0),
            actions=SHOP_ACTIONS,
            markdown=SHOP_MARKDOWN,
        )

    async def step(self, session_id: str, request: StepRequest) -> StepResult:
        return StepResult(
            request=request,
            observation=await self.observe(session_id),
            started_at=T0,
            ended_at=T0,
            duration_ms=12,
        )

    async def screenshot(self, session_id: str) -> bytes:
        return b""

    async def scrape(self, session_id: str, *, schema=None, **options):
        return SHOP_MARKDOWN

    async def action_log(self, session_id: str) -> list:
        return []

    async def console(self, session_id: str) -> list:
        return []

    async def network(self, session_id: str) -> list:
        return []

    async def health(self, session_id: str) -> Health:
        return Health()

    async def events(self, session_id: str | None = None):
        raise Unsupported("no live events in a static provider")
        yield  # an async generator

    async def set_paused(self, session_id: str, paused: bool) -> Session:
        return await self.get_session(session_id)
