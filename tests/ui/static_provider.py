"""A provider with fixed data, for SVG snapshots only (they look; Pilot tests prove behaviour)."""

from __future__ import annotations

from datetime import UTC, datetime

from tui.model import (
    Action,
    CreateSession,
    Health,
    Observation,
    PageMeta,
    Param,
    Session,
    StepRequest,
    StepResult,
)
from tui.providers.base import Capabilities, SessionNotFound, Unsupported

T0 = datetime(2026, 1, 2, 10, 0, 0, tzinfo=UTC)

SHOP_MARKDOWN = """[L1 Corner Shop] [L2 Cart (0)]

# Corner Shop

Handmade lamps, mugs and chairs. [bold]not markup[/] stays literal.

[I1 Search products: ""] [B1 Search] [I2 Sort by: Price ▾]

## Featured

- [![Brass desk lamp](/img/lamp.svg)](/shop/product/brass-lamp) [L3 Brass desk lamp] — **49.00 €**
- [L4 Oak stool] — **89.00 €** *(back soon)*
- [Blue mug](/shop/product/blue-mug) — 12.00 €

| item | price | stock |
|---|---|---|
| Brass desk lamp | 49.00 € | 3 |
| Oak stool | 89.00 € | 0 |

Search the shop, sign in, or go to your cart.
"""

CHECKOUT_MARKDOWN = """# Checkout

Your details, then pay.

[I1 Full name: "Ada Lovelace"]
[I2 Email: "ada@example.org"]
[I3 Password: "hunter2"]
[I4 Country: France ▾]
[B1 Remember me ☑]
[B2 Place order]
"""

CHECKOUT_ACTIONS = [
    Action(
        id="I1",
        description="Full name",
        role="textbox",
        params=[Param(name="value")],
        value="Ada Lovelace",
        box=[100, 120, 400, 32],
    ),
    Action(
        id="I2",
        description="Email",
        role="textbox",
        params=[Param(name="value")],
        value="ada@example.org",
        box=[100, 170, 400, 32],
    ),
    Action(
        id="I3",
        description="Password",
        role="textbox",
        params=[Param(name="value", type="password")],
        box=[100, 220, 400, 32],
    ),
    Action(
        id="I4",
        description="Country",
        role="combobox",
        value="France",
        params=[Param(name="value", values=["France", "Italy", "Spain"])],
        box=[100, 270, 400, 32],
    ),
    Action(
        id="B1", description="Remember me", role="checkbox", checked=True, box=[100, 320, 20, 20]
    ),
    Action(id="B2", description="Place order", role="button", box=[100, 370, 160, 40]),
]

HOSTILE_MARKDOWN = """# [link=https://evil.example]click me[/link] and [/] and [b]bold[/b]

escape: \x1b[2J done

[L1 [reverse]next[/reverse]]
[I1 [i]field[/i]: ""]
"""

HOSTILE_ACTIONS = [
    Action(id="L1", description="[reverse]next[/reverse]", role="link"),
    Action(id="I1", description="[i]field[/i]", role="textbox", params=[Param(name="value")]),
]

SHOP_ACTIONS = [
    Action(
        id="L1",
        description="Corner Shop",
        category="Navigation",
        role="link",
        href="http://127.0.0.1:8000/shop",
    ),
    Action(
        id="L2",
        description="Cart (0)",
        category="Navigation",
        role="link",
        href="http://127.0.0.1:8000/shop/cart",
    ),
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
    Action(
        id="L3",
        description="Brass desk lamp",
        category="Featured",
        role="link",
        href="http://127.0.0.1:8000/shop/product/brass-lamp",
    ),
    Action(
        id="L4",
        description="Oak stool",
        category="Featured",
        role="link",
        href="http://127.0.0.1:8000/shop/product/oak-stool",
    ),
]

PAGES = {
    "/shop": (SHOP_MARKDOWN, SHOP_ACTIONS),
    "/checkout": (CHECKOUT_MARKDOWN, CHECKOUT_ACTIONS),
    "/hostile": (HOSTILE_MARKDOWN, HOSTILE_ACTIONS),
}


class StaticProvider:
    """Two sessions that never change; steps answer DONE without doing anything."""

    name = "local"
    label = "Local Chromium"
    capabilities = Capabilities()

    def __init__(self, extra: bool = False) -> None:
        self.steps: list[StepRequest] = []
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
        if extra:  # the checkout form and a hostile page, for the cockpit snapshots
            self.sessions["c0ffee1234"] = Session(
                id="c0ffee1234",
                created_at=T0,
                url="http://127.0.0.1:8000/checkout",
                title="Checkout",
            )
            self.sessions["bad0bad0ba"] = Session(
                id="bad0bad0ba",
                created_at=T0,
                url="http://127.0.0.1:8000/hostile",
                title="[bold red]Pwned[/] ␛[31mred",
            )

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
        path = "/" + session.url.split("/", 3)[-1]
        markdown, actions = PAGES.get(path, (SHOP_MARKDOWN, SHOP_ACTIONS))
        return Observation(
            metadata=PageMeta(title=session.title, url=session.url, timestamp=T0),
            actions=actions,
            markdown=markdown,
            screenshot=self.png,
        )

    png: bytes | None = None  # a screenshot every observation carries (None: none)

    async def step(self, session_id: str, request: StepRequest) -> StepResult:
        self.steps.append(request.model_copy(update={"request_id": None}))  # ids are the app's
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
