"""The neutral model every provider speaks.

It sits at the bottom of the package so that the embedded engine produces it
natively (no mapping layer between engine and provider), the dialects
translate their wire formats to and from it, and the UI knows nothing else.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field

# The plain words the app names before its first frame live in tui.kinds; the model re-exports
# the ones its models use, so that a module needing both imports one place.
from tui.kinds import SessionStatus, StepStatus, utcnow


class _Model(BaseModel):
    # Each model's validator is built on its first use, not at import: the app's first frame
    # comes before most of them are needed (issue 15; ~20 models, ~1 ms each).
    model_config = ConfigDict(extra="ignore", populate_by_name=True, defer_build=True)


class Viewport(_Model):
    width: int = 1280
    height: int = 800
    scroll_x: int = 0
    scroll_y: int = 0
    page_width: int = 0
    page_height: int = 0


class Tab(_Model):
    index: int
    url: str
    title: str = ""
    active: bool = False


class PageMeta(_Model):
    title: str = ""
    url: str = ""
    viewport: Viewport = Field(default_factory=Viewport)
    tabs: list[Tab] = Field(default_factory=list)
    timestamp: datetime = Field(default_factory=utcnow)


class Param(_Model):
    """A parameter an action takes (the value of a fill, the option of a select)."""

    name: str
    type: str = "string"
    default: str | None = None
    values: list[str] = Field(default_factory=list)


class Action(_Model):
    """One interactive element of the page, addressed by its id (`B3`)."""

    id: str
    description: str = ""
    category: str = ""  # a human grouping such as "Navigation" or "Search form"
    role: str = ""  # link, button, checkbox, textbox, combobox, ...
    tag: str = ""
    params: list[Param] = Field(default_factory=list)
    value: str | None = None  # current value of an input (a password's is masked)
    checked: bool | None = None
    focused: bool | None = None  # True on the element that has the keyboard focus
    field: str = ""  # what kind of field an input is: "text input", "slider", "dropdown", ...
    # a CSS selector, for providers that address elements that way (the engine's observation
    # carries only `#id` and frames' ones: the rest on demand, `EngineSession.fill_selectors`)
    selector: str | None = None
    href: str | None = None
    # [x, y, width, height] in viewport CSS pixels, for an element in view when observed (ids
    # drawn on the screenshot); None for one out of view
    box: list[int] | None = None

    @property
    def takes_value(self) -> bool:
        return bool(self.params)


class BrowserAction(_Model):
    """An action that needs no element: goto, back, scroll, tabs, ..."""

    name: str
    description: str
    params: list[Param] = Field(default_factory=list)


def _param(**fields: Any) -> Param:
    return Param.model_construct(**fields)


def _browser_action(**fields: Any) -> BrowserAction:
    return BrowserAction.model_construct(**fields)


# Built without validation (these literals are right): the first model validated at import
# would build validators and load pydantic's plugin machinery (~45 ms) before the app's
# first frame.
BROWSER_ACTIONS: list[BrowserAction] = [
    _browser_action(
        name="goto", description="Go to a url", params=[_param(name="url", type="url")]
    ),
    _browser_action(name="back", description="Go back in history"),
    _browser_action(name="forward", description="Go forward in history"),
    _browser_action(name="reload", description="Reload the page"),
    _browser_action(name="scroll_down", description="Scroll down one screen"),
    _browser_action(name="scroll_up", description="Scroll up one screen"),
    _browser_action(
        name="press_key",
        description="Press a key (Enter, Escape, ...)",
        params=[_param(name="key")],
    ),
    _browser_action(
        name="new_tab", description="Open a new tab", params=[_param(name="url", type="url")]
    ),
    _browser_action(
        name="switch_tab", description="Switch to tab N", params=[_param(name="index", type="int")]
    ),
    _browser_action(
        name="close_tab",
        description="Close the current tab (or tab N)",
        params=[_param(name="index", type="int")],
    ),
    _browser_action(
        name="wait", description="Wait N milliseconds", params=[_param(name="ms", type="int")]
    ),
    _browser_action(name="scrape", description="Read the page as markdown"),
    _browser_action(name="done", description="Mark the task done"),
]
BROWSER_ACTION_NAMES = {a.name for a in BROWSER_ACTIONS}


class Observation(_Model):
    """What a session sees: page metadata, action space, markdown and screenshot."""

    metadata: PageMeta = Field(default_factory=PageMeta)
    actions: list[Action] = Field(default_factory=list)
    browser_actions: list[BrowserAction] = Field(default_factory=lambda: list(BROWSER_ACTIONS))
    markdown: str = ""
    screenshot: bytes | None = None  # PNG
    description: str = ""  # a provider's prose summary of the space, where it gives one
    note: str = ""  # something the observation lacks and why (e.g. "no screenshot: ...")

    def action(self, action_id: str) -> Action | None:
        for a in self.actions:
            if a.id == action_id:
                return a
        return None

    def weight(self) -> int:
        """Roughly the characters of its JSON, the screenshot aside: what writing it costs."""
        return len(self.markdown) + 150 * len(self.actions)

    @property
    def screenshot_b64(self) -> str | None:
        return base64.b64encode(self.screenshot).decode() if self.screenshot else None


class Session(_Model):
    """A browser session on some provider."""

    id: str
    provider: str = "local"
    status: SessionStatus = SessionStatus.ACTIVE
    created_at: datetime = Field(default_factory=utcnow)
    last_accessed_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = None
    url: str = ""
    title: str = ""
    steps: int = 0
    label: str = ""
    viewer_url: str | None = None
    replay_url: str | None = None
    idle_timeout_minutes: float = 15
    error: str | None = None
    paused: bool = False
    start_url: str = ""  # where the session was opened (replay starts there)
    profile: str = ""  # the saved profile it started from
    endpoint: str = ""  # which browser of a pool it runs in (no credentials in it)


class ProfileSummary(_Model):
    """What may be shown of a profile: where it has state, never the state itself."""

    name: str
    saved_at: datetime | None = None
    url: str = ""
    origins: list[str] = Field(default_factory=list)  # hosts with cookies, origins with storage
    cookies: dict[str, list[str]] = Field(default_factory=dict)  # domain -> cookie names
    local_storage: dict[str, int] = Field(default_factory=dict)  # origin -> number of keys
    session_storage: dict[str, int] = Field(default_factory=dict)
    path: str = ""
    error: str | None = None  # set for a file that cannot be read

    @property
    def domains(self) -> list[str]:
        """Hosts with saved state (what Notte calls `persisted_domains`)."""
        hosts = {urlsplit(o).hostname or o for o in self.origins}
        return sorted(h for h in hosts if h)


class CreateSession(_Model):
    """What the new-session modal (or an API call) asks for."""

    url: str | None = None
    viewport_width: int = 1280
    viewport_height: int = 800
    idle_timeout_minutes: float = 15
    label: str = ""
    first_command: str | None = None
    profile: str | None = None  # start from this saved profile (cookies, storage)
    persist_profile: bool = False  # save the state back into it when the session is stopped
    trace: bool = False  # record a Playwright trace (embedded engine; written when it closes)


StepType = Literal[
    "auto",  # by id: click, fill or select decided by the element
    "click",
    "fill",
    "select",
    "check",
    "uncheck",
    "goto",
    "back",
    "forward",
    "reload",
    "scroll_down",
    "scroll_up",
    "press_key",
    "new_tab",
    "switch_tab",
    "close_tab",
    "wait",
    "scrape",
    "done",
    "click_xy",  # a point on the page (clicking the screenshot)
    "command",  # natural language
]


class StepRequest(_Model):
    """One step: an action by id, a browser action, or a natural-language command."""

    type: StepType = "auto"
    id: str | None = None
    value: str | None = None
    enter: bool = False
    url: str | None = None
    key: str | None = None
    index: int | None = None
    x: float | None = None
    y: float | None = None
    cmd: str | None = None
    confirm: bool = False  # the person confirmed a destructive step
    max_steps: int | None = None  # a command's action budget (model loop; MultiOn's browse)
    # Who asked: "person" (typed in the app) or a client of `stepdeck serve` / an agent
    # ("api", "agent"). A paused session holds every step whose source is not "person".
    source: str = "person"
    # The asking client's own id for this step, echoed as `request_id` in the data of the
    # step's events (step, paused), so a client tells its own steps from other clients'.
    request_id: str | None = Field(default=None, max_length=100)

    def describe(self) -> str:
        """A short human form, as typed in the command bar."""
        if self.type == "command":
            return self.cmd or ""
        if self.id:
            out = self.id
            if self.type not in ("auto", "click", "fill", "select"):
                out = f"{self.type} {out}"
            if self.value is not None:
                out += f" {self.value}"
            if self.enter:
                out += " --enter"
            return out
        arg = self.url or self.key or (str(self.index) if self.index is not None else None)
        if self.type == "click_xy":
            arg = f"{self.x:.0f},{self.y:.0f}"
        if self.type == "wait" and self.value:
            arg = self.value
        return f"{self.type} {arg}" if arg else self.type


class LogEntry(_Model):
    """One entry of a session's action log."""

    index: int = 0
    type: str
    params: dict[str, Any] = Field(default_factory=dict)
    timestamp: datetime = Field(default_factory=utcnow)
    duration_ms: float = 0.0
    success: bool = True
    error: str | None = None
    message: str = ""
    url: str = ""


