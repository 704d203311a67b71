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
from pydantic_core import to_json

from tui.dialects.notte.routes import shape_extracted, split_schema
from tui.dialects.notte_env.models import (
    BROWSER_ACTIONS_V13,
    SPECIAL_ACTIONS,
    ActionModel,
    ActionParameter,
    ActionSpaceResponse,
    DataSpaceResponse,
    Numbering,
    ObserveRequest,
    ObserveResponse,
    ScrapeRequest,
    SessionRequest,
    SessionResponse,
    StructuredData,
    action_table,
)
from tui.dialects.notte_env.models import StepRequest as EnvStepRequest
from tui.dialects.request_ids import asked_by_client, read_request_id
from tui.engine import registry
from tui.errors import InvalidRequest, SessionGone, StepdeckError
from tui.model import (
    CreateSession,
    Observation,
    Session,
    SessionStatus,
    StepRequest,
    utcnow,
)
from tui.offload import off_loop
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


_DESCRIPTIONS = {a.name: a.description for a in registry.BROWSER} | {
    "screenshot": "Take a screenshot of the current page",
    "done": "Terminate the session",
}


def _takes_value(name: str) -> bool:
    """Whether a browser action takes its one parameter as `value` here (the registry says)."""
    spec = registry.spec(name)
    return spec is not None and spec.wire is not None and bool(spec.wire.params)


def _s_actions(table: dict[str, str]) -> list[ActionModel]:
    return [
        ActionModel(
            id=sid,
            description=_DESCRIPTIONS.get(name, name),
            category="Special Browser Actions",
            params=[ActionParameter(name="value", type="string")] if _takes_value(name) else [],
        )
        for sid, name in table.items()
    ]


def observe_response(
    session: Session,
    obs: Observation,
    *,
    screenshot: bool,
    max_nb_actions: int | None = None,
    space: bool = True,
    data: DataSpaceResponse | None = None,
    error: str | None = None,
) -> dict[str, Any]:
    """One answer both SDK generations and seed 003 read.

    Seed 003's flat fields (`session_id`, `title`, `url`, `timestamp`, ...) sit beside
    the SDKs' nested ones (`session`, `metadata`, `progress`); the space lists the
    S-actions in both numberings (`special_actions`: 1.1.1 and seed, `browser_actions`:
    1.3.0).
    """
    actions = obs.actions[:max_nb_actions] if max_nb_actions else obs.actions
    sess = session_response(session)
    if error:
        sess.error = error
    flat = ObserveResponse(
        session_id=sess.session_id,
        title=obs.metadata.title,
        url=obs.metadata.url,
        timestamp=obs.metadata.timestamp,
        screenshot=obs.screenshot_b64 if screenshot else None,
        data=data if data is not None else DataSpaceResponse(markdown=obs.markdown or None),
        space=ActionSpaceResponse(
            description=obs.description or _describe(obs),
            markdown=obs.markdown or None,
            actions=[
                ActionModel(
                    id=a.id,
                    description=a.description or a.id,
                    category=a.category or "Interaction Actions",
                    params=[ActionParameter.model_validate(p.model_dump()) for p in a.params],
                )
                for a in actions
            ],
            special_actions=_s_actions(SPECIAL_ACTIONS),
            browser_actions=_s_actions(BROWSER_ACTIONS_V13),
        )
        if space
        else None,
    )
    # Only seed 003's flat fields at the top: both SDKs refuse an answer whose `status`
    # is not an HTTP status, so the session's status lives in `session` only.
    body = flat.model_dump(
        mode="json",
        include={"session_id", "title", "url", "timestamp", "screenshot", "data", "space"},
    )
    v = obs.metadata.viewport
    body["session"] = sess.model_dump(mode="json")
    body["metadata"] = {
        "title": obs.metadata.title,
        "url": obs.metadata.url,
        "timestamp": body["timestamp"],
        "viewport": {
            "scroll_x": v.scroll_x,
            "scroll_y": v.scroll_y,
            "viewport_width": v.width,
            "viewport_height": v.height,
            "total_width": v.page_width or v.width,
            "total_height": v.page_height or v.height,
        },
        "tabs": [{"tab_id": t.index, "title": t.title, "url": t.url} for t in obs.metadata.tabs],
    }
    body["progress"] = {"current_step": session.steps, "max_steps": 20}
    return body


async def answered(session: Session, obs: Observation, **kwargs: Any) -> Response:
    """`observe_response(...)` as a JSON answer, built and serialised in a worker thread: on a
    5,000-action page, its models and FastAPI's encoding of the dict held `stepdeck serve`'s
    event loop (and every other session's requests) for tens of milliseconds."""

    def build() -> bytes:
        return to_json(observe_response(session, obs, **kwargs))

    data = await off_loop(build, size=obs.weight())
    return Response(content=data, media_type="application/json")


def _describe(obs: Observation) -> str:
    title = obs.metadata.title or obs.metadata.url or "this page"
    return f"{len(obs.actions)} actions on {title}"


_FALSE = ("false", "0", "off", "no")


