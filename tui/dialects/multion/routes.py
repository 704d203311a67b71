"""MultiOn's API served from any Provider (mounted at /v1/web by `stepdeck serve`).

An agent written for MultiOn points its base URL here and drives a local
browser: `cmd` steps go to the provider's natural-language agent, `retrieve`
to its extraction. The key travels in `X_MULTION_API_KEY`, as MultiOn's SDK
sends it, and must equal the server's token.
"""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from fastapi.routing import APIRoute

from tui.dialects.multion.models import (
    API_KEY_HEADER,
    BrowseInput,
    BrowseOutput,
    CreateSessionInput,
    Metadata,
    RetrieveInput,
    RetrieveOutput,
    SessionCreated,
    SessionsCloseResponse,
    SessionsListResponse,
    SessionsScreenshotResponse,
    SessionStepInput,
    SessionStepSuccess,
    StreamChunk,
    StreamDelta,
)
from tui.dialects.request_ids import asked_by_client, read_request_id
from tui.errors import AuthError, InvalidRequest, SessionGone, StepdeckError
from tui.model import CreateSession, Event, StepRequest, StepResult
from tui.providers.base import Provider


def data_url(png: bytes | None) -> str:
    """A screenshot as MultiOn's screenshot string (a URL the client can show)."""
    return "data:image/png;base64," + base64.b64encode(png).decode() if png else ""


def _describe(event: Event) -> str:
    """A step event in words: `fill I1 Ada`, or the error."""
    data = event.data
    what = str(data.get("action") or f"step {data.get('index', '')}".strip())
    if data.get("success") is False:
        return f"{what} failed: {data.get('error') or 'error'}"
    return what


def _error_body(exc: StepdeckError) -> dict[str, Any]:
    # MultiOn's error shape (statusCode, error, message), plus stepdeck's hint.
    return {
        "statusCode": exc.http_status,
        "error": type(exc).__name__,
        "message": exc.message,
        "hint": exc.hint,
    }


class _Route(APIRoute):
    """Turns the provider's typed errors into MultiOn-shaped JSON errors."""

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except StepdeckError as exc:
                return JSONResponse(_error_body(exc), status_code=exc.http_status)

        return route


