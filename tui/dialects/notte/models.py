"""Notte's session API on the wire (notte-sdk 1.10), and its mapping to the neutral model.

Field names are those the SDK serialises and parses (`notte_core.types`,
`notte_core.observation`, `notte_core.space`, `notte_core.actions`): the
server answers in these shapes so the unmodified SDK runs against it, and the
client reads them from the Notte cloud. Fields marked *stepdeck* are
extensions that Notte's own models ignore (the SDK keeps unknown session
fields, drops the rest).
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any, Literal

import pydantic_core
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator

from tui.errors import InvalidRequest
from tui.model import (
    Action,
    ConsoleMessage,
    CreateSession,
    LogEntry,
    NetworkRequest,
    Observation,
    PageMeta,
    Param,
    Session,
    SessionStatus,
    StepRequest,
    StepResult,
    StepStatus,
    Tab,
    Viewport,
    utcnow,
)


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


# -- sessions -------------------------------------------------------------------


class SessionProfile(_Wire):
    """`SessionStartRequest.profile`: start from a saved profile, maybe save back on stop."""

    id: str = Field(min_length=1)
    persist: bool = False


class SessionStartRequest(_Wire):
    """`POST /sessions/start` (the SDK sends every field of its own request model)."""

    idle_timeout_minutes: int = Field(
        default=3,
        gt=0,
        le=24 * 60,
        validation_alias=AliasChoices("idle_timeout_minutes", "timeout_minutes"),
    )
    max_duration_minutes: int = Field(default=15, gt=0, le=24 * 60)
    solve_captchas: bool = True
    proxies: list[dict[str, Any]] | bool = False
    browser_type: str = "chromium"
    user_agent: str | None = None
    chrome_args: list[str] | None = None
    viewport_width: int | None = Field(default=None, gt=0, le=10000)
    viewport_height: int | None = Field(default=None, gt=0, le=10000)
    cdp_url: str | None = None
    profile: SessionProfile | None = None
    extra_http_headers: dict[str, str] | None = None
    wait_for_authentication: bool = True
    # stepdeck: where the session starts and what the sidebar calls it
    url: str | None = None
    label: str = ""

    def to_create(self) -> CreateSession:
        return CreateSession(
            url=self.url,
            viewport_width=self.viewport_width or 1280,
            viewport_height=self.viewport_height or 800,
            idle_timeout_minutes=self.idle_timeout_minutes,
            label=self.label,
            profile=self.profile.id if self.profile else None,
            persist_profile=self.profile.persist if self.profile else False,
        )

    @classmethod
    def from_create(cls, request: CreateSession) -> SessionStartRequest:
        idle = max(1, round(request.idle_timeout_minutes))
        return cls(
            idle_timeout_minutes=idle,
            # Notte ends a session at max_duration whatever its idle timeout: never before it
            max_duration_minutes=max(15, idle),
            viewport_width=request.viewport_width,
            viewport_height=request.viewport_height,
            url=request.url,
            label=request.label,
            profile=SessionProfile(id=request.profile, persist=request.persist_profile)
            if request.profile
            else None,
        )


NotteSessionStatus = Literal["active", "authenticating", "closed", "error", "timed_out"]

_STATUS_TO_WIRE: dict[SessionStatus, NotteSessionStatus] = {
    SessionStatus.CREATING: "authenticating",
    SessionStatus.ACTIVE: "active",
    SessionStatus.CLOSED: "closed",
    SessionStatus.TIMED_OUT: "timed_out",
    SessionStatus.ERROR: "error",
    SessionStatus.ENDED: "closed",
}
_STATUS_FROM_WIRE: dict[str, SessionStatus] = {
    "authenticating": SessionStatus.CREATING,
    "active": SessionStatus.ACTIVE,
    "closed": SessionStatus.CLOSED,
    "timed_out": SessionStatus.TIMED_OUT,
    "error": SessionStatus.ERROR,
}


class SessionResponse(_Wire):
    """A session as Notte describes it (`GET /sessions/{id}` and friends)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    session_id: str
    idle_timeout_minutes: int = Field(
        default=3, validation_alias=AliasChoices("idle_timeout_minutes", "timeout_minutes")
    )
    max_duration_minutes: int = 15
    created_at: datetime
    closed_at: datetime | None = None
    last_accessed_at: datetime
    status: NotteSessionStatus
    close_reason: Literal["manual", "idle_timeout", "max_duration", "error", "unknown"] | None = (
        None
    )
    steps: list[dict[str, Any]] = Field(default_factory=list)
    error: str | None = None
    proxies: bool = False
    browser_type: str = "chromium"
    network_request_bytes: int = 0
    network_response_bytes: int = 0
    user_agent: str | None = None
    viewport_width: int | None = None
    viewport_height: int | None = None
    cdp_url: str | None = None
    viewer_url: str | None = None
    # stepdeck
    url: str = ""
    title: str = ""
    label: str = ""
    step_count: int | None = None
    paused: bool = False
    replay_url: str | None = None
    profile: str = ""
    endpoint: str = ""  # which browser of the server's pool runs it

    @classmethod
    def from_session(cls, s: Session) -> SessionResponse:
        status = _STATUS_TO_WIRE[s.status]
        closed_at = s.closed_at
        if status == "closed" and closed_at is None:
            closed_at = s.last_accessed_at  # Notte's model requires it for a closed session
        reason = None
        if s.status is SessionStatus.TIMED_OUT:
            reason = "idle_timeout"
        elif s.status is SessionStatus.ERROR:
            reason = "error"
        elif status == "closed":
            reason = "manual"
        return cls(
            session_id=s.id,
            idle_timeout_minutes=max(1, round(s.idle_timeout_minutes)),
            created_at=s.created_at,
            closed_at=closed_at,
            last_accessed_at=s.last_accessed_at,
            status=status,
            close_reason=reason,
            error=s.error,
            viewer_url=s.viewer_url,
            url=s.url,
            title=s.title,
            label=s.label,
            step_count=s.steps,
            paused=s.paused,
            replay_url=s.replay_url,
            profile=s.profile,
            endpoint=s.endpoint,
        )

    def to_session(self, provider: str) -> Session:
        return Session(
            id=self.session_id,
            provider=provider,
            status=_STATUS_FROM_WIRE.get(self.status, SessionStatus.ERROR),
            created_at=self.created_at,
            last_accessed_at=self.last_accessed_at,
            closed_at=self.closed_at,
            url=self.url,
            title=self.title,
            steps=self.step_count if self.step_count is not None else len(self.steps),
            label=self.label,
            viewer_url=self.viewer_url,
            replay_url=self.replay_url,
            idle_timeout_minutes=self.idle_timeout_minutes,
            error=self.error,
            paused=self.paused,
            profile=self.profile,
            endpoint=self.endpoint,
        )


