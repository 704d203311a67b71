"""Notte's page actions on the wire (notte-sdk 1.10 `notte_core.actions`): `page/execute`'s
request, the neutral step each action is, and the ExecutionResult that answers it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pydantic_core
from pydantic import AliasChoices, Field, field_validator

from tui.dialects.notte.models import ObserveResponse, _Wire, with_actions
from tui.engine import registry
from tui.errors import InvalidRequest
from tui.model import (
    LogEntry,
    StepRequest,
    StepResult,
    StepStatus,
    utcnow,
)

# -- execute ----------------------------------------------------------------------

# Where Notte's name for an action differs from the registry's (notte_core.actions); every
# other action of the one registry (tui/engine/registry.py) keeps its name on the wire.
_NOTTE_NAMES = {
    "select": "select_dropdown_option",
    "new_tab": "goto_new_tab",
    "back": "go_back",
    "forward": "go_forward",
    "done": "completion",
    "uncheck": "check",  # Notte's check carries the state it wants
}
# What each neutral step is called on Notte's wire (stepdeck extensions: command, click_xy, auto).
STEP_TO_NOTTE: dict[str, str] = {
    name: _NOTTE_NAMES.get(name, name) for name in registry.ACTIONS
} | {"command": "command"}
# Notte's action types, and what each becomes as a neutral step.
NOTTE_TO_STEP: dict[str, str] = {
    notte: name for name, notte in STEP_TO_NOTTE.items() if name != "uncheck"
} | {
    "multi_factor_fill": "fill",
    "fallback_fill": "fill",
    "uncheck": "uncheck",  # a stepdeck extension
}
_NEEDS_ID = registry.ELEMENT_NAMES - {"auto"}
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

    @classmethod
    def json_bytes(
        cls, r: StepResult, request: ExecutionRequest | None = None, *, observation: bool = True
    ) -> bytes:
        """`from_result(r, request)` as JSON bytes, its page (thousands of actions on a big
        one) serialised once from the observation (`ObserveResponse.json_dict`), never
        rebuilt model by model. CPU work for a worker thread (with the `observation`)."""
        head = cls.from_result(r, request, observation=False).model_dump(mode="json")
        if r.observation is None or not observation:
            return pydantic_core.to_json(head)
        head["observation"] = ObserveResponse.json_dict(r.observation)
        return with_actions(pydantic_core.to_json(head), r.observation.actions)

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