def router(provider: Provider, *, token: str | None = None) -> APIRouter:
    """MultiOn's /v1/web routes over `provider`.

    `stepdeck serve` checks the token itself (DIALECTS in tui/server.py); given
    `token`, the router checks `X_MULTION_API_KEY` on its own (standalone use).
    """

    async def guard(request: Request) -> None:
        given = request.headers.get(API_KEY_HEADER) or request.headers.get("x-multion-api-key")
        if token is None:
            return
        if not given or not secrets.compare_digest(given, token):
            exc = AuthError(
                f"missing or wrong {API_KEY_HEADER}",
                "send the stepdeck server's token as the MultiOn API key",
            )
            raise HTTPException(401, detail=_error_body(exc))

    api = APIRouter(
        route_class=_Route,
        tags=["multion"],
        # the token first; then the client's own id for its steps (X-Request-Id)
        dependencies=[Depends(guard), Depends(read_request_id)],
    )
    running: set[asyncio.Task] = set()

    async def shot(session_id: str, include: bool | None) -> str:
        return data_url(await provider.screenshot(session_id)) if include else ""

    async def current_url(session_id: str, result: StepResult | None = None) -> str:
        if result is not None and result.observation is not None:
            if result.observation.metadata.url:
                return result.observation.metadata.url
        return (await provider.get_session(session_id)).url

    async def run_cmd(session_id: str, cmd: str, url: str | None) -> StepResult:
        if url and url != await current_url(session_id):
            await provider.step(
                session_id, asked_by_client(StepRequest(source="api", type="goto", url=url))
            )
        return await provider.step(
            session_id, asked_by_client(StepRequest(source="api", type="command", cmd=cmd))
        )

    @api.post("/session", response_model=SessionCreated)
    async def create_session(body: CreateSessionInput) -> SessionCreated:
        params = body.browser_params
        request = CreateSession(url=body.url)
        if params and params.width and params.height:
            request.viewport_width, request.viewport_height = int(params.width), int(params.height)
        session = await provider.create_session(request)
        return SessionCreated(
            status="CONTINUE",
            message=f"Session created at {session.url or body.url}",
            session_id=session.id,
            url=session.url or body.url,
            screenshot=await shot(session.id, body.include_screenshot),
        )

    def sse(chunk: StreamChunk) -> str:
        return f"data: {chunk.model_dump_json(exclude_none=True)}\n\n"

    def progress(session_id: str, content: str, url: str) -> str:
        return sse(
            StreamChunk(
                type="event",
                session_id=session_id,
                data={"delta": {"content": content, "url": url}},
                delta=StreamDelta(content=content, url=url),
            )
        )

    async def live(session_id: str, body: SessionStepInput) -> AsyncIterator[str]:
        """Run the command and stream each action it takes as it happens, then the result."""
        queue: asyncio.Queue[Event] = asyncio.Queue()
        follower: asyncio.Task | None = None
        if provider.capabilities.events:

            async def follow() -> None:
                async for event in provider.events(session_id):
                    # Each action the command runs; not the command's own closing event.
                    if event.kind == "step" and not event.data.get("command"):
                        queue.put_nowait(event)

            follower = asyncio.create_task(follow())
            await asyncio.sleep(0)  # let it subscribe before the command starts
        task = asyncio.create_task(
            provider.step(
                session_id, asked_by_client(StepRequest(source="api", type="command", cmd=body.cmd))
            )
        )
        running.add(task)  # a client that hangs up does not cut a step in half
        task.add_done_callback(running.discard)
        sent = 0
        try:
            while True:
                getter = asyncio.ensure_future(queue.get())
                done, _ = await asyncio.wait({task, getter}, return_when=asyncio.FIRST_COMPLETED)
                if getter not in done:
                    getter.cancel()
                    break
                event = getter.result()
                sent += 1
                yield progress(session_id, _describe(event), str(event.data.get("url") or ""))
            await asyncio.sleep(0)
            while not queue.empty():
                event = queue.get_nowait()
                sent += 1
                yield progress(session_id, _describe(event), str(event.data.get("url") or ""))
            try:
                result = task.result()
            except StepdeckError as exc:
                # The answer has started: the error travels as an event of its own.
                yield f"event: error\ndata: {json.dumps(_error_body(exc))}\n\n"
                return
            url = await current_url(session_id, result)
            if not sent:  # a provider without live events: its sub-steps, after the fact
                for sub in result.steps:
                    yield progress(session_id, sub.message or sub.type, sub.url or url)
            final = {"content": result.message, "url": url, "status": result.status.value}
            yield sse(
                StreamChunk(
                    type="final_event",
                    session_id=session_id,
                    screenshot=await shot(session_id, body.include_screenshot),
                    data={"delta": final},
                    delta=StreamDelta(**final),
                )
            )
        finally:
            if follower is not None:
                follower.cancel()

    # The OpenAPI says both answers: JSON, or server-sent events with `stream: true`.
    @api.post(
        "/session/{session_id}",
        response_model=None,
        responses={
            200: {
                # as a component: the answer's nested models resolve ($defs inline would not)
                "model": SessionStepSuccess,
                "content": {
                    # each server-sent event: `data` is one StreamChunk as JSON
                    "text/event-stream": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "event": {"type": "string"},
                                "data": {"type": "string", "description": "StreamChunk JSON"},
                            },
                        }
                    },
                },
            }
        },
    )
    async def step(session_id: str, body: SessionStepInput) -> Any:
        if body.stream:
            # Failures found before the stream starts keep their HTTP status.
            session = await provider.get_session(session_id)
            if not session.status.is_live:
                raise SessionGone(f"session {session_id} is {session.status.value}")
            if body.url and body.url != session.url:
                await provider.step(
                    session_id,
                    asked_by_client(StepRequest(source="api", type="goto", url=body.url)),
                )
            return StreamingResponse(live(session_id, body), media_type="text/event-stream")
        result = await run_cmd(session_id, body.cmd, body.url)
        return SessionStepSuccess(
            status=result.status.value,
            message=result.message,
            session_id=session_id,
            url=await current_url(session_id, result),
            screenshot=await shot(session_id, body.include_screenshot),
            metadata={"temperature": body.temperature},
        )

    @api.delete("/session/{session_id}", response_model=SessionsCloseResponse)
    async def close_session(session_id: str) -> SessionsCloseResponse:
        session = await provider.close_session(session_id)
        return SessionsCloseResponse(status=session.status.value, session_id=session_id)

    @api.get("/sessions", response_model=SessionsListResponse)
    async def list_sessions() -> SessionsListResponse:
        sessions = await provider.list_sessions()
        return SessionsListResponse(session_ids=[s.id for s in sessions if s.status.is_live])

    @api.get("/screenshot/{session_id}", response_model=SessionsScreenshotResponse)
    async def screenshot(session_id: str) -> SessionsScreenshotResponse:
        return SessionsScreenshotResponse(
            screenshot=data_url(await provider.screenshot(session_id))
        )

    @api.post("/browse", response_model=BrowseOutput)
    async def browse(body: BrowseInput) -> BrowseOutput:
        started = time.perf_counter()
        if body.session_id:
            session_id = body.session_id
        else:
            session_id = (await provider.create_session(CreateSession(url=body.url))).id
        # One command: the local agent runs its own sub-steps (never re-sent,
        # so a purchase cannot happen twice).
        result = await run_cmd(session_id, body.cmd, body.url if body.session_id else None)
        return BrowseOutput(
            message=result.message,
            status=result.status.value,
            url=await current_url(session_id, result),
            screenshot=await shot(session_id, body.include_screenshot),
            session_id=session_id,
            metadata=Metadata(
                step_count=max(1, len(result.steps)),
                processing_time=round(time.perf_counter() - started),
                temperature=body.temperature,
            ),
        )

    @api.post("/retrieve", response_model=RetrieveOutput)
    async def retrieve(body: RetrieveInput) -> RetrieveOutput:
        temporary = body.session_id is None
        if temporary:
            if not body.url:
                raise InvalidRequest("retrieve needs a url or a session_id")
            session_id = (await provider.create_session(CreateSession(url=body.url))).id
        else:
            session_id = body.session_id
            if body.url and body.url != await current_url(session_id):
                await provider.step(
                    session_id,
                    asked_by_client(StepRequest(source="api", type="goto", url=body.url)),
                )
        try:
            options: dict[str, Any] = {"scroll_to_bottom": bool(body.scroll_to_bottom)}
            if body.max_items:
                options["max_items"] = int(body.max_items)
            if (body.format or "json") == "markdown" or not body.fields:
                markdown = await provider.scrape(session_id, **options)
                data = [
                    {"markdown": markdown if isinstance(markdown, str) else json.dumps(markdown)}
                ]
            else:
                schema = {
                    "type": "array",
                    "description": body.cmd,
                    "items": {
                        "type": "object",
                        "properties": {f: {"type": "string"} for f in body.fields},
                    },
                }
                items = await provider.scrape(session_id, schema=schema, **options)
                data = items if isinstance(items, list) else [items]
            url = await current_url(session_id)
            screenshot = await shot(session_id, body.include_screenshot)
        finally:
            if temporary:
                await provider.close_session(session_id)
        return RetrieveOutput(
            message=f"Retrieved {len(data)} item(s)",
            url=url,
            screenshot=screenshot or None,
            session_id=None if temporary else session_id,
            status="DONE",
            data=data,
        )

    return api