class SessionProfileSaveRequest(_Wire):
    """`POST /sessions/{id}/profile/save`: a stepdeck profile's id is its name."""

    profile_id: str | None = Field(default=None, min_length=1)
    name: str | None = Field(default=None, min_length=1)


class ProfileResponse(_Wire):
    """A saved profile as Notte describes it: names and domains, never the state."""

    profile_id: str
    name: str | None = None
    created_at: datetime
    updated_at: datetime
    persisted_domains: list[str] = Field(default_factory=list)


class SessionListRequest(_Wire):
    """Query of `GET /sessions/`."""

    page: int = Field(default=1, ge=1)
    page_size: int = Field(default=10, ge=1, le=100)
    only_active: bool = True


class SessionListResponse(_Wire):
    """A page of sessions."""

    items: list[SessionResponse]
    page: int = 1
    page_size: int = 10
    has_next: bool = False
    has_previous: bool = False


# -- observe ----------------------------------------------------------------------


class ObserveRequest(_Wire):
    """`POST /sessions/{id}/page/observe`."""

    min_nb_actions: int | None = None
    max_nb_actions: int = Field(default=100, ge=1)
    instructions: str | None = None
    perception_type: Literal["fast", "deep"] | None = None


class ViewportData(_Wire):
    scroll_x: int = 0
    scroll_y: int = 0
    viewport_width: int = 1280
    viewport_height: int = 800
    total_width: int = 0
    total_height: int = 0


