"""What the app knows about each session, kept apart from the widgets.

Pure data (no Textual): the widgets read a `SessionView` and render it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from tui.model import Observation, Session, SessionStatus, StepResult, StepStatus

# CSI/OSC/other escape sequences and C0 controls (except newline and tab).
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean(text: str) -> str:
    """Page data made safe for a terminal: escape sequences shown, never executed."""
    if "\x1b" in text:
        text = _ESCAPES.sub(lambda m: m.group(0).replace("\x1b", "␛"), text)
    return _CONTROLS.sub(
        lambda m: chr(0x2400 + ord(m.group(0))) if m.group(0) != "\x7f" else "␡", text
    )


def session_key(provider: str, session_id: str) -> str:
    return f"{provider}/{session_id}"


def host_of(url: str) -> str:
    try:
        return urlsplit(url).hostname or url
    except ValueError:
        return url


def age(since: datetime, now: datetime) -> str:
    """A short age: 12s, 5m, 3h, 2d."""
    seconds = max(0, int((now - since).total_seconds()))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


@dataclass
class SeenStep:
    """A step another client ran on this session (seen on its live event stream)."""

    at: datetime
    action: str
    success: bool = True
    ms: float = 0.0
    message: str = ""


@dataclass(repr=False)
class SessionView:
    """One session as the app shows it: the session, its last look and its steps."""

    provider: str
    session: Session
    observation: Observation | None = None
    results: list[StepResult] = field(default_factory=list)
    busy: bool = False
    error: str | None = None  # the last failure, shown in the header
    elsewhere: list[SeenStep] = field(default_factory=list)  # steps by other clients
    progress: str = ""  # the running step's latest progress (streamed providers)

    def __repr__(self) -> str:
        # Short on purpose: workers put their arguments' repr in their description,
        # and the full one would print the screenshot bytes and every step.
        return f"SessionView({self.key!r}, steps={len(self.results)})"

    @property
    def key(self) -> str:
        return session_key(self.provider, self.session.id)

    @property
    def last(self) -> StepResult | None:
        return self.results[-1] if self.results else None

    @property
    def url(self) -> str:
        if self.observation and self.observation.metadata.url:
            return self.observation.metadata.url
        return self.session.url

    @property
    def title(self) -> str:
        if self.observation and self.observation.metadata.title:
            return self.observation.metadata.title
        return self.session.title or self.session.label

    @property
    def name(self) -> str:
        """Title, else host, else the id: what the sidebar shows."""
        return clean(self.title or host_of(self.url) or self.session.id)

    @property
    def step_count(self) -> int:
        return max(self.session.steps, len(self.results))

    @property
    def status_word(self) -> str:
        """CONTINUE / ASK_USER / DONE / ERROR of the last step, or the session's status."""
        if self.error:
            return "error"
        if self.last is not None:
            return self.last.status.value
        return self.session.status.value

    @property
    def paused(self) -> bool:
        return self.session.paused

    @property
    def asking(self) -> bool:
        return self.last is not None and self.last.status == StepStatus.ASK_USER

    @property
    def mark(self) -> str:
        if self.busy:
            return "◐"
        if not self.session.status.is_live:
            return "✗" if self.session.status == SessionStatus.ERROR else "○"
        if self.error or (self.last and self.last.status == StepStatus.ERROR):
            return "!"
        if self.asking:
            return "?"
        if self.session.status == SessionStatus.CREATING:
            return "◌"
        return "●"
