"""Notte's first API (`/session/*`, `/env/*`) as a Provider.

That API has no list, get, log, console or network endpoints: this client
lists the sessions it started itself, keeps the log of the steps it sent, and
says plainly what else is missing.
"""

from __future__ import annotations

import base64
import binascii
import time
from typing import Any

import httpx

from tui.dialects.http import HttpProvider
from tui.dialects.notte_env.models import (
    BROWSER_IDS_V13,
    SPECIAL_IDS,
    Numbering,
    ObserveResponse,
    SessionResponse,
)
from tui.dialects.schema import resolve_refs
from tui.engine import registry
from tui.errors import InvalidRequest, SessionNotFound, Unsupported
from tui.model import (
    Action,
    CreateSession,
    Health,
    LogEntry,
    Observation,
    PageMeta,
    Param,
    Session,
    SessionStatus,
    StepRequest,
    StepResult,
    StepStatus,
    utcnow,
)
from tui.providers.base import Capabilities
from tui.settings import ProviderConfig

DEFAULT_BASE_URL = "https://api.notte.cc"

# The browser actions each numbering of the first API knows.
_BROWSER_ACTIONS: dict[str, list] = {
    "seed": registry.browser_actions(set(SPECIAL_IDS)),
    "v13": registry.browser_actions(set(BROWSER_IDS_V13)),
}


def _png(value: str | None) -> bytes | None:
    if not value:
        return None
    try:
        return base64.b64decode(value.split(",", 1)[-1], validate=True)
    except (binascii.Error, ValueError):
        return None


def to_observation(reply: ObserveResponse) -> Observation:
    """The neutral observation of a notte_env answer."""
    actions = []
    for a in reply.space.actions if reply.space else []:
        if a.id.startswith("S") or a.status == "excluded":
            continue
        actions.append(
            Action(
                id=a.id,
                description=a.description,
                category=a.category,
                params=[Param.model_validate(p.model_dump()) for p in a.params],
            )
        )
    return Observation(
        metadata=PageMeta(title=reply.title, url=reply.url, timestamp=reply.timestamp),
        actions=actions,
        browser_actions=list(_BROWSER_ACTIONS[reply.numbering]),
        markdown=(reply.data.markdown or "") if reply.data else "",
        screenshot=_png(reply.screenshot),
        description=reply.space.description if reply.space else "",
    )


def _seconds(ms: str | None) -> str:
    """A wait in ms (the neutral step) as the seconds seed 003's S7 takes."""
    try:
        value = float(ms or 1000) / 1000
    except ValueError as exc:
        raise InvalidRequest(f"wait takes milliseconds, not {ms!r}", "e.g. `wait 500`") from exc
    return f"{value:g}"


def step_fields(request: StepRequest, numbering: Numbering = "seed") -> dict[str, Any]:
    """`action_id`, `value` and `enter` for a neutral step, in the server's S-id numbering.

    A 1.3.0 server also gets `max_steps` (its SDK sends it), which tells a server that
    serves both numberings (stepdeck) which one the S-ids are in.
    """
    if request.type == "command":
        raise Unsupported(
            "Notte's first API runs no natural-language commands",
            "pick an action id (B3) or a browser action (goto, back)",
        )
    extra: dict[str, Any] = {"max_steps": 20} if numbering == "v13" else {}
    if request.id:
        value = request.value
        if request.type in ("check", "uncheck"):
            value = "true" if request.type == "check" else "false"
        elif request.type == "click":
            value = None
        return {"action_id": request.id, "value": value, "enter": request.enter or None, **extra}
    ids = BROWSER_IDS_V13 if numbering == "v13" else SPECIAL_IDS
    if request.type not in ids:
        which = "notte 1.3.0's" if numbering == "v13" else "seed 003's (notte 1.1.1)"
        known = ", ".join(sorted(ids, key=lambda n: int(ids[n][1:])))
        raise Unsupported(
            f"Notte's first API has no {request.type.replace('_', ' ')} action "
            f"({which} browser actions: {known})",
            "use an element id or one of those actions",
        )
    value: str | None = None
    if request.type in ("goto", "new_tab"):
        value = request.url
    elif request.type == "press_key":
        value = request.key
    elif request.type == "switch_tab":
        value = str(request.index or 0)
    elif request.type == "wait":
        value = _seconds(request.value) if numbering == "seed" else str(int(request.value or 1000))
    elif request.type == "done":
        value = request.value
    return {"action_id": ids[request.type], "value": value, **extra}