class TabsData(_Wire):
    tab_id: int
    title: str = ""
    url: str = ""


class SnapshotMetadata(_Wire):
    title: str = ""
    url: str = ""
    viewport: ViewportData = Field(default_factory=ViewportData)
    tabs: list[TabsData] = Field(default_factory=list)
    timestamp: datetime = Field(default_factory=utcnow)
    # stepdeck: which tab is active (Notte's tabs carry no such flag)
    active_tab: int | None = None

    @classmethod
    def from_meta(cls, m: PageMeta) -> SnapshotMetadata:
        active = next((t.index for t in m.tabs if t.active), None)
        return cls(
            title=m.title,
            url=m.url,
            viewport=ViewportData(
                scroll_x=m.viewport.scroll_x,
                scroll_y=m.viewport.scroll_y,
                viewport_width=m.viewport.width,
                viewport_height=m.viewport.height,
                total_width=m.viewport.page_width,
                total_height=m.viewport.page_height,
            ),
            tabs=[TabsData(tab_id=t.index, title=t.title, url=t.url) for t in m.tabs],
            timestamp=m.timestamp,
            active_tab=active,
        )

    def to_meta(self) -> PageMeta:
        v = self.viewport
        return PageMeta(
            title=self.title,
            url=self.url,
            viewport=Viewport(
                width=v.viewport_width,
                height=v.viewport_height,
                scroll_x=v.scroll_x,
                scroll_y=v.scroll_y,
                page_width=v.total_width,
                page_height=v.total_height,
            ),
            tabs=[
                Tab(
                    index=t.tab_id,
                    url=t.url,
                    title=t.title,
                    active=(t.tab_id == self.active_tab)
                    if self.active_tab is not None
                    else t.url == self.url,
                )
                for t in self.tabs
            ],
            timestamp=self.timestamp,
        )


class Screenshot(_Wire):
    """`raw` is base64 on the wire (Notte sends JPEG; stepdeck sends PNG)."""

    raw: str = ""
    bboxes: list[dict[str, Any]] = Field(default_factory=list)

    def image(self) -> bytes | None:
        return base64.b64decode(self.raw) if self.raw else None


class ActionParameter(_Wire):
    name: str
    type: str = "str"
    default: str | None = None
    values: list[str] = Field(default_factory=list)


def interaction_fields(a: Action) -> dict[str, Any]:
    """An Action as Notte's interaction action, in wire form: the one mapping that both
    `InteractionAction.from_action` and the pre-serialised observe answer use."""
    role = a.role.lower()
    value: str | bool | None
    if a.params and a.params[0].values:
        kind, value = "select_dropdown_option", ""
    elif a.params:
        kind, value = "fill", a.value or ""
    elif role in ("checkbox", "switch") or (a.checked is not None and role != "radio"):
        kind, value = "check", bool(a.checked)
    else:
        kind, value = "click", None
    return {
        "type": kind,
        "id": a.id,
        "description": a.description or a.id,
        "category": a.category or "Interaction Actions",
        "value": value,
        "text_label": a.description or None,
        "role": a.role or None,
        "params": [
            {"name": p.name, "type": p.type, "default": p.default, "values": list(p.values)}
            for p in a.params
        ]
        or None,
    }


