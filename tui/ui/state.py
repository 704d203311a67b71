"""What the app knows about each session, kept apart from the widgets.

Pure data (no Textual): the widgets read a `SessionView` and render it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from tui.kinds import SessionStatus, StepStatus
from tui.text import well_formed

if TYPE_CHECKING:  # the neutral model (pydantic) loads after the app's first frame
    from tui.model import Observation, Session, StepResult

# CSI/OSC/other escape sequences, C0 controls (except newline and tab), DEL, and the C1
# controls U+0080-U+009F: some terminals read U+009B as CSI and U+009D as OSC, so a page
# could smuggle an escape sequence in without any ESC byte.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _shown(match: re.Match) -> str:
    char = match.group(0)
    if char < " ":
        return chr(0x2400 + ord(char))  # the Control Pictures block: ␀ … ␟
    if char == "\x7f":
        return "␡"
    return f"<{ord(char):02X}>"  # a C1 control has no picture: its code, visibly


def clean(text: str) -> str:
    """Page data made safe for a terminal: escape sequences shown, never executed; half an
    emoji (a lone surrogate, which no terminal encoding takes) drawn as U+FFFD."""
    if "\x1b" in text:
        text = _ESCAPES.sub(lambda m: m.group(0).replace("\x1b", "␛"), text)
    text = well_formed(text)
    return _CONTROLS.sub(_shown, text)


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
    stored: bool = False  # known only from the store: its page comes from its last step
    request_ids: set[str] = field(default_factory=set)  # ids of the steps this app sent
    ids_echoed: bool = False  # the provider stamps our steps' events with our ids
    # Steps the session had when this app first saw it (by other clients, before us).
    base_steps: int = -1
    # The page it opened on, when this app opened it: what its first step is compared with.
    opening: Observation | None = None

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

    def __post_init__(self) -> None:
        if self.base_steps < 0:
            self.base_steps = self.session.steps

    @property
    def step_count(self) -> int:
        """One per step, as the Log and the Timeline count them: earlier ones, ours, others'.

        A provider's own count may include a command's sub-steps; it is not used once
        the app has seen the session step.
        """
        return self.base_steps + len(self.results) + len(self.elsewhere)

    @property
    def status_word(self) -> str:
        """CONTINUE / ASK_USER / DONE / ERROR of the last step, or the session's status."""
        if self.error:  # the last step failed; the session itself stays usable
            return "step failed"
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


