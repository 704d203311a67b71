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
from tui.dialects.notte_env.models import SPECIAL_IDS, ObserveResponse, SessionResponse
from tui.errors import SessionNotFound, Unsupported
from tui.model import (
    BROWSER_ACTIONS,
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

# The browser actions the first API knew (its special actions S1..S8).
_BROWSER_ACTIONS = [a for a in BROWSER_ACTIONS if a.name in SPECIAL_IDS]


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
        if a.id in SPECIAL_IDS.values() or a.status == "excluded":
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
        browser_actions=list(_BROWSER_ACTIONS),
        markdown=(reply.data.markdown or "") if reply.data else "",
        screenshot=_png(reply.screenshot),
        description=reply.space.description if reply.space else "",
    )


def step_fields(request: StepRequest) -> dict[str, Any]:
    """`action_id`, `value` and `enter` for a neutral step."""
    if request.type == "command":
        raise Unsupported(
            "Notte's first API runs no natural-language commands",
            "pick an action id (B3) or a browser action (goto, back)",
        )
    if request.id:
        return {"action_id": request.id, "value": request.value, "enter": request.enter or None}
    if request.type in SPECIAL_IDS:
        value = request.url if request.type == "goto" else request.value
        return {"action_id": SPECIAL_IDS[request.type], "value": value}
    # Not one of Notte's special actions: sent by name (`stepdeck serve` runs these).
    value = request.url or request.key or request.value
    if value is None and request.index is not None:
        value = str(request.index)
    return {"action_id": request.type, "value": value}


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

    def _remember(self, reply: SessionResponse, **fields: Any) -> Session:
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

    async def observe(self, session_id: str, *, screenshot: bool = True) -> Observation:
        return await self._observe(session_id, screenshot=screenshot)

    async def screenshot(self, session_id: str) -> bytes:
        obs = await self._observe(session_id, screenshot=True)
        if obs.screenshot is None:
            raise Unsupported(f"{self.label} sent no screenshot")
        return obs.screenshot

    async def step(self, session_id: str, request: StepRequest) -> StepResult:
        body = self._base(session_id, screenshot=True, **step_fields(request))
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
        """The page as markdown; with `schema`, the structured items (newer servers only)."""
        body = self._base(
            session_id,
            screenshot=False,
            response_format=schema,
            instructions=options.get("instructions"),
            only_main_content=options.get("only_main_content"),
        )
        reply = await self._http.call(
            "POST", "env/scrape", ObserveResponse, json_body=body, idempotent=True
        )
        data = reply.data
        if schema is not None:
            if data is None or data.structured is None:
                raise Unsupported(f"{self.label} returned no structured data for that schema")
            return data.structured
        return (data.markdown or "") if data else ""

    # -- inspection --------------------------------------------------------------

    async def action_log(self, session_id: str) -> list[LogEntry]:
        """The steps this app sent (the first API keeps no log to read back)."""
        return list(self._logs.get(session_id, []))

    async def health(self, session_id: str) -> Health:
        session = self._known(session_id)
        return Health(ok=session.status.is_live, status=session.status, detail="as last seen")