class InteractionAction(_Wire):
    """One element of Notte's space: `{type: click|fill|check|select_dropdown_option, id, …}`."""

    type: str
    id: str = ""
    description: str = "Interact with an element"
    category: str = "Interaction Actions"
    value: str | bool | None = None
    text_label: str | None = None
    # stepdeck: what Notte keeps to itself (its `param` is not serialised)
    role: str | None = None
    params: list[ActionParameter] | None = None

    @classmethod
    def from_action(cls, a: Action) -> InteractionAction:
        return cls.model_validate(interaction_fields(a))

    def to_action(self) -> Action:
        params = [Param(**p.model_dump()) for p in self.params or []]
        if not params and self.type in ("fill", "select_dropdown_option"):
            params = [Param(name="value")]
        role = self.role or {
            "fill": "textbox",
            "select_dropdown_option": "combobox",
            "check": "checkbox",
        }.get(self.type, "link" if self.id.startswith("L") else "button")
        return Action(
            id=self.id,
            description=self.description,
            category=self.category if self.category != "Interaction Actions" else "",
            role=role,
            params=params,
            value=self.value if isinstance(self.value, str) and self.value else None,
            checked=self.value if self.type == "check" and isinstance(self.value, bool) else None,
        )


class ActionSpace(_Wire):
    description: str = ""
    interaction_actions: list[InteractionAction] = Field(default_factory=list)
    category: str | None = None


_KINDS = {"L": "link", "B": "button", "I": "input", "F": "figure", "O": "option", "M": "other"}


def describe_space(o: Observation) -> str:
    """A true one-line summary of a page's action space (what Notte's `description` holds)."""
    where = o.metadata.title or o.metadata.url or "this page"
    if not o.actions:
        return f"{where}: no interactive elements"
    counts: dict[str, int] = {}
    for a in o.actions:
        kind = _KINDS.get(a.id[:1].upper(), "other")
        counts[kind] = counts.get(kind, 0) + 1
    parts = ", ".join(f"{n} {k}{'s' if n > 1 else ''}" for k, n in counts.items())
    n = len(o.actions)
    return f"{where}: {n} action{'s' if n > 1 else ''} ({parts})"


class ObserveResponse(_Wire):
    """Notte's Observation (`notte_core.observation.Observation`)."""

    started_at: datetime = Field(default_factory=utcnow)
    ended_at: datetime = Field(default_factory=utcnow)
    metadata: SnapshotMetadata
    screenshot: Screenshot = Field(default_factory=Screenshot)
    space: ActionSpace = Field(default_factory=ActionSpace)
    # stepdeck: the page as markdown, so one call shows everything
    markdown: str | None = None

    @classmethod
    def from_observation(cls, o: Observation) -> ObserveResponse:
        return cls(
            metadata=SnapshotMetadata.from_meta(o.metadata),
            screenshot=Screenshot(raw=o.screenshot_b64 or ""),
            space=ActionSpace(
                description=o.description or describe_space(o),
                interaction_actions=[InteractionAction.from_action(a) for a in o.actions],
            ),
            markdown=o.markdown,
        )

    @classmethod
    def json_bytes(cls, o: Observation, max_actions: int | None = None) -> bytes:
        """`from_observation(o)` as JSON bytes, built once from the observation: the actions
        (5,000 on a big page) go out as plain dicts, never as models rebuilt one by one.
        CPU work for a worker thread."""
        head = cls(
            metadata=SnapshotMetadata.from_meta(o.metadata),
            screenshot=Screenshot(raw=o.screenshot_b64 or ""),
            space=ActionSpace(description=o.description or describe_space(o)),
            markdown=o.markdown,
        ).model_dump(mode="json")
        actions = o.actions if max_actions is None else o.actions[:max_actions]
        head["space"]["interaction_actions"] = [interaction_fields(a) for a in actions]
        return pydantic_core.to_json(head)

    def to_observation(self) -> Observation:
        return Observation(
            metadata=self.metadata.to_meta(),
            actions=[a.to_action() for a in self.space.interaction_actions if a.id],
            markdown=self.markdown or "",
            screenshot=self.screenshot.image(),
            description=self.space.description,
        )


# -- execute ----------------------------------------------------------------------

