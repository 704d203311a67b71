"""ThinkRun's API served from any Provider (mounted at /api by `stepdeck serve`).

Elements are addressed by CSS selector, as ThinkRun does: a selector is
matched against the selectors of the page's actions (listed by `snapshot`),
so an agent that reads the snapshot can click anything on it.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import re
import secrets
from collections.abc import Callable
from json.encoder import encode_basestring
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute

from tui.dialects.engine_pages import with_selectors
from tui.dialects.request_ids import asked_by_client, read_request_id
from tui.dialects.thinkrun.models import (
    API_KEY_HEADER,
    ActionEntry,
    ActionList,
    ArtifactList,
    AxNode,
    ClickRequest,
    ConsoleEntry,
    ConsoleList,
    ControlResponse,
    CreateSessionRequest,
    CreateSessionResponse,
    FillRequest,
    HealthResponse,
    HistoryRequest,
    NavigateRequest,
    NetworkEntry,
    NetworkList,
    PressRequest,
    ScreenshotResponse,
    ScrollRequest,
    SelectRequest,
    SessionDetail,
    SessionList,
    SessionSummary,
    SnapshotElement,
    SnapshotResponse,
    SuccessResponse,
    TypeRequest,
)
from tui.errors import ActionNotFound, InvalidRequest, StepdeckError
from tui.model import (
    Action,
    CreateSession,
    Observation,
    Session,
    SessionStatus,
    StepRequest,
    StepResult,
    utcnow,
)
from tui.offload import off_loop
from tui.providers.base import Provider

_STATUS = {
    SessionStatus.CREATING: "creating",
    SessionStatus.ACTIVE: "running",
    SessionStatus.CLOSED: "completed",
    SessionStatus.ENDED: "completed",
    SessionStatus.ERROR: "failed",
    SessionStatus.TIMED_OUT: "timeout",
}
_URL = re.compile(r"^(https?|about|file|data):|^[\w.-]+\.[a-z]{2,}(/\S*)?$", re.I)


def api_key(request: Request) -> str | None:
    """The key as a ThinkRun client sends it: `X-API-Key`, or `Authorization: Bearer`."""
    key = request.headers.get(API_KEY_HEADER)
    if key:
        return key.strip()
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


class _Route(APIRoute):
    """Typed errors become `{success: false, error, message, hint}` with their status."""

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except StepdeckError as exc:
                return JSONResponse(
                    {
                        "success": False,
                        "error": type(exc).__name__,
                        "message": exc.message,
                        "hint": exc.hint,
                    },
                    status_code=exc.http_status,
                )

        return route


class NoElement(ActionNotFound):
    """A selector that matches nothing: ThinkRun answers 404 (the session is fine)."""

    http_status = 404

    def __init__(self, selector: str, known: list[str]) -> None:
        super().__init__(selector, known)
        self.message = f"Element not found: no element of the page matches {selector!r}"
        self.hint = "use a selector from POST /api/sessions/{id}/snapshot; " + self.hint


def _detail(session: Session) -> SessionDetail:
    end = session.closed_at or utcnow()
    return SessionDetail(
        sessionId=session.id,
        status=_STATUS[session.status],
        currentUrl=session.url or None,
        title=session.title or None,
        actionCount=session.steps,
        duration=round((end - session.created_at).total_seconds() * 1000),
        createdAt=session.created_at,
    )


def _control(result: StepResult, *, before: str = "") -> ControlResponse:
    meta = result.observation.metadata if result.observation else None
    url = meta.url if meta else None
    return ControlResponse(
        success=result.success,
        url=url,
        title=meta.title if meta else None,
        navigated=(url != before) if before and url else None,
        error=None if result.success else result.message,
    )


def snapshot_response(obs: Observation) -> SnapshotResponse:
    """The page as ThinkRun's snapshot: its accessibility tree (one node per action) and
    stepdeck's `elements` (ids with CSS selectors) and markdown."""
    elements: list[Any] = [
        SnapshotElement(
            id=a.id,
            selector=a.selector or a.id,
            role=a.role,
            tag=a.tag,
            description=a.description,
            category=a.category,
            value=a.value,
            href=a.href,
            takesValue=a.takes_value,
        )
        for a in obs.actions
    ]
    tree = AxNode(
        role="RootWebArea",
        name=obs.metadata.title,
        children=[
            AxNode(
                role=a.role or "generic",
                name=a.description,
                value=a.value,
                checked=a.checked,
                href=a.href,
                selector=a.selector,
                ref=a.id,
            )
            for a in obs.actions
        ],
    )
    return SnapshotResponse(
        url=obs.metadata.url,
        title=obs.metadata.title,
        snapshot=tree,
        markdown=obs.markdown,
        elements=elements,
    )


