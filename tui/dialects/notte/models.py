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
from collections import Counter
from datetime import datetime
from json.encoder import encode_basestring
from typing import Any, Literal

import pydantic_core
from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from tui.model import (
    Action,
    CreateSession,
    Observation,
    PageMeta,
    Param,
    Session,
    SessionStatus,
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


_INTERACTION_CATEGORY = encode_basestring("Interaction Actions")


def _params_json(params: list[Param]) -> str:
    parts = []
    for p in params:
        default = "null" if p.default is None else encode_basestring(p.default)
        values = ",".join(map(encode_basestring, p.values)) if p.values else ""
        parts.append(
            f'{{"name":{encode_basestring(p.name)},"type":{encode_basestring(p.type)},'
            f'"default":{default},"values":[{values}]}}'
        )
    return f"[{parts[0]}]" if len(parts) == 1 else "[" + ",".join(parts) + "]"


def actions_json(actions: list[Action]) -> bytes:
    """`pydantic_core.to_json([interaction_fields(a) for a in actions])`, byte for byte, written
    directly: no dict per action (5,000 actions: ~5 ms instead of ~8.5 ms, measured on the
    bench's big page). Plain Python, so a worker thread running it hands the GIL back to
    `stepdeck serve`'s event loop every switch interval. Keep it in step with
    `interaction_fields` (tests/dialects/test_notte_observe_bytes.py compares them)."""
    out: list[str] = []
    append = out.append
    roles: dict[str, tuple[str, bool, bool]] = {}  # role -> (JSON, check-like, radio)
    for a in actions:
        role = a.role
        known = roles.get(role)
        if known is None:
            low = role.lower()
            known = roles[role] = (
                encode_basestring(role) if role else "null",
                low in ("checkbox", "switch"),
                low == "radio",
            )
        role_json, checkish, radio = known
        params = a.params
        if params:
            params_json = _params_json(params)
            if params[0].values:
                head, value = '{"type":"select_dropdown_option","id":', '""'
            else:
                head, value = '{"type":"fill","id":', encode_basestring(a.value or "")
        else:
            params_json = "null"
            checked = a.checked
            if checkish or (checked is not None and not radio):
                head, value = '{"type":"check","id":', "true" if checked else "false"
            else:
                head, value = '{"type":"click","id":', "null"
        id_json = encode_basestring(a.id)
        description = a.description
        label = encode_basestring(description) if description else "null"
        category = a.category
        append(
            f'{head}{id_json},"description":{label if description else id_json},'
            f'"category":{encode_basestring(category) if category else _INTERACTION_CATEGORY},'
            f'"value":{value},"text_label":{label},"role":{role_json},"params":{params_json}}}'
        )
    return ("[" + ",".join(out) + "]").encode()


# An empty action list as its key writes it. JSON strings escape their quotes, so this
# can only be the key itself, never page text.
_EMPTY_ACTIONS = b'"interaction_actions":[]'


def with_actions(data: bytes, actions: list[Action]) -> bytes:
    """JSON `data` holding one empty `interaction_actions`, with `actions` in it."""
    at = data.index(_EMPTY_ACTIONS)
    key = len(_EMPTY_ACTIONS) - 2  # up to the colon
    return b"".join((data[: at + key], actions_json(actions), data[at + len(_EMPTY_ACTIONS) :]))


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
    # counted by first letter in one C pass (a loop over 5,000 actions took ~1-3 ms)
    for prefix, n in Counter([a.id[:1] for a in o.actions]).items():
        kind = _KINDS.get(prefix.upper(), "other")
        counts[kind] = counts.get(kind, 0) + n
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
        (5,000 on a big page) written straight from the observation's (`actions_json`), never
        as models rebuilt one by one. CPU work for a worker thread."""
        actions = o.actions if max_actions is None else o.actions[:max_actions]
        head, tail = cls.json_around_actions(o)
        return b"".join((head, actions_json(actions), tail))

    @classmethod
    def json_around_actions(cls, o: Observation) -> tuple[bytes, bytes]:
        """`from_observation(o)` as JSON bytes in two parts, to go out before and after its
        `interaction_actions` (`actions_json`), the last key of the answer: everything else
        (the page's markdown, the screenshot) can be on its way while the actions are written.
        CPU work for a worker thread."""
        body = cls.json_dict(o)
        space = body.pop("space")
        space["interaction_actions"] = space.pop("interaction_actions")
        body["space"] = space
        data = pydantic_core.to_json(body)
        closing = b"[]}}"
        assert data.endswith(_EMPTY_ACTIONS + b"}}"), "interaction_actions must come last"
        return data[: -len(closing)], closing[2:]

    @classmethod
    def json_dict(cls, o: Observation) -> dict[str, Any]:
        """`from_observation(o)` dumped to JSON types with an empty `interaction_actions`, for
        `with_actions` to fill from the observation's actions."""
        return cls(
            metadata=SnapshotMetadata.from_meta(o.metadata),
            screenshot=Screenshot(raw=o.screenshot_b64 or ""),
            space=ActionSpace(description=o.description or describe_space(o)),
            markdown=o.markdown,
        ).model_dump(mode="json")

    def to_observation(self) -> Observation:
        return Observation(
            metadata=self.metadata.to_meta(),
            actions=[a.to_action() for a in self.space.interaction_actions if a.id],
            markdown=self.markdown or "",
            screenshot=self.screenshot.image(),
            description=self.space.description,
        )