# Notte's action types, and what each becomes as a neutral step.
NOTTE_TO_STEP: dict[str, str] = {
    "click": "click",
    "fill": "fill",
    "multi_factor_fill": "fill",
    "fallback_fill": "fill",
    "check": "check",
    "select_dropdown_option": "select",
    "goto": "goto",
    "goto_new_tab": "new_tab",
    "go_back": "back",
    "go_forward": "forward",
    "reload": "reload",
    "scroll_down": "scroll_down",
    "scroll_up": "scroll_up",
    "press_key": "press_key",
    "switch_tab": "switch_tab",
    "close_tab": "close_tab",
    "wait": "wait",
    "scrape": "scrape",
    "completion": "done",
    # stepdeck extensions
    "command": "command",
    "click_xy": "click_xy",
    "auto": "auto",
    "uncheck": "uncheck",
}
STEP_TO_NOTTE: dict[str, str] = {
    "click": "click",
    "fill": "fill",
    "check": "check",
    "uncheck": "check",
    "select": "select_dropdown_option",
    "goto": "goto",
    "new_tab": "goto_new_tab",
    "back": "go_back",
    "forward": "go_forward",
    "reload": "reload",
    "scroll_down": "scroll_down",
    "scroll_up": "scroll_up",
    "press_key": "press_key",
    "switch_tab": "switch_tab",
    "close_tab": "close_tab",
    "wait": "wait",
    "scrape": "scrape",
    "done": "completion",
    "command": "command",
    "click_xy": "click_xy",
    "auto": "auto",
}
_NEEDS_ID = {"click", "fill", "check", "uncheck", "select"}
# Notte actions `stepdeck serve` runs itself (no neutral step type): notte/extras.py
SERVED_ONLY = ("evaluate_js", "form_fill", "captcha_solve")


