"""The neutral model's plain words: session and step statuses, action id prefixes, the clock.

They are what the app names before its first frame (a status to colour, an id to
recognise, a time to show), kept free of pydantic so that frame does not wait for
it (issue 15). `tui.model` builds on them and re-exports them: import them from
either; `tui.model.StepStatus is tui.kinds.StepStatus`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum


def utcnow() -> datetime:
    """Timezone-aware now; every timestamp in the model is UTC."""
    return datetime.now(UTC)


class SessionStatus(StrEnum):
    """Where a session is in its life."""

    CREATING = "creating"  # provisioning on the provider (ThinkRun answers this first)
    ACTIVE = "active"
    CLOSED = "closed"
    TIMED_OUT = "timed_out"
    ERROR = "error"
    ENDED = "ended"  # known from the store, no longer on its provider

    @property
    def is_live(self) -> bool:
        return self in (SessionStatus.CREATING, SessionStatus.ACTIVE)


class StepStatus(StrEnum):
    """The answer to a step or command, as MultiOn and the app name it."""

    CONTINUE = "CONTINUE"
    ASK_USER = "ASK_USER"
    DONE = "DONE"
    ERROR = "ERROR"


# Notte's id prefixes: L link, B button-like, I input-like, F figure, O option, M other clickable.
ACTION_PREFIXES = {
    "L": "link",
    "B": "button",
    "I": "input",
    "F": "figure",
    "O": "option",
    "M": "misc",
}