def schema_for_v13(schema: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """A JSON schema notte 1.3.0 accepts (an object with `properties`, no `$defs`).

    Returns the schema and, for a top-level array, the property the records travel in.
    """
    flat = resolve_refs(schema)
    if flat.get("type") == "array" or "properties" not in flat:
        return {"type": "object", "properties": {"items": flat}}, "items"
    return flat, None


class NotteEnvClient(HttpProvider):
    """A host serving Notte's first API, as a Provider."""

    def __init__(
        self, config: ProviderConfig, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        super().__init__(
            config,
            label="Notte (env API)",
            base_url=DEFAULT_BASE_URL,
            auth=lambda key: {"Authorization": f"Bearer {key}"},
            transport=transport,
        )
        self._sessions: dict[str, Session] = {}
        self._logs: dict[str, list[LogEntry]] = {}
        # which S-id numbering each session's server speaks (from its last answer)
        self._numbering: dict[str, Numbering] = {}
        self.capabilities = Capabilities(
            commands=False,
            console=False,
            network=False,
            tabs=False,
            events=False,
            pause=False,
            missing={
                "commands": "Notte's first API has no agent: pick an action instead",
                "console": "Notte's first API does not expose the browser console",
                "network": "Notte's first API does not expose network requests",
                "tabs": "Notte's first API does not expose tabs",
                "events": "Notte's first API has no live event stream",
                "pause": "Notte's first API cannot hold steps",
            },
        )

    # -- sessions --------------------------------------------------------------

    def _remember_session(self, reply: SessionResponse, **fields: Any) -> Session:
        old = self._sessions.get(reply.session_id) or Session(
            id=reply.session_id, provider=self.name
        )
        update: dict[str, Any] = {"last_accessed_at": reply.last_accessed_at or utcnow()}
        if reply.status:
            update["status"] = SessionStatus(reply.status)
        if reply.created_at:
            update["created_at"] = reply.created_at
        if reply.timeout_minutes:
            update["idle_timeout_minutes"] = reply.timeout_minutes
        if reply.error:
            update["error"] = reply.error
        session = old.model_copy(update={**update, **fields})
        self._sessions[reply.session_id] = session
        return session

    def _known(self, session_id: str) -> Session:
        session = self._sessions.get(session_id)
        if session is None:
            raise SessionNotFound(
                f"{self.label}: session {session_id} was not started from this app",
                "Notte's first API cannot list sessions; start a new one (n)",
            )
        return session

    def _base(self, session_id: str, **fields: Any) -> dict[str, Any]:
        session = self._known(session_id)
        body = {
            "session_id": session_id,
            "keep_alive": True,  # without it the server closes the session after each call
            "session_timeout_minutes": min(30, max(1, round(session.idle_timeout_minutes))),
        }
        body.update({k: v for k, v in fields.items() if v is not None})
        return body

    async def list_sessions(self) -> list[Session]:
        return list(self._sessions.values())

    async def create_session(self, request: CreateSession) -> Session:
        timeout = min(30, max(1, round(request.idle_timeout_minutes)))
        body = {"keep_alive": True, "session_timeout_minutes": timeout}
        reply = await self._http.call(
            "POST", "session/start", SessionResponse, json_body=body, idempotent=False
        )
        session = self._remember(
            reply, label=request.label, status=SessionStatus.ACTIVE, idle_timeout_minutes=timeout
        )
        if request.url:
            obs = await self._observe(reply.session_id, url=request.url, screenshot=False)
            session = self._sessions[session.id] = session.model_copy(
                update={"url": obs.metadata.url, "title": obs.metadata.title}
            )
        return session

    async def get_session(self, session_id: str) -> Session:
        return self._known(session_id)

    async def close_session(self, session_id: str) -> Session:
        self._known(session_id)
        reply = await self._http.call(
            "POST",
            "session/close",
            SessionResponse,
            json_body={"session_id": session_id},
            idempotent=True,
        )
        return self._remember(reply, status=SessionStatus.CLOSED, closed_at=utcnow())

    # -- page ------------------------------------------------------------------

    async def _observe(
        self, session_id: str, *, url: str | None = None, screenshot: bool = True
    ) -> Observation:
        body = self._base(session_id, url=url, screenshot=screenshot)
        # Observing only reads, unless it navigates to `url` first.
        reply = await self._http.call(
            "POST", "env/observe", ObserveResponse, json_body=body, idempotent=url is None
        )
        obs = to_observation(reply)
        self._remember(reply, url=obs.metadata.url, title=obs.metadata.title)
        return obs

    def _remember(self, reply: SessionResponse, **fields: Any) -> Session:
        if isinstance(reply, ObserveResponse) and reply.space is not None:
            self._numbering[reply.session_id] = reply.numbering
        return self._remember_session(reply, **fields)

    async def observe(self, session_id: str, *, screenshot: bool = True) -> Observation:
        return await self._observe(session_id, screenshot=screenshot)

    async def screenshot(self, session_id: str) -> bytes:
        obs = await self._observe(session_id, screenshot=True)
        if obs.screenshot is None:
            raise Unsupported(f"{self.label} sent no screenshot")
        return obs.screenshot

    async def step(self, session_id: str, request: StepRequest) -> StepResult:
        numbering = self._numbering.get(session_id, "seed")
        body = self._base(session_id, screenshot=True, **step_fields(request, numbering))
        started, started_at = time.perf_counter(), utcnow()
        reply = await self._http.call(
            "POST", "env/step", ObserveResponse, json_body=body, idempotent=False
        )
        obs = to_observation(reply)
        session = self._known(session_id)
        self._remember(
            reply, url=obs.metadata.url, title=obs.metadata.title, steps=session.steps + 1
        )
        failed = reply.error is not None
        result = StepResult(
            status=StepStatus.ERROR if failed else StepStatus.DONE,
            success=not failed,
            message=reply.error
            or f"{request.describe()} → {obs.metadata.title or obs.metadata.url}",
            request=request,
            observation=obs,
            started_at=started_at,
            ended_at=utcnow(),
            duration_ms=(time.perf_counter() - started) * 1000,
        )
        log = self._logs.setdefault(session_id, [])
        log.append(
            LogEntry(
                index=len(log),
                type=request.type,
                params=request.model_dump(exclude_defaults=True),
                timestamp=started_at,
                duration_ms=result.duration_ms,
                success=result.success,
                error=reply.error,
                message=result.message,
                url=obs.metadata.url,
            )
        )
        return result

    async def scrape(
        self, session_id: str, *, schema: dict[str, Any] | None = None, **options: Any
    ) -> Any:
        """The page as markdown; with `schema`, the structured items (newer servers only).

        The schema goes out in the form notte 1.3.0 accepts (an object with properties,
        references inlined); a server that ignores `response_format` (notte 1.1.1) is
        refused plainly rather than answered with nothing.
        """
        wrap = None
        if schema is not None:
            schema, wrap = schema_for_v13(schema)
        body = self._base(
            session_id,
            screenshot=False,
            response_format=schema,
            instructions=options.get("instructions"),
            only_main_content=options.get("only_main_content"),
        )
        if schema is not None and self._numbering.get(session_id) == "v13":
            body["max_steps"] = 20
        reply = await self._http.call(
            "POST", "env/scrape", ObserveResponse, json_body=body, idempotent=True
        )
        data = reply.data
        if schema is not None:
            structured = data.structured if data is not None else None
            if hasattr(structured, "success") and not structured.success:  # type: ignore[union-attr]
                raise InvalidRequest(
                    f"{self.label} could not extract that: {structured.error}",  # type: ignore[union-attr]
                    "check the schema against the page",
                )
            records = data.records() if data is not None else None
            if records is None:
                raise Unsupported(
                    f"{self.label} ignored the schema (Notte's first API before 1.3 has no "
                    "structured extraction)",
                    "scrape the page as markdown instead, or use a local session",
                )
            if wrap is not None and isinstance(records, dict) and wrap in records:
                return records[wrap]
            if isinstance(records, list) and len(records) == 1 and wrap in (records[0] or {}):
                return records[0][wrap]
            return records
        return (data.markdown or "") if data else ""

    # -- inspection --------------------------------------------------------------

    async def action_log(self, session_id: str) -> list[LogEntry]:
        """The steps this app sent (the first API keeps no log to read back)."""
        return list(self._logs.get(session_id, []))

    async def health(self, session_id: str) -> Health:
        session = self._known(session_id)
        return Health(ok=session.status.is_live, status=session.status, detail="as last seen")