class ExecutionRequest(_Wire):
    """`POST /sessions/{id}/page/execute`: one Notte action, as the SDK dumps it.

    Also accepts the 2025 `page/step` body (`action_id`, `enter`) and
    stepdeck's `command` (natural language in `cmd` or `value`).
    """

    type: str | None = None
    id: str | None = Field(default=None, validation_alias=AliasChoices("id", "action_id"))
    value: str | int | float | bool | dict[str, Any] | None = None
    enter: bool | None = Field(default=None, validation_alias=AliasChoices("enter", "press_enter"))
    url: str | None = None
    key: str | None = None
    tab_index: int | None = None
    time_ms: int | None = None
    selector: Any = None
    cmd: str | None = None
    x: float | None = None
    y: float | None = None
    success: bool | None = None  # completion
    answer: str | None = None  # completion
    code: str | None = None  # evaluate_js
    confirm: bool = False
    # stepdeck: who asks ("person" in the app; agents and SDKs are "api"): a paused session
    # holds every step that is not a person's
    source: str = "api"

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str | None) -> str | None:
        if value is not None and value not in NOTTE_TO_STEP and value not in SERVED_ONLY:
            known = ", ".join(sorted({*NOTTE_TO_STEP, *SERVED_ONLY} - {"auto"}))
            raise ValueError(f"unknown action type {value!r}; known types: {known}")
        return value

    def to_step(self) -> StepRequest:
        """The neutral step; raises InvalidRequest when the action lacks what it needs."""
        kind = NOTTE_TO_STEP[self.type] if self.type else ("auto" if self.id else "")
        if not kind:
            raise InvalidRequest(
                "The action has no type and no id", 'send {"type": "click", "id": "B1"} or similar'
            )
        value = self.value
        if kind == "check" and value is False:
            kind = "uncheck"
        if kind in _NEEDS_ID | {"auto"} and not self.id:
            raise InvalidRequest(
                f"A {self.type or kind} action needs an element id",
                "observe the page and pick an id such as B1",
            )
        if isinstance(value, dict):
            raise InvalidRequest(f"A {self.type} action takes a text value, not an object")
        text = None if value is None or isinstance(value, bool) else str(value)
        step = StepRequest(
            type=kind,  # type: ignore[arg-type]
            id=self.id or None,
            value=text if kind not in ("check", "uncheck") else None,
            enter=bool(self.enter),
            confirm=self.confirm,
            source=self.source,
        )
        if kind in ("goto", "new_tab"):
            step.url = self.url or text
            if not step.url:
                raise InvalidRequest(f"A {self.type} action needs a url", 'add "url": "https://…"')
            step.value = None
        elif kind == "press_key":
            step.key = self.key or text
            if not step.key:
                raise InvalidRequest("A press_key action needs a key", 'add "key": "Enter"')
            step.value = None
        elif kind in ("switch_tab", "close_tab"):
            index = self.tab_index if self.tab_index is not None else value
            step.index = int(index) if index is not None and not isinstance(index, bool) else None
            if kind == "switch_tab" and step.index is None:
                raise InvalidRequest("A switch_tab action needs tab_index", 'add "tab_index": 0')
            step.value = None
        elif kind == "wait":
            ms = self.time_ms if self.time_ms is not None else value
            step.value = str(int(ms)) if ms is not None and not isinstance(ms, bool) else "1000"
        elif kind == "command":
            step.cmd = self.cmd or text
            step.value = None
            if not step.cmd:
                raise InvalidRequest("A command needs text", 'add "cmd": "search for shoes"')
        elif kind == "click_xy":
            if self.x is None or self.y is None:
                raise InvalidRequest("A click_xy action needs x and y", 'add "x": 10, "y": 20')
            step.x, step.y = self.x, self.y
        return step

    @classmethod
    def from_step(cls, step: StepRequest) -> ExecutionRequest:
        """The Notte action for a neutral step (what the client sends)."""
        kind = STEP_TO_NOTTE[step.type]
        out = cls(type=kind, id=step.id, confirm=step.confirm, source=step.source)
        if step.type in ("fill", "select", "auto"):
            out.value = step.value
            out.enter = step.enter or None
        elif step.type in ("check", "uncheck"):
            out.value = step.type == "check"
        elif step.type in ("goto", "new_tab"):
            out.url = step.url
        elif step.type == "press_key":
            out.key = step.key
        elif step.type == "switch_tab":
            out.tab_index = step.index
        elif step.type == "close_tab" and step.index is not None:
            out.tab_index = step.index  # stepdeck serve closes tab N; Notte only the current
        elif step.type == "wait":
            out.time_ms = int(step.value or 1000)
        elif step.type == "done":
            out.success, out.answer = True, step.value or ""
        elif step.type == "command":
            out.cmd = step.cmd
        elif step.type == "click_xy":
            out.x, out.y = step.x, step.y
        return out

    def wire(self) -> dict[str, Any]:
        """The JSON body, in the keys Notte's own action models use."""
        body = self.model_dump(exclude_none=True, exclude_defaults=True)
        if "enter" in body:
            body["press_enter"] = body.pop("enter")
        body["type"] = self.type
        return body


def action_echo(request: ExecutionRequest | None, step: StepRequest) -> dict[str, Any]:
    """The `action` field of an execution result: a valid Notte action for this step."""
    kind = STEP_TO_NOTTE.get(step.type, step.type)
    if request is not None and request.type:
        kind = request.type
    elif step.type == "auto":
        kind = "fill" if step.value is not None else "click"
    out: dict[str, Any] = {"type": kind}
    if kind in SERVED_ONLY and request is not None:
        if kind == "evaluate_js":
            out["code"] = request.code or ""
        elif kind == "form_fill":
            out["value"] = request.value if isinstance(request.value, dict) else {}
        return out
    if step.id:
        out["id"] = step.id
    elif request is not None and request.selector:
        out["id"] = request.id or ""
        out["selector"] = request.selector
    if kind in ("fill", "multi_factor_fill", "fallback_fill", "select_dropdown_option"):
        out["value"] = step.value or ""
        if step.enter:
            out["press_enter"] = True
    elif kind == "check":
        out["value"] = step.type != "uncheck"
    elif kind in ("goto", "goto_new_tab"):
        out["url"] = step.url or ""
    elif kind == "press_key":
        out["key"] = step.key or ""
    elif kind == "switch_tab":
        out["tab_index"] = step.index or 0
    elif kind == "wait":
        out["time_ms"] = int(step.value or 1000)
    elif kind == "completion":
        out.update(success=True, answer=step.value or "")
    elif kind == "command":
        out["cmd"] = step.cmd or ""
    return out


