"""What the provider workers and the live follower post back onto the UI's turn.

Plain dataclasses (posting's `messages.py`): a worker never touches a widget,
it posts one of these and the main screen applies it to the state and redraws.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from textual.message import Message

from tui.errors import StepdeckError

if TYPE_CHECKING:  # the neutral model (pydantic) loads after the app's first frame
    from tui.model import Event, LogEntry, Observation, Session, StepRequest, StepResult

# Messages are made, posted and read, never compared or printed: no generated __eq__ and
# __repr__ (each one an exec when its class is made, ~6 ms of the app's start in all).
message = dataclass(eq=False, repr=False)


@message
class SessionsLoaded(Message):
    """A provider listed its sessions."""

    provider: str
    sessions: list[Session]


@message
class Booted(Message):
    """Every provider has started (or failed to): "Starting…" becomes what there is."""


@message
class StoredLoaded(Message):
    """Sessions the store knows of (ended ones included)."""

    sessions: list[Session]


@message
class SessionCreated(Message):
    """A new session, its first look, and the command to run first (if any)."""

    provider: str
    session: Session
    observation: Observation | None
    first: str | None
    typed: str | None = None  # the command bar's line that opened it (cleared once it is open)


@message
class OpenEnded(Message):
    """A session this app asked for has opened, or could not (its error came as `Failed`)."""


@message
class Observed(Message):
    """A fresh look at a session's page."""

    key: str
    observation: Observation


@message
class StepDone(Message):
    """A provider answered a step."""

    key: str
    result: StepResult
    typed: str | None
    answered: float  # perf_counter() when the provider answered
    queued_ms: float  # from the person's Enter to the provider call


@message
class StepFailed(Message):
    """A step raised instead of answering."""

    key: str
    request: StepRequest
    error: StepdeckError
    typed: str | None


@message
class StepProgress(Message):
    """A streamed step's progress (MultiOn)."""

    key: str
    entry: LogEntry


@message
class SessionClosed(Message):
    key: str


@message
class SessionChanged(Message):
    """A provider answered with a session's new state (pause, resume)."""

    key: str
    session: Session


@message
class StoredPage(Message):
    """The last recorded page of an ended session, read back from the store."""

    key: str
    observation: Observation | None


@message
class Extracted(Message):
    """Items extracted from the page of a session."""

    key: str
    items: list
    schema: dict
    typed: str | None


@message
class ServerFound(Message):
    """A `stepdeck serve` answers at this url: offer to attach."""

    url: str


@message
class LiveEvent(Message):
    """An event from a provider's live stream (another client stepped, a tab opened...)."""

    provider: str
    event: Event


@message
class LiveRefreshed(Message):
    """What a live event changed: the session, and its page when it is selected."""

    key: str
    kinds: set[str]
    session: Session | None
    observation: Observation | None
    answers: int = 0  # the session's step answers when it looked (newer ones win)


@message
class Failed(Message):
    """A failure outside a step (start, create, close, observe): one error path."""

    what: str
    error: StepdeckError
    modal: bool = False


@message
class RunAction(Message):
    """A pane asks to run an element or browser action (asking for a value if needed)."""

    action: object  # Action | BrowserAction


@message
class RunStep(Message):
    """A pane asks to run a ready step (a screenshot click, a tab switch)."""

    request: StepRequest
    extra: dict = field(default_factory=dict)
