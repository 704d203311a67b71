"""Notte's first API served from any Provider (mounted at the root by `stepdeck serve`).

Bad input answers 400 (as that API did), an unknown session 404, a closed one
410. `Authorization: Bearer <token>` must carry the server's token.
"""

from __future__ import annotations

import contextlib
import json
import secrets
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError

from tui.dialects.notte_env.models import (
    SPECIAL_ACTIONS,
    ActionModel,
    ActionParameter,
    ActionSpaceResponse,
    DataSpaceResponse,
    ObserveRequest,
    ObserveResponse,
    ScrapeRequest,
    SessionRequest,
    SessionResponse,
)
from tui.dialects.notte_env.models import StepRequest as EnvStepRequest
from tui.errors import InvalidRequest, SessionGone, StepdeckError
from tui.model import (
    BROWSER_ACTION_NAMES,
    CreateSession,
    Observation,
    Session,
    SessionStatus,
    StepRequest,
    utcnow,
)
from tui.providers.base import Provider


def _error(exc: StepdeckError) -> JSONResponse:
    status = 400 if isinstance(exc, InvalidRequest) else exc.http_status
    return JSONResponse({"detail": exc.message, "hint": exc.hint}, status_code=status)


class _Route(APIRoute):
    """Typed errors become `{detail, hint}` with the API's status (400 for bad input)."""

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except StepdeckError as exc:
                return _error(exc)

        return route


async def _body[M: BaseModel](request: Request, model: type[M]) -> M:
    """Parse the JSON body ourselves so that bad input is a 400, not FastAPI's 422."""
    try:
        data = json.loads(await request.body() or b"{}")
    except ValueError as exc:
        raise InvalidRequest("the body is not JSON", "send a JSON object") from exc
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first.get("loc", ())) or "body"
        raise InvalidRequest(f"{where}: {first.get('msg')}", "fix the request and retry") from exc


def session_response(session: Session) -> SessionResponse:
    status = {
        SessionStatus.CREATING: "active",
        SessionStatus.ACTIVE: "active",
        SessionStatus.CLOSED: "closed",
        SessionStatus.ENDED: "closed",
        SessionStatus.TIMED_OUT: "timed_out",
        SessionStatus.ERROR: "error",
    }[session.status]
    return SessionResponse(
        session_id=session.id,
        timeout_minutes=round(session.idle_timeout_minutes),
        created_at=session.created_at,
        last_accessed_at=session.last_accessed_at,
        duration=(session.closed_at or utcnow()) - session.created_at,
        status=status,
        error=session.error,
    )


def observe_response(
    session: Session,
    obs: Observation,
    *,
    screenshot: bool,
    max_nb_actions: int | None = None,
    space: bool = True,
    data: DataSpaceResponse | None = None,
    error: str | None = None,
) -> ObserveResponse:
    actions = obs.actions[:max_nb_actions] if max_nb_actions else obs.actions
    base = session_response(session).model_dump()
    base["error"] = error or base["error"]
    return ObserveResponse(
        **base,
        title=obs.metadata.title,
        url=obs.metadata.url,
        timestamp=obs.metadata.timestamp,
        screenshot=obs.screenshot_b64 if screenshot else None,
        data=data if data is not None else DataSpaceResponse(markdown=obs.markdown or None),
        space=ActionSpaceResponse(
            description=obs.description or f"{len(obs.actions)} actions on {obs.metadata.title}",
            actions=[
                ActionModel(
                    id=a.id,
                    description=a.description,
                    category=a.category,
                    params=[ActionParameter.model_validate(p.model_dump()) for p in a.params],
                )
                for a in actions
            ],
        )
        if space
        else None,
    )


def neutral_step(action_id: str, value: str | None, enter: bool | None) -> StepRequest | None:
    """Notte's `action_id` (an element id, S1..S8, or a browser action name) as a step.

    None for S3 (screenshot): nothing to do but observe.
    """
    name = SPECIAL_ACTIONS.get(action_id) or ("goto" if action_id == "navigate" else action_id)
    if name == "screenshot":
        return None
    if name == "wait" and action_id == "S7" and value:
        value = str(round(float(value) * 1000))  # S7 waits seconds; `wait` takes ms
    if name in BROWSER_ACTION_NAMES:
        if name in ("goto", "new_tab"):
            if not value:
                raise InvalidRequest(f"{action_id} needs the url as `value`")
            return StepRequest(source="api", type=name, url=value)
        if name == "press_key":
            return StepRequest(source="api", type=name, key=value)
        if name in ("switch_tab", "close_tab"):
            return StepRequest(source="api", type=name, index=int(value) if value else None)
        return StepRequest(source="api", type=name, value=value)
    return StepRequest(source="api", type="auto", id=action_id, value=value, enter=bool(enter))