class StructuredData(_Wire):
    success: bool = True
    error: str | None = None
    data: Any = None


class DataSpace(_Wire):
    """Notte's DataSpace: the scrape answer, and `data` of an execution."""

    markdown: str = ""
    structured: StructuredData | None = None


class ExecutionResponse(_Wire):
    """Notte's ExecutionResult(Response)."""

    started_at: datetime = Field(default_factory=utcnow)
    ended_at: datetime = Field(default_factory=utcnow)
    action: dict[str, Any]
    success: bool
    message: str = ""
    data: DataSpace | None = None
    exception: str | None = None
    captcha: dict[str, Any] | None = None
    action_executed: bool | None = None
    # stepdeck: the answer as MultiOn and the app name it, the command's sub-steps, the page after
    status: StepStatus | None = None
    candidates: list[str] = Field(default_factory=list)
    steps: list[LogEntry] = Field(default_factory=list)
    observation: ObserveResponse | None = None
    duration_ms: float | None = None

    @classmethod
    def from_result(
        cls, r: StepResult, request: ExecutionRequest | None = None, *, observation: bool = True
    ) -> ExecutionResponse:
        data = None
        if r.data is not None:
            if isinstance(r.data, str):
                data = DataSpace(markdown=r.data)
            else:
                data = DataSpace(
                    markdown="No markdown available", structured=StructuredData(data=r.data)
                )
        return cls(
            started_at=r.started_at,
            ended_at=r.ended_at,
            action=action_echo(request, r.request),
            success=r.success,
            message=r.message,
            data=data,
            exception=None if r.success else (r.message or "the action failed"),
            action_executed=r.success,
            status=r.status,
            candidates=r.candidates,
            steps=r.steps,
            observation=ObserveResponse.from_observation(r.observation)
            if observation and r.observation is not None
            else None,
            duration_ms=r.duration_ms,
        )

    def to_result(self, request: StepRequest) -> StepResult:
        data: Any = None
        if self.data is not None:
            if self.data.structured is not None:
                data = self.data.structured.data
            elif self.data.markdown:
                data = self.data.markdown
        status = self.status or (StepStatus.DONE if self.success else StepStatus.ERROR)
        duration = self.duration_ms
        if duration is None:
            duration = (self.ended_at - self.started_at).total_seconds() * 1000
        return StepResult(
            status=status,
            success=self.success,
            message=self.message or (self.exception or ""),
            request=request,
            observation=self.observation.to_observation() if self.observation else None,
            started_at=self.started_at,
            ended_at=self.ended_at,
            duration_ms=duration,
            candidates=self.candidates,
            data=data,
            steps=self.steps,
        )


# -- page/step (2025) -----------------------------------------------------------------


class StepActionParam(_Wire):
    name: str
    type: str = "string"
    default: str | None = None
    values: list[str] = Field(default_factory=list)


class StepAction(_Wire):
    id: str
    description: str = ""
    category: str = ""
    status: str = "valid"
    params: list[StepActionParam] = Field(default_factory=list)


# The browser actions' ids in Notte's 2025 space (its BrowserActionId), by neutral name.
BROWSER_ACTION_IDS = {
    "goto": "S1",
    "scrape": "S2",
    "back": "S3",
    "forward": "S4",
    "reload": "S5",
    "new_tab": "S6",
    "switch_tab": "S7",
    "press_key": "S8",
    "scroll_up": "S9",
    "scroll_down": "S10",
    "wait": "S11",
    "done": "S12",
}


class StepBrowserAction(_Wire):
    """A browser action of seed 002's space: an action like the others (`id`, `category`,
    `status`); stepdeck keeps the neutral `name` beside it."""

    id: str
    description: str = ""
    category: str = "Special Browser Actions"
    status: str = "valid"
    params: list[StepActionParam] = Field(default_factory=list)
    name: str | None = None