class ConsoleMessage(_Model):
    level: str = "log"  # log, info, warning, error, debug, dialog, pageerror
    text: str = ""
    timestamp: datetime = Field(default_factory=utcnow)
    url: str = ""


class NetworkRequest(_Model):
    url: str
    method: str = "GET"
    status: int | None = None
    duration_ms: float | None = None
    size: int | None = None
    resource_type: str = ""
    failure: str | None = None
    timestamp: datetime = Field(default_factory=utcnow)


class StepResult(_Model):
    """The answer to a step."""

    status: StepStatus = StepStatus.DONE
    success: bool = True
    message: str = ""
    request: StepRequest = Field(default_factory=StepRequest)
    observation: Observation | None = None
    started_at: datetime = Field(default_factory=utcnow)
    ended_at: datetime = Field(default_factory=utcnow)
    duration_ms: float = 0.0
    candidates: list[str] = Field(default_factory=list)  # for ASK_USER: what the person may pick
    data: Any = None  # structured output (extraction, scrape)
    steps: list[LogEntry] = Field(default_factory=list)  # sub-steps a command ran
    # What the page logged and fetched while this step ran (time travel keeps them).
    console: list[ConsoleMessage] = Field(default_factory=list)
    network: list[NetworkRequest] = Field(default_factory=list)

    def weight(self) -> int:
        """What writing it costs, roughly (`Observation.weight`): its page's, or none."""
        return self.observation.weight() if self.observation else 0


class Health(_Model):
    ok: bool = True
    status: SessionStatus = SessionStatus.ACTIVE
    detail: str = ""
    checks: dict[str, Any] = Field(default_factory=dict)


EventKind = Literal["step", "tab", "console", "network", "status", "session", "paused"]


class Event(_Model):
    """A live event about a session (for followers of the event stream)."""

    kind: EventKind
    session_id: str
    timestamp: datetime = Field(default_factory=utcnow)
    data: dict[str, Any] = Field(default_factory=dict)