def snapshot_json(obs: Observation, *, exclude_none: bool) -> bytes:
    """`snapshot_response(obs)` as the JSON FastAPI wrote from the route's response model
    (nulls left out with `exclude_none`, as the route says), its two entries per action
    written directly instead of two models each (~100-250 ms of models and serialisation on
    the event loop for a 5,000-action page). CPU work for a worker thread."""
    page = obs.model_copy(update={"actions": []})
    head = _SNAPSHOT.to_json(snapshot_response(page), exclude_none=exclude_none)
    root = _AX_NODE.to_json(
        AxNode(role="RootWebArea", name=obs.metadata.title), exclude_none=exclude_none
    )
    at = head.find(b'"snapshot":' + root)
    assert at > 0 and root.endswith(b'"children":[]}') and head.endswith(b'"elements":[]}')
    at += len(b'"snapshot":') + len(root) - 2  # just past the root's `"children":[`
    null = "null"

    def opt(key: str, text: str | None) -> str:
        if text is None:
            return "" if exclude_none else f',"{key}":{null}'
        return f',"{key}":{encode_basestring(text)}'

    children = ",".join(
        [
            f'{{"role":{encode_basestring(a.role or "generic")},'
            f'"name":{encode_basestring(a.description)}{opt("value", a.value)}'
            + (
                ("" if exclude_none else ',"checked":null')
                if a.checked is None
                else (',"checked":true' if a.checked else ',"checked":false')
            )
            + f"{opt('href', a.href)}{opt('selector', a.selector)},"
            f'"ref":{encode_basestring(a.id)},"children":[]}}'
            for a in obs.actions
        ]
    )
    elements = ",".join(
        [
            f'{{"id":{encode_basestring(a.id)},"selector":{encode_basestring(a.selector or a.id)},'
            f'"role":{encode_basestring(a.role)},"tag":{encode_basestring(a.tag)},'
            f'"description":{encode_basestring(a.description)},'
            f'"category":{encode_basestring(a.category)}{opt("value", a.value)}'
            f'{opt("href", a.href)},"takesValue":{"true" if a.takes_value else "false"}}}'
            for a in obs.actions
        ]
    )
    return b"".join((head[:at], children.encode(), head[at:-2], elements.encode(), b"]}"))


_SNAPSHOT = SnapshotResponse.__pydantic_serializer__
_AX_NODE = AxNode.__pydantic_serializer__