class StepSpace(_Wire):
    markdown: str = ""
    actions: list[StepAction] = Field(default_factory=list)
    browser_actions: list[StepBrowserAction] = Field(default_factory=list)
    description: str = ""
    category: str | None = None


class StepMetadata(_Wire):
    title: str = ""
    url: str = ""
    viewport: ViewportData = Field(default_factory=ViewportData)
    tabs: list[TabsData] = Field(default_factory=list)
    timestamp: datetime = Field(default_factory=utcnow)


class StepData(_Wire):
    markdown: str = ""
    images: list[str] = Field(default_factory=list)
    structured: Any = None


class StepProgress(_Wire):
    current_step: int = 0
    max_steps: int = 0


class PageStepResponse(_Wire):
    """`POST /sessions/{id}/page/step` (Notte's 2025 shape)."""

    session: SessionResponse
    space: StepSpace
    metadata: StepMetadata
    screenshot: str | None = None
    data: StepData = Field(default_factory=StepData)
    progress: StepProgress = Field(default_factory=StepProgress)
    # stepdeck
    success: bool = True
    message: str = ""
    status: StepStatus | None = None

    @classmethod
    def build(
        cls, session: Session, result: StepResult, observation: Observation
    ) -> PageStepResponse:
        meta = SnapshotMetadata.from_meta(observation.metadata)
        structured = None if isinstance(result.data, str) else result.data
        return cls(
            session=SessionResponse.from_session(session),
            space=StepSpace(
                markdown=observation.markdown,
                description=observation.description or describe_space(observation),
                actions=[
                    StepAction(
                        id=a.id,
                        description=a.description,
                        category=a.category,
                        params=[StepActionParam(**p.model_dump()) for p in a.params],
                    )
                    for a in observation.actions
                ],
                browser_actions=[
                    StepBrowserAction(
                        id=BROWSER_ACTION_IDS[b.name],
                        name=b.name,
                        description=b.description,
                        params=[StepActionParam(**p.model_dump()) for p in b.params],
                    )
                    for b in observation.browser_actions
                    if b.name in BROWSER_ACTION_IDS
                ],
            ),
            metadata=StepMetadata(**meta.model_dump(exclude={"active_tab"})),
            screenshot=observation.screenshot_b64,
            data=StepData(markdown=observation.markdown, structured=structured),
            progress=StepProgress(current_step=session.steps, max_steps=0),
            success=result.success,
            message=result.message,
            status=result.status,
        )


# -- scrape, screenshot, network, extras ------------------------------------------------


class ScrapeRequest(_Wire):
    """`POST /sessions/{id}/page/scrape`."""

    selector: str | None = None
    scrape_links: bool = True
    scrape_images: bool = False
    ignored_tags: list[str] | None = None
    only_main_content: bool = False
    response_format: dict[str, Any] | None = None
    instructions: str | None = None
    use_link_placeholders: bool = False
    # stepdeck: extraction options
    scroll_to_bottom: bool = False
    max_items: int | None = Field(default=None, ge=1)


class ScrapeResponse(DataSpace):
    """Same as DataSpace."""


class ScreenshotResponse(Screenshot):
    """`POST /sessions/{id}/page/screenshot`: the PNG as base64 in `raw`."""


class NetworkBatchFile(_Wire):
    key: str
    size: int
    download_url: str | None = None


class NetworkLogsResponse(_Wire):
    """Notte's batched network logs; stepdeck serves the requests inline in `requests`."""

    session_id: str
    format: str = "batched_v1"
    batches: list[NetworkBatchFile] = Field(default_factory=list)
    total_batch_count: int = 0
    requests: list[NetworkRequest] = Field(default_factory=list)


class ActionLogResponse(_Wire):
    """stepdeck: `GET /sessions/{id}/log`."""

    session_id: str
    items: list[LogEntry] = Field(default_factory=list)


class ConsoleResponse(_Wire):
    """stepdeck: `GET /sessions/{id}/console`."""

    session_id: str
    items: list[ConsoleMessage] = Field(default_factory=list)
