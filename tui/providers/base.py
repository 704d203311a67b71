"""The one interface the UI knows: `Provider`, over the neutral model.

The embedded engine (`local.py`) and every dialect client implement it. A
provider says what it can do in `capabilities`; what it cannot do raises
`Unsupported` with a reason the UI shows as is.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

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

if TYPE_CHECKING:  # the neutral model (pydantic) loads after the app's first frame
    from tui.model import (
        ConsoleMessage,
        CreateSession,
        Event,
        Health,
        LogEntry,
        NetworkRequest,
        Observation,
        Session,
        StepRequest,
        StepResult,
    )

__all__ = [
    "ActionNotFound",
    "AuthError",
    "BadResponse",
    "BillingError",
    "BrowserCrashed",
    "Capabilities",
    "InvalidRequest",
    "Provider",
    "RateLimited",
    "ServerError",
    "SessionGone",
    "SessionNotFound",
    "StepHeld",
    "StepTimeout",
    "StepdeckError",
    "Unreachable",
    "Unsupported",
]


@dataclass
class Capabilities:
    """What a provider offers. A False comes with a reason in `missing`.

    Said by each provider in code, never read off a wire: a plain record, not a model.
    """

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
    missing: dict[str, str] = field(default_factory=dict)  # capability -> why it is not

    def reason(self, name: str) -> str:
        return self.missing.get(name, f"this provider has no {name.replace('_', ' ')}")


ProgressCallback = Callable[["LogEntry"], None]


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
