"""The one interface the UI knows: `Provider`, over the neutral model.

The embedded engine (`local.py`) and every dialect client implement it. A
provider says what it can do in `capabilities`; what it cannot do raises
`Unsupported` with a reason the UI shows as is.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict

from tui.errors import (  # re-exported: the typed errors are part of this interface
    ActionNotFound,
    AuthError,
    BadResponse,
    BillingError,
    BrowserCrashed,
    InvalidRequest,
    RateLimited,
    ServerError,
    SessionGone,
    SessionNotFound,
    StepdeckError,
    StepHeld,
    StepTimeout,
    Unreachable,
    Unsupported,
)
from tui.model import (
    Action,
    BrowserAction,
    ConsoleMessage,
    CreateSession,
    Event,
    Health,
    LogEntry,
    NetworkRequest,
    Observation,
    PageMeta,
    Session,
    SessionStatus,
    StepRequest,
    StepResult,
    StepStatus,
    Tab,
)

__all__ = [
    "Action",
    "ActionNotFound",
    "AuthError",
    "BadResponse",
    "BillingError",
    "BrowserAction",
    "BrowserCrashed",
    "Capabilities",
    "ConsoleMessage",
    "CreateSession",
    "Event",
    "Health",
    "InvalidRequest",
    "LogEntry",
    "NetworkRequest",
    "Observation",
    "PageMeta",
    "Provider",
    "RateLimited",
    "ServerError",
    "Session",
    "SessionGone",
    "SessionNotFound",
    "SessionStatus",
    "StepHeld",
    "StepRequest",
    "StepResult",
    "StepStatus",
    "StepTimeout",
    "StepdeckError",
    "Tab",
    "Unreachable",
    "Unsupported",
]


class Capabilities(BaseModel):
    """What a provider offers. A False comes with a reason in `missing`."""

    # its validator is built on first use, not at import (issue 15: the app's first frame)
    model_config = ConfigDict(defer_build=True)

    action_space: bool = True  # ids like B3 (MultiOn has none)
    markdown: bool = True
    screenshot: bool = True
    commands: bool = True  # natural-language cmd
    console: bool = True
    network: bool = True
    tabs: bool = True
    events: bool = False  # live event stream
    pause: bool = False  # can hold an agent's next step
    extract: bool = True
    click_xy: bool = True  # click a point of the screenshot
    missing: dict[str, str] = {}  # capability name -> why it is not there

    def reason(self, name: str) -> str:
        return self.missing.get(name, f"this provider has no {name.replace('_', ' ')}")


ProgressCallback = Callable[[LogEntry], None]


def takes_progress(provider: Provider) -> bool:
    """Whether `provider.step` reports its sub-steps (an `on_progress` callback)."""
    import inspect

    try:
        return "on_progress" in inspect.signature(provider.step).parameters
    except (TypeError, ValueError):
        return False


@runtime_checkable
class Provider(Protocol):
    """A place where browser sessions live: the embedded engine or a cloud API."""

    name: str  # config name, e.g. "local", "notte", "multion"
    label: str  # what the sidebar shows
    capabilities: Capabilities

    async def start(self) -> None:
        """Connect / launch. Idempotent."""

    async def aclose(self) -> None:
        """Release everything (browser, HTTP client)."""

    async def list_sessions(self) -> list[Session]: ...

    async def create_session(self, request: CreateSession) -> Session: ...

    async def get_session(self, session_id: str) -> Session: ...

    async def close_session(self, session_id: str) -> Session: ...

    async def observe(self, session_id: str, *, screenshot: bool = True) -> Observation: ...

    async def step(self, session_id: str, request: StepRequest) -> StepResult:
        """Run one step. Never retried automatically: a retried click can buy twice."""

    async def screenshot(self, session_id: str) -> bytes: ...

    async def scrape(
        self, session_id: str, *, schema: dict[str, Any] | None = None, **options: Any
    ) -> Any:
        """The page as markdown, or as items matching a JSON schema."""

    async def action_log(self, session_id: str) -> list[LogEntry]: ...

    async def console(self, session_id: str) -> list[ConsoleMessage]: ...

    async def network(self, session_id: str) -> list[NetworkRequest]: ...

    async def health(self, session_id: str) -> Health: ...

    def events(self, session_id: str | None = None) -> AsyncIterator[Event]:
        """Live events for one session, or all. Raises Unsupported where there are none."""
        ...

    async def set_paused(self, session_id: str, paused: bool) -> Session:
        """Hold (or release) the next step from any client."""
        ...