def router(provider: Provider, *, token: str | None = None) -> APIRouter:
    """The /session and /env routes over `provider`.

    `stepdeck serve` checks the token itself (DIALECTS in tui/server.py); given
    `token`, the router checks `Authorization: Bearer` on its own (standalone use).
    """

    async def guard(request: Request) -> None:
        if token is None:
            return
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not secrets.compare_digest(given.strip(), token):
            raise HTTPException(
                401,
                detail="missing or wrong bearer token: send the stepdeck server's token",
                headers={"WWW-Authenticate": "Bearer"},
            )

    api = APIRouter(route_class=_Route, tags=["notte_env"], dependencies=[Depends(guard)])

    async def open_session(req: SessionRequest) -> Session:
        if req.session_id is None:
            return await provider.create_session(
                CreateSession(idle_timeout_minutes=req.session_timeout_minutes)
            )
        session = await provider.get_session(req.session_id)
        if not session.status.is_live:
            raise SessionGone(f"session {req.session_id} is {session.status.value}")
        return session

    @contextlib.asynccontextmanager
    async def using(req: SessionRequest) -> AsyncIterator[Session]:
        """The request's session; one made for a single call is closed if the call fails."""
        created = req.session_id is None
        session = await open_session(req)
        try:
            yield session
        except StepdeckError:
            if created and not req.keep_alive:
                with contextlib.suppress(StepdeckError):
                    await provider.close_session(session.id)
            raise

    async def finish(req: SessionRequest, session: Session) -> Session:
        # The first API closed a session after each call unless told to keep it.
        if not req.keep_alive:
            return await provider.close_session(session.id)
        return await provider.get_session(session.id)

    @api.post("/session/start", response_model=SessionResponse)
    async def start(request: Request) -> SessionResponse:
        req = await _body(request, SessionRequest)
        req.keep_alive = True  # a started session outlives the call
        return session_response(await open_session(req))

    @api.post("/session/close", response_model=SessionResponse)
    async def close(request: Request) -> SessionResponse:
        req = await _body(request, SessionRequest)
        if not req.session_id:
            raise InvalidRequest("session_id is required to close a session")
        return session_response(await provider.close_session(req.session_id))

    @api.post("/env/observe", response_model=ObserveResponse)
    async def observe(request: Request) -> ObserveResponse:
        req = await _body(request, ObserveRequest)
        async with using(req) as session:
            if req.url:
                await provider.step(session.id, StepRequest(source="api", type="goto", url=req.url))
            shot = req.screenshot is not False
            obs = await provider.observe(session.id, screenshot=shot)
            session = await finish(req, session)
            return observe_response(
                session, obs, screenshot=shot, max_nb_actions=req.max_nb_actions
            )

    @api.post("/env/step", response_model=ObserveResponse)
    async def step(request: Request) -> ObserveResponse:
        req = await _body(request, EnvStepRequest)
        async with using(req) as session:
            neutral = neutral_step(req.action_id, req.value, req.enter)
            result = await provider.step(session.id, neutral) if neutral else None
            shot = req.screenshot is not False
            if neutral is not None and neutral.type == "done":
                req.keep_alive = False  # S8: terminate the session
            obs = result.observation if result else None
            if obs is None or (shot and obs.screenshot is None):
                obs = await provider.observe(session.id, screenshot=shot)
            session = await finish(req, session)
            return observe_response(
                session,
                obs,
                screenshot=shot,
                max_nb_actions=req.max_nb_actions,
                error=None if result is None or result.success else (result.message or "failed"),
            )

    @api.post("/env/scrape", response_model=ObserveResponse)
    async def scrape(request: Request) -> ObserveResponse:
        req = await _body(request, ScrapeRequest)
        if req.session_id is None and req.url is None:
            raise InvalidRequest("Either url or session_id needs to be provided")
        async with using(req) as session:
            if req.url:
                await provider.step(session.id, StepRequest(source="api", type="goto", url=req.url))
            markdown = await provider.scrape(session.id)
            structured: Any = None
            if req.response_format:
                options = {"instructions": req.instructions} if req.instructions else {}
                items = await provider.scrape(session.id, schema=req.response_format, **options)
                structured = items if isinstance(items, list) else [items]
            shot = bool(req.screenshot)
            obs = await provider.observe(session.id, screenshot=shot)
            session = await finish(req, session)
            data = DataSpaceResponse(
                markdown=markdown if isinstance(markdown, str) else json.dumps(markdown),
                structured=structured,
            )
            return observe_response(session, obs, screenshot=shot, space=False, data=data)

    return api
