"""What an action acts on: a narrow target, not the whole session.

The session builds an `ActionTarget` for each step and hands it to the actions
(`tui.engine.actions`) and to the recovery of a stuck tab (`tui.engine.recovery`):
its tabs (pages, the active one, opening and closing), the limits every call into
the page is held to, the set of secrets to mask, and the last walk of the page.
Nothing here knows about steps, logs, status or the engine's other sessions.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from playwright.async_api import Page

from tui.engine.bounds import CALL_SLACK_S
from tui.engine.perception import Perceived
from tui.engine.tabs import Tabs


@dataclass(frozen=True)
class Limits:
    """How long calls into one session's pages may take, and which extra url schemes it opens."""

    nav_timeout_ms: float
    action_timeout_ms: float
    walk_timeout_s: float
    allow_schemes: tuple[str, ...] = ()

    @property
    def nav_timeout_s(self) -> float:
        return self.nav_timeout_ms / 1000

    def call_budget_s(self) -> float:
        """The bound of one quick call into the page (evaluate, mouse, keyboard)."""
        return self.action_timeout_ms / 1000 + CALL_SLACK_S

    def action_budget_s(self) -> float:
        """The longest an action may take: a navigation (maybe retried once), then its load."""
        return 2 * self.nav_timeout_ms / 1000 + self.action_timeout_ms / 1000 + 5

    def observe_budget_s(self) -> float:
        """The longest an observation may take: a popup's load, the walk, a margin."""
        return self.nav_timeout_ms / 1000 + self.walk_timeout_s + 5


@dataclass
class ActionTarget:
    """One session's pages as an action sees them (built by the session for each step)."""

    tabs: Tabs
    limits: Limits
    secrets: set[str]  # the session's own set: a value added here is masked everywhere
    ended: asyncio.Event  # set once the session is no longer active
    viewport: tuple[int, int] = (1280, 800)
    perceived: Perceived | None = None  # the last walk (ids -> elements); an action may renew it

    @property
    def live(self) -> bool:
        return not self.ended.is_set()

    async def page(self) -> Page:
        """The active tab's page, opening one if the session has none."""
        return await self.tabs.ensure_page()