def neutral_step(
    action_id: str, value: str | None, enter: bool | None, numbering: Numbering = "seed"
) -> StepRequest | None:
    """Notte's `action_id` (an element id, an S-id, or a browser action name) as a step.

    S-ids are read in the request's numbering (seed 003 / 1.1.1, or 1.3.0). None for
    S3 in seed numbering (screenshot): nothing to do but observe.
    """
    table = action_table(numbering)
    if action_id.startswith("S") and action_id not in table:
        known = ", ".join(f"{k} {v}" for k, v in table.items())
        raise InvalidRequest(f"unknown action {action_id}", f"the S-actions here are: {known}")
    name = table.get(action_id) or ("goto" if action_id == "navigate" else action_id)
    if name == "screenshot":
        return None
    if name == "wait" and action_id.startswith("S"):
        try:
            amount = float(value or (1 if numbering == "seed" else 1000))
        except ValueError as exc:
            raise InvalidRequest(f"{action_id} (wait) takes a number, not {value!r}") from exc
        # seed 003's S7 waits seconds; 1.3.0's S11 milliseconds; a step's wait takes ms
        value = str(round(amount * 1000 if numbering == "seed" else amount))
    spec = registry.spec(name)
    if spec is not None and spec.wire is not None:  # a browser action (registry)
        if spec.arg == "url":
            if not value:
                raise InvalidRequest(f"{action_id} needs the url as `value`")
            return StepRequest(source="api", type=name, url=value)
        if spec.arg == "key":
            if not value:
                raise InvalidRequest(f"{action_id} needs the key as `value`", 'e.g. "Enter"')
            return StepRequest(source="api", type=name, key=value)
        if spec.arg == "index":
            try:
                index = int(value) if value else None
            except ValueError as exc:
                raise InvalidRequest(f"{action_id} takes a tab index, not {value!r}") from exc
            return StepRequest(source="api", type=name, index=index)
        if spec.arg is None:  # back, scroll, ...: nothing to pass
            return StepRequest(source="api", type=name)
        return StepRequest(source="api", type=name, value=value)
    if name == "click_xy":
        raise InvalidRequest("Notte's first API has no click_xy", "pick an element id")
    # A button-like element with true/false is a checkbox set (uncheck is not check).
    if action_id[:1] == "B" and value is not None and value.lower() in ("true", "on", *_FALSE):
        kind = "uncheck" if value.lower() in _FALSE else "check"
        return StepRequest(source="api", type=kind, id=action_id)
    if value == "":
        value = None
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

    api = APIRouter(
        route_class=_Route,
        tags=["notte_env"],
        # the token first; then the client's own id for its steps (X-Request-Id)
        dependencies=[Depends(guard), Depends(read_request_id)],
    )

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

    @api.post("/env/observe", response_model=None)
    async def observe(request: Request) -> Response:
        req = await _body(request, ObserveRequest)
        async with using(req) as session:
            if req.url:
                await provider.step(
                    session.id, asked_by_client(StepRequest(source="api", type="goto", url=req.url))
                )
            shot = req.screenshot is not False
            obs = await provider.observe(session.id, screenshot=shot)
            session = await finish(req, session)
            return await answered(session, obs, screenshot=shot, max_nb_actions=req.max_nb_actions)

    @api.post("/env/step", response_model=None)
    async def step(request: Request) -> Response:
        req = await _body(request, EnvStepRequest)
        async with using(req) as session:
            neutral = neutral_step(req.action_id, req.value, req.enter, req.numbering)
            result = await provider.step(session.id, asked_by_client(neutral)) if neutral else None
            shot = req.screenshot is not False
            if neutral is not None and neutral.type == "done":
                req.keep_alive = False  # S8: terminate the session
            obs = result.observation if result else None
            if obs is None or (shot and obs.screenshot is None):
                obs = await provider.observe(session.id, screenshot=shot)
            session = await finish(req, session)
            return await answered(
                session,
                obs,
                screenshot=shot,
                max_nb_actions=req.max_nb_actions,
                error=None if result is None or result.success else (result.message or "failed"),
            )

    @api.post("/env/scrape", response_model=None)
    async def scrape(request: Request) -> Response:
        req = await _body(request, ScrapeRequest)
        if req.session_id is None and req.url is None:
            raise InvalidRequest("Either url or session_id needs to be provided")
        async with using(req) as session:
            if req.url:
                await provider.step(
                    session.id, asked_by_client(StepRequest(source="api", type="goto", url=req.url))
                )
            markdown = await provider.scrape(session.id)
            structured: Any = None
            if req.response_format:
                options = {"instructions": req.instructions} if req.instructions else {}
                records, wrap, single = split_schema(req.response_format)
                items = await provider.scrape(session.id, schema=records, **options)
                shaped = shape_extracted(items, wrap, single)
                if "max_steps" in req.model_fields_set:  # notte 1.3.0: StructuredData
                    structured = StructuredData(data=shaped)
                else:  # seed 003 / 1.1.1: a list of records
                    structured = shaped if isinstance(shaped, list) else [shaped]
            shot = bool(req.screenshot)
            obs = await provider.observe(session.id, screenshot=shot)
            session = await finish(req, session)
            data = DataSpaceResponse(
                markdown=markdown if isinstance(markdown, str) else json.dumps(markdown),
                structured=structured,
            )
            return await answered(session, obs, screenshot=shot, space=False, data=data)

    return api