def where(url: str) -> str:
    """host + path, short: what tells two same-titled sessions apart."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if not parts.hostname:
        return url
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    return host + (parts.path if parts.path not in ("", "/") else "")


@dataclass
class SidebarRow:
    """One line (or two) of the sidebar: a heading, a session, a fold or a note."""

    kind: str  # "heading", "session", "fold", "note"
    id: str
    view: SessionView | None = None
    text: str = ""
    twin: bool = False  # another session in the group has the same name


def sidebar_rows(
    views: list[SessionView],
    labels: dict[str, str],
    hints: dict[str, str],
    needle: str = "",
    unfolded: set[str] | None = None,
) -> list[SidebarRow]:
    """The sidebar in order: per provider, live sessions first, ended ones folded.

    Ended sessions sit under an "ended (N)" row per provider, open only when the
    provider is in `unfolded` (or a filter is typed). Providers without a key
    share one note row at the end.
    """
    unfolded = unfolded or set()
    needle = needle.strip().lower()
    groups: dict[str, tuple[list[SessionView], list[SessionView]]] = {}
    for view in views:
        if needle and needle not in f"{view.name} {view.url} {view.session.id}".lower():
            continue
        live, ended = groups.setdefault(view.provider, ([], []))
        (live if view.session.status.is_live else ended).append(view)
    rows: list[SidebarRow] = []
    for provider, (live, ended) in groups.items():
        rows.append(
            SidebarRow("heading", f"heading:{provider}", text=labels.get(provider, provider))
        )
        names: dict[str, int] = {}
        for view in live + ended:
            names[view.name] = names.get(view.name, 0) + 1
        rows += [SidebarRow("session", v.key, v, twin=names[v.name] > 1) for v in live]
        if ended:
            open_ = provider in unfolded or bool(needle)
            mark = "▾" if open_ else "▸"
            rows.append(SidebarRow("fold", f"fold:{provider}", text=f"{mark} ended ({len(ended)})"))
            if open_:
                rows += [SidebarRow("session", v.key, v, twin=names[v.name] > 1) for v in ended]
    if not rows:
        rows.append(
            SidebarRow("note", "empty", text="no match" if needle else "no sessions: n opens one")
        )
    keyless = [labels.get(p, p) for p in hints if p not in groups]
    if keyless:
        rows.append(SidebarRow("note", "hint:keyless", text="no key: " + " · ".join(keyless)))
    return rows


class Deck:
    """Every session the app knows and which one is selected: pure state, no Textual.

    The main screen applies what workers report through these methods, then
    redraws from the result; each method says what changed.
    """

    def __init__(self) -> None:
        self.views: dict[str, SessionView] = {}
        self.selected: str | None = None

    @property
    def current(self) -> SessionView | None:
        return self.views.get(self.selected) if self.selected else None

    def ordered(self) -> list[SessionView]:
        """Live sessions first (in the order they came), then ended ones, newest first."""
        live = [v for v in self.views.values() if v.session.status.is_live]
        ended = [v for v in self.views.values() if not v.session.status.is_live]
        return live + ended

    def first_key(self) -> str | None:
        ordered = self.ordered()
        return ordered[0].key if ordered else None

    def sessions_loaded(self, provider: str, sessions: list[Session]) -> None:
        """A provider's list: known sessions updated, new live ones added."""
        for session in sessions:
            key = session_key(provider, session.id)
            view = self.views.get(key)
            if view is not None and not (view.stored and session.status.is_live):
                view.session = session
            elif session.status.is_live:  # new, or listed from the store before it answered
                self.views[key] = SessionView(provider, session)

    def stored_loaded(self, sessions: list[Session]) -> None:
        """Sessions only the store knows: listed as ended."""
        for session in sessions:
            provider = session.provider or "local"
            key = session_key(provider, session.id)
            if key not in self.views:
                ended = session.model_copy(update={"status": SessionStatus.ENDED})
                self.views[key] = SessionView(provider, ended, stored=True)

    def created(self, provider: str, session: Session, observation: Observation | None) -> str:
        view = SessionView(provider, session, observation=observation, opening=observation)
        self.views[view.key] = view
        return view.key

    def observed(self, key: str, observation: Observation) -> SessionView | None:
        view = self.views.get(key)
        if view is not None:
            view.observation = observation
        return view

    def step_started(self, key: str) -> SessionView:
        view = self.views[key]
        view.busy = True
        view.error = None
        return view

    def step_done(self, key: str, result: StepResult) -> SessionView | None:
        """A step's answer: the page it left, and its failure (the session stays usable)."""
        view = self.views.get(key)
        if view is None:
            return None
        view.busy = False
        view.progress = ""
        view.results.append(result)
        if result.observation is not None:
            view.observation = result.observation
        failed = not result.success or result.status == StepStatus.ERROR
        view.error = clean(result.message) if failed else None
        return view

    def step_failed(self, key: str, result: StepResult, gone: bool) -> SessionView | None:
        """A step that raised: kept as an ERROR result; `gone` ends the session."""
        view = self.views.get(key)
        if view is None:
            return None
        view.busy = False
        view.progress = ""
        view.error = clean(result.message)
        if gone:
            view.session = view.session.model_copy(update={"status": SessionStatus.ENDED})
        view.results.append(result)
        return view

    def closed(self, key: str) -> tuple[SessionView | None, str | None]:
        """Forget a session; returns it and the key to select next: a live neighbour first."""
        order = [v.key for v in self.ordered()]
        view = self.views.pop(key, None)
        if view is None or self.selected != key:
            return view, self.selected
        at = order.index(key)
        rest = [k for k in order if k != key]
        pool = [k for k in rest if self.views[k].session.status.is_live] or rest
        after = [k for k in pool if order.index(k) > at]
        return view, (after[0] if after else pool[-1]) if pool else None

    def ended(self, key: str) -> SessionView | None:
        """A session ended elsewhere; None when it was not live (nothing to tell)."""
        view = self.views.get(key)
        if view is None or not view.session.status.is_live:
            return None
        view.session = view.session.model_copy(update={"status": SessionStatus.ENDED})
        return view