def router(provider: Provider, *, token: str | None = None) -> APIRouter:
    """ThinkRun's /api routes over `provider`.

    `stepdeck serve` checks the token itself (DIALECTS in tui/server.py); given
    `token`, the router checks `X-API-Key` or `Authorization: Bearer` on its own.
    """

    async def guard(request: Request) -> None:
        if token is None:
            return
        given = api_key(request)
        if not given or not secrets.compare_digest(given, token):
            raise HTTPException(
                401, detail=f"missing or wrong API key: send the server's token as {API_KEY_HEADER}"
            )

    api = APIRouter(
        route_class=_Route,
        tags=["thinkrun"],
        # the token first; then the client's own id for its steps (X-Request-Id)
        dependencies=[Depends(guard), Depends(read_request_id)],
    )
    background: set[asyncio.Task] = set()

    async def step(session_id: str, request: StepRequest) -> StepResult:
        return await provider.step(session_id, asked_by_client(request))

    async def observed(session_id: str) -> Observation:
        """The page now, each action with its selector (how ThinkRun's clients address it)."""
        obs = await provider.observe(session_id, screenshot=False)
        return await with_selectors(provider, session_id, obs)

    def match(obs: Observation, selector: str) -> Action | None:
        for action in obs.actions:
            if action.selector == selector:
                return action
        return obs.action(selector)  # an id such as B3 works too

    async def element(session_id: str, selector: str) -> Action:
        obs = await provider.observe(session_id, screenshot=False)
        # A selector the observation carries (`#id`) or an action id is found without
        # writing every other action's selector (on a big page, hundreds of ms, some of it
        # on serve's event loop): those only when it is not.
        found = match(obs, selector)
        if found is None:
            obs = await with_selectors(provider, session_id, obs)
            found = match(obs, selector)
        if found is not None:
            return found
        raise NoElement(selector, [a.selector or a.id for a in obs.actions][:12])

    @api.post("/sessions", response_model=CreateSessionResponse)
    async def create(body: CreateSessionRequest) -> CreateSessionResponse:
        prompt = (body.initialPrompt or "").strip()
        is_url = bool(prompt) and bool(_URL.match(prompt))
        request = CreateSession(url=prompt if is_url else None)
        viewport = body.options.viewport if body.options else None
        if viewport:
            request.viewport_width, request.viewport_height = viewport.width, viewport.height
        session = await provider.create_session(request)
        if prompt and not is_url:
            # A task on startup runs while the client polls, as on ThinkRun.
            task = asyncio.create_task(
                provider.step(
                    session.id,
                    asked_by_client(StepRequest(source="api", type="command", cmd=prompt)),
                )
            )
            background.add(task)
            task.add_done_callback(background.discard)
        # ThinkRun answers "creating" first; the local browser is ready by the next GET.
        return CreateSessionResponse(sessionId=session.id, status="creating", machineId="local")

    @api.get("/sessions", response_model=SessionList)
    async def list_sessions(
        limit: int = Query(30, ge=1, le=100),
        offset: int = Query(0, ge=0),
        includeTerminated: bool = False,
    ) -> SessionList:
        sessions = [
            s for s in await provider.list_sessions() if includeTerminated or s.status.is_live
        ]
        page = sessions[offset : offset + limit]
        return SessionList(
            sessions=[
                SessionSummary(
                    sessionId=s.id,
                    status=_STATUS[s.status],
                    currentUrl=s.url or None,
                    createdAt=s.created_at,
                    navigationCount=s.steps,
                )
                for s in page
            ],
            total=len(sessions),
            hasMore=offset + len(page) < len(sessions),
        )

    @api.get("/sessions/{session_id}", response_model=SessionDetail)
    async def get(session_id: str) -> SessionDetail:
        return _detail(await provider.get_session(session_id))

    @api.delete("/sessions/{session_id}", response_model=SuccessResponse)
    async def delete(session_id: str) -> SuccessResponse:
        await provider.close_session(session_id)
        return SuccessResponse(success=True, message="Session terminated")

    @api.get("/sessions/{session_id}/actions", response_model=ActionList)
    async def actions(
        session_id: str, offset: int = Query(0, ge=0), limit: int = Query(100, ge=1)
    ) -> ActionList:
        log = await provider.action_log(session_id)
        return ActionList(
            actions=[
                ActionEntry(
                    type=e.type,
                    timestamp=e.timestamp,
                    success=e.success,
                    details={**e.params, **({"url": e.url} if e.url else {})},
                    duration=e.duration_ms,
                    error=e.error,
                )
                for e in log[offset : offset + limit]
            ],
            total=len(log),
        )

    @api.get("/sessions/{session_id}/artifacts", response_model=ArtifactList)
    async def artifacts(session_id: str) -> ArtifactList:
        await provider.get_session(session_id)  # 404 for an unknown session
        # The local engine records no video; screenshots live in stepdeck's store.
        return ArtifactList()

    @api.get("/sessions/{session_id}/health", response_model=HealthResponse)
    async def health(session_id: str) -> HealthResponse:
        h = await provider.health(session_id)
        return HealthResponse(
            status="healthy" if h.ok else "unhealthy",
            sessionState=_STATUS[h.status],
            browserResponsive=h.ok,
            message=h.detail or None,
        )

    @api.get("/sessions/{session_id}/console", response_model=ConsoleList)
    async def console(session_id: str) -> ConsoleList:
        return ConsoleList(
            logs=[
                ConsoleEntry(level=m.level, text=m.text, timestamp=m.timestamp, url=m.url or None)
                for m in await provider.console(session_id)
            ]
        )

    @api.get("/sessions/{session_id}/network", response_model=NetworkList)
    async def network(session_id: str) -> NetworkList:
        return NetworkList(
            requests=[
                NetworkEntry(
                    url=n.url,
                    method=n.method,
                    status=n.status,
                    resourceType=n.resource_type or None,
                    duration=n.duration_ms,
                    size=n.size,
                    failure=n.failure,
                    timestamp=n.timestamp,
                )
                for n in await provider.network(session_id)
            ]
        )

    @api.post("/sessions/{session_id}/navigate", response_model=ControlResponse)
    async def navigate(session_id: str, body: NavigateRequest) -> ControlResponse:
        return _control(
            await step(session_id, StepRequest(source="api", type="goto", url=body.url))
        )

    async def history(session_id: str, kind: str) -> ControlResponse:
        before = (await provider.get_session(session_id)).url
        return _control(await step(session_id, StepRequest(source="api", type=kind)), before=before)

    @api.post("/sessions/{session_id}/go-back", response_model=ControlResponse)
    async def go_back(session_id: str, body: HistoryRequest | None = None) -> ControlResponse:
        return await history(session_id, "back")

    @api.post("/sessions/{session_id}/go-forward", response_model=ControlResponse)
    async def go_forward(session_id: str, body: HistoryRequest | None = None) -> ControlResponse:
        return await history(session_id, "forward")

    @api.post("/sessions/{session_id}/click", response_model=ControlResponse)
    async def click(session_id: str, body: ClickRequest) -> ControlResponse:
        target = await element(session_id, body.selector)
        reply = _control(
            await step(session_id, StepRequest(source="api", type="click", id=target.id))
        )
        reply.selector = body.selector
        return reply

    @api.post("/sessions/{session_id}/type", response_model=ControlResponse)
    async def type_text(session_id: str, body: TypeRequest) -> ControlResponse:
        target = await element(session_id, body.selector)
        # Typing appends to what the field holds; a trailing newline presses Enter.
        text = body.text.removesuffix("\n")
        request = StepRequest(
            source="api",
            type="fill",
            id=target.id,
            value=(target.value or "") + text,
            enter=body.text.endswith("\n"),
        )
        result = await step(session_id, request)
        reply = _control(result)
        # Echo what was typed only as the engine shows it: a secret field's value is masked.
        secret = result.request.value != request.value
        reply.selector, reply.text = body.selector, result.request.value if secret else body.text
        return reply

    @api.post("/sessions/{session_id}/fill", response_model=ControlResponse)
    async def fill(session_id: str, body: FillRequest) -> ControlResponse:
        target = await element(session_id, body.selector)
        result = await step(
            session_id, StepRequest(source="api", type="fill", id=target.id, value=body.value)
        )
        reply = _control(result)
        # The engine's echo of the step: a secret field's value comes back masked.
        reply.selector, reply.value = body.selector, result.request.value
        return reply

    @api.post("/sessions/{session_id}/screenshot", response_model=ScreenshotResponse)
    async def screenshot(session_id: str) -> ScreenshotResponse:
        png = await provider.screenshot(session_id)
        return ScreenshotResponse(screenshot=base64.b64encode(png).decode())

    @api.post("/sessions/{session_id}/select", response_model=ControlResponse)
    async def select(session_id: str, body: SelectRequest) -> ControlResponse:
        target = await element(session_id, body.selector)
        request = StepRequest(source="api", type="select", id=target.id, value=body.value)
        reply = _control(await step(session_id, request))
        reply.selector, reply.value = body.selector, body.value
        return reply

    @api.post("/sessions/{session_id}/press", response_model=ControlResponse)
    async def press(session_id: str, body: PressRequest) -> ControlResponse:
        if body.selector:
            target = await element(session_id, body.selector)
            if target.takes_value:  # Enter in a field: its value stays as it is
                request = StepRequest(
                    source="api", type="fill", id=target.id, value=target.value or "", enter=True
                )
                if body.key.lower() == "enter":
                    return _control(await step(session_id, request))
        return _control(
            await step(session_id, StepRequest(source="api", type="press_key", key=body.key))
        )

    @api.post("/sessions/{session_id}/scroll", response_model=ControlResponse)
    async def scroll(session_id: str, body: ScrollRequest | None = None) -> ControlResponse:
        direction = (body.direction if body else "down").lower()
        if direction not in ("up", "down"):
            raise InvalidRequest(f"cannot scroll {direction!r}", 'send "direction": "up" or "down"')
        return _control(
            await step(session_id, StepRequest(source="api", type=f"scroll_{direction}"))
        )

    async def snapshot_answer(session_id: str, *, exclude_none: bool) -> Response:
        obs = await observed(session_id)
        # Built and serialised in a worker thread: two models per action, on the loop, held
        # it (and every other session's requests) ~60-100 ms on a 5,000-action page.
        write = functools.partial(snapshot_json, exclude_none=exclude_none)
        data = await off_loop(write, obs, size=obs.weight())
        return Response(content=data, media_type="application/json")

    async def snapshot(session_id: str) -> Response:
        return await snapshot_answer(session_id, exclude_none=True)

    async def snapshot_get(session_id: str) -> Response:
        return await snapshot_answer(session_id, exclude_none=False)

    api.add_api_route(
        "/sessions/{session_id}/snapshot",
        snapshot,
        methods=["POST"],
        response_model=SnapshotResponse,
        response_model_exclude_none=True,
    )
    # stepdeck's earlier GET form, kept for its older clients
    api.add_api_route(
        "/sessions/{session_id}/snapshot",
        snapshot_get,
        methods=["GET"],
        response_model=SnapshotResponse,
        include_in_schema=False,
    )

    return api
