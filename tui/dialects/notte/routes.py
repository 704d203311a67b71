"""Notte's session API served from any Provider (in practice the embedded engine).

Paths are Notte's (`/sessions/...`), plus stepdeck's extras under the same
prefix: the action log, console, health, a live event stream (SSE) and
pause/resume. Errors are raised as typed `tui.errors` and turned into JSON by
the server; authentication is attached by the server too (Bearer for Notte).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import Response, StreamingResponse

from tui.dialects.engine_pages import engine_session
from tui.dialects.notte.actions import (
    SERVED_ONLY,
    ExecutionRequest,
    ExecutionResponse,
    StructuredData,
)
from tui.dialects.notte.agents import agent_routes
from tui.dialects.notte.cdp import cdp_url
from tui.dialects.notte.extras import (
    run_special,
    schema_for_instructions,
    selector_id,
)
from tui.dialects.notte.models import (
    ObserveRequest,
    ObserveResponse,
    ProfileResponse,
    SessionListResponse,
    SessionProfileSaveRequest,
    SessionResponse,
    SessionStartRequest,
    actions_json,
)
from tui.dialects.notte.pages import (
    ActionLogResponse,
    ConsoleResponse,
    NetworkLogsResponse,
    PageStepResponse,
    ScrapeRequest,
    ScrapeResponse,
    ScreenshotResponse,
)
from tui.dialects.request_ids import asked_by_client, read_request_id
from tui.dialects.schema import resolve_refs
from tui.errors import InvalidRequest, SessionNotFound, Unsupported
from tui.model import Event, Health, StepRequest, StepResult, StepStatus, utcnow
from tui.offload import off_loop
from tui.providers.base import Provider

SSE_KEEPALIVE_SECONDS = 15.0


def _array_schema(prop: Any) -> dict[str, Any] | None:
    if not isinstance(prop, dict):
        return None
    if prop.get("type") == "array":
        return prop
    for option in prop.get("anyOf", []):
        if isinstance(option, dict) and option.get("type") == "array":
            return option
    return None


def split_schema(schema: dict[str, Any]) -> tuple[dict[str, Any], str | None, bool]:
    """What to ask the engine for, and how to wrap its list of records for the caller.

    Returns (records schema, wrapping property or None, one record only). The
    engine extracts a list of records; a caller (the SDK with a pydantic model)
    often asks for an object holding that list, or for a single record.
    """
    schema = resolve_refs(schema)
    if schema.get("type") == "array":
        return schema, None, False
    props = schema.get("properties") or {}
    if len(props) == 1:
        name, prop = next(iter(props.items()))
        array = _array_schema(prop)
        if array is not None:
            return array, name, False
    return {"type": "array", "items": schema}, None, True


def shape_extracted(items: Any, wrap: str | None, single: bool) -> Any:
    if not isinstance(items, list):
        return items
    if wrap is not None:
        return {wrap: items}
    if single:
        return items[0] if items else {}
    return items


def _sse(event: Event) -> bytes:
    return f"event: {event.kind}\ndata: {event.model_dump_json()}\n\n".encode()


async def _event_stream(provider: Provider, session_id: str | None) -> AsyncIterator[bytes]:
    """Server-sent events: one per step, tab change, console message, status change."""
    events = provider.events(session_id)
    queue: asyncio.Queue[Event | None] = asyncio.Queue()

    async def pump() -> None:
        try:
            async for event in events:
                await queue.put(event)
        finally:
            await queue.put(None)

    task = asyncio.create_task(pump())
    try:
        # An opening comment flushes the headers so a watcher knows it is subscribed.
        yield b": stepdeck events\n\n"
        while True:
            try:
                event = await asyncio.wait_for(queue.get(), SSE_KEEPALIVE_SECONDS)
            except TimeoutError:
                yield b": keepalive\n\n"
                continue
            if event is None:
                return
            yield _sse(event)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        aclose = getattr(events, "aclose", None)
        if aclose is not None:
            with contextlib.suppress(Exception):
                await aclose()


def router(provider: Provider) -> APIRouter:
    """Notte's `/sessions/...` routes (and stepdeck's extras) over `provider`."""
    # X-Request-Id: the client's own id for the steps it asks for (echoed on their events)
    api = APIRouter(tags=["notte"], dependencies=[Depends(read_request_id)])

    # -- sessions ---------------------------------------------------------------------

    @api.post("/sessions/start", response_model=SessionResponse, response_model_exclude_none=False)
    async def start_session(body: SessionStartRequest = Body(default_factory=SessionStartRequest)):
        session = await provider.create_session(body.to_create())
        return SessionResponse.from_session(session)

    async def list_sessions(
        page: int = Query(1, ge=1),
        page_size: int = Query(10, ge=1, le=100),
        only_active: bool = Query(True),
    ) -> SessionListResponse:
        sessions = await provider.list_sessions()
        if only_active:
            sessions = [s for s in sessions if s.status.is_live]
        sessions.sort(key=lambda s: s.created_at, reverse=True)
        start = (page - 1) * page_size
        items = sessions[start : start + page_size]
        return SessionListResponse(
            items=[SessionResponse.from_session(s) for s in items],
            page=page,
            page_size=page_size,
            has_next=start + page_size < len(sessions),
            has_previous=page > 1,
        )

    api.add_api_route("/sessions/", list_sessions, methods=["GET"], response_model=None)
    api.add_api_route(
        "/sessions", list_sessions, methods=["GET"], include_in_schema=False, response_model=None
    )

    @api.get("/sessions/events", tags=["stepdeck"])
    async def all_events():
        """Every session's live events (server-sent events)."""
        return _stream(provider, None)

    @api.get("/sessions/{session_id}", response_model=SessionResponse)
    async def get_session(session_id: str):
        return SessionResponse.from_session(await provider.get_session(session_id))

    @api.post("/sessions/{session_id}/profile/save", response_model=ProfileResponse)
    async def save_profile(session_id: str, body: SessionProfileSaveRequest):
        """Save the session's cookies and storage as a profile (named by `name` or `profile_id`)."""
        save = getattr(provider, "save_profile", None)
        if save is None:
            raise Unsupported("This server's provider cannot save profiles")
        if body.profile_id and body.name:
            raise InvalidRequest("profile_id and name are mutually exclusive", "send one of them")
        name = body.name or body.profile_id or (await provider.get_session(session_id)).profile
        if not name:
            raise InvalidRequest(
                "No profile to save into", "send a name (the session started from none)"
            )
        summary = await save(session_id, name)
        return ProfileResponse(
            profile_id=summary.name,
            name=summary.name,
            created_at=summary.saved_at,
            updated_at=summary.saved_at,
            persisted_domains=summary.domains,
        )

    @api.delete("/sessions/{session_id}/stop", response_model=SessionResponse)
    async def stop_session(session_id: str, close_reason: str = Query("manual")):
        session = await provider.close_session(session_id)
        return SessionResponse.from_session(session)

    # -- page -------------------------------------------------------------------------

    @api.post("/sessions/{session_id}/page/observe", response_model=ObserveResponse)
    async def observe(
        session_id: str,
        body: ObserveRequest | None = Body(default=None),
        screenshot: bool = Query(True, description="stepdeck: leave the screenshot out"),
    ):
        obs = await provider.observe(session_id, screenshot=screenshot)
        max_actions = body.max_nb_actions if body else None
        actions = obs.actions if max_actions is None else obs.actions[:max_actions]
        # Serialised once, off the event loop: a 5,000-action page would hold every other
        # session's requests for ~100 ms if its answer were built model by model here. The
        # page (markdown, screenshot: ~1.4 MB on the bench's big page) goes out while a worker
        # thread writes the actions (~5 ms for 5,000), the answer's last key.
        size = obs.weight()
        head, tail = await off_loop(ObserveResponse.json_around_actions, obs, size=size)
        written = asyncio.ensure_future(off_loop(actions_json, actions, size=size))
        return StreamingResponse(_around(head, written, tail), media_type="application/json")

    async def run(session_id: str, body: ExecutionRequest) -> StepResult:
        """One action. A malformed one (no id, no url, unknown type) is a 422; one that fails
        on the page (an id or selector not there, not an input) is a failed result, not a 4xx:
        the SDK raises it itself, or hands it back with `raise_on_failure=False`."""
        started = utcnow()
        step = None if body.type in SERVED_ONLY or body.selector else body.to_step()
        try:
            if step is None and body.type in SERVED_ONLY:
                return await run_special(provider, session_id, body.type, body)
            if step is None:
                body = body.model_copy(
                    update={"id": await selector_id(provider, session_id, body.selector)}
                )
                step = body.to_step()
            return await provider.step(session_id, asked_by_client(step))
        except (InvalidRequest, Unsupported) as exc:  # a timeout stays a 504 (retry later)
            return StepResult(
                status=StepStatus.ERROR,
                success=False,
                message=exc.message + (f" ({exc.hint})" if exc.hint else ""),
                request=step or StepRequest(type="command", cmd=str(body.type), source="api"),
                started_at=started,
                ended_at=utcnow(),
            )

    @api.post("/sessions/{session_id}/page/execute", response_model=ExecutionResponse)
    async def execute(
        session_id: str,
        body: ExecutionRequest,
        observation: bool = Query(
            False, description="stepdeck: the page after the step in the answer (`observation`)"
        ),
    ):
        result = await run(session_id, body)
        if not observation:
            # Notte's answer: the step alone. The page after it (a screenshot: ~0.3 MB) goes
            # only to a client that asks (stepdeck's own); an SDK would download and drop it.
            data = ExecutionResponse.json_bytes(result, body, observation=False)
        else:  # serialised once, off the event loop
            data = await off_loop(ExecutionResponse.json_bytes, result, body, size=result.weight())
        return Response(content=data, media_type="application/json")

    @api.post("/sessions/{session_id}/page/step", response_model=PageStepResponse)
    async def page_step(session_id: str, body: ExecutionRequest):
        """Notte's 2025 name for a step: answers with the session, the new space and the page."""
        result = await run(session_id, body)
        obs = result.observation
        if obs is None or obs.screenshot is None:
            obs = await provider.observe(session_id, screenshot=True)
        session = await provider.get_session(session_id)
        # Serialised once, off the event loop (a model per action, on the loop, held it for
        # 50-130 ms on a 5,000-action page).
        data = await off_loop(PageStepResponse.json_bytes, session, result, obs, size=obs.weight())
        return Response(content=data, media_type="application/json")

    @api.post("/sessions/{session_id}/page/scrape", response_model=ScrapeResponse)
    async def scrape(session_id: str, body: ScrapeRequest = Body(default_factory=ScrapeRequest)):
        schema = body.response_format
        if schema is None and body.instructions:
            # instructions alone: the extractor (its model when configured) gets them as is
            items = await provider.scrape(
                session_id,
                schema=schema_for_instructions(body.instructions),
                instructions=body.instructions,
                scroll_to_bottom=body.scroll_to_bottom,
            )
            return ScrapeResponse(
                markdown="No markdown available", structured=StructuredData(data=items)
            )
        if schema is None:
            markdown = await provider.scrape(session_id)
            return ScrapeResponse(markdown=markdown if isinstance(markdown, str) else "")
        options: dict[str, Any] = {"scroll_to_bottom": body.scroll_to_bottom}
        if body.instructions:
            options["instructions"] = body.instructions
        if body.max_items is not None:
            options["max_items"] = body.max_items
        records, wrap, single = split_schema(schema)
        items = await provider.scrape(session_id, schema=records, **options)
        return ScrapeResponse(
            markdown="No markdown available",
            structured=StructuredData(data=shape_extracted(items, wrap, single)),
        )

    @api.post("/sessions/{session_id}/page/screenshot", response_model=ScreenshotResponse)
    async def screenshot(session_id: str):
        png = await provider.screenshot(session_id)
        return ScreenshotResponse(raw=base64.b64encode(png).decode())

    @api.get("/sessions/{session_id}/network/logs", response_model=NetworkLogsResponse)
    async def network_logs(session_id: str):
        requests = await provider.network(session_id)
        return NetworkLogsResponse(session_id=session_id, format="stepdeck_v1", requests=requests)

    # -- stepdeck extras ----------------------------------------------------------------

    @api.get("/sessions/{session_id}/log", response_model=ActionLogResponse, tags=["stepdeck"])
    async def action_log(session_id: str):
        return ActionLogResponse(session_id=session_id, items=await provider.action_log(session_id))

    @api.get("/sessions/{session_id}/console", response_model=ConsoleResponse, tags=["stepdeck"])
    async def console(session_id: str):
        return ConsoleResponse(session_id=session_id, items=await provider.console(session_id))

    @api.get("/sessions/{session_id}/health", response_model=Health, tags=["stepdeck"])
    async def health(session_id: str):
        return await provider.health(session_id)

    @api.get("/sessions/{session_id}/events", tags=["stepdeck"])
    async def session_events(session_id: str):
        """One session's live events (server-sent events)."""
        await provider.get_session(session_id)  # 404 / 410 before the stream starts
        return _stream(provider, session_id)

    @api.post("/sessions/{session_id}/pause", response_model=SessionResponse, tags=["stepdeck"])
    async def pause(session_id: str):
        return SessionResponse.from_session(await provider.set_paused(session_id, True))

    @api.post("/sessions/{session_id}/resume", response_model=SessionResponse, tags=["stepdeck"])
    async def resume(session_id: str):
        return SessionResponse.from_session(await provider.set_paused(session_id, False))

    session_routes(api, provider)
    agent_routes(api, provider)
    return api


def _cookie_out(c: dict[str, Any]) -> dict[str, Any]:
    """A Playwright cookie as Notte's Cookie (the browser-extension export format)."""
    expires = c.get("expires")
    session = expires is None or expires < 0
    return {
        "name": c.get("name", ""),
        "value": c.get("value", ""),
        "domain": c.get("domain", ""),
        "path": c.get("path", "/"),
        "httpOnly": bool(c.get("httpOnly")),
        "secure": bool(c.get("secure")),
        "sameSite": c.get("sameSite") or None,
        "expirationDate": None if session else expires,
        "session": session,
        "hostOnly": not str(c.get("domain", "")).startswith("."),
    }


def _cookie_in(c: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(c, dict) or not c.get("name") or not c.get("domain"):
        raise InvalidRequest(
            "each cookie needs a name, a value and a domain",
            "send cookies as session.get_cookies() returns them",
        )
    out: dict[str, Any] = {
        "name": str(c["name"]),
        "value": str(c.get("value", "")),
        "domain": str(c["domain"]),
        "path": str(c.get("path") or "/"),
        "httpOnly": bool(c.get("httpOnly")),
        "secure": bool(c.get("secure")),
    }
    if c.get("sameSite") in ("Lax", "None", "Strict"):
        out["sameSite"] = c["sameSite"]
    if c.get("expirationDate") and not c.get("session"):
        out["expires"] = float(c["expirationDate"])
    return out


def session_routes(api: APIRouter, provider: Provider) -> None:
    """Cookies, debug info (with the session's CDP url), offset and replay."""

    @api.get("/sessions/{session_id}/cookies")
    async def get_cookies(session_id: str) -> dict[str, Any]:
        sess = engine_session(provider, session_id)
        sess.check_live()
        return {"cookies": [_cookie_out(c) for c in await sess.context.cookies()]}

    @api.post("/sessions/{session_id}/cookies")
    async def set_cookies(session_id: str, body: dict[str, Any] = Body(...)) -> dict[str, Any]:
        cookies = body.get("cookies")
        if not isinstance(cookies, list):
            raise InvalidRequest('send {"cookies": [...]}', "a list of cookie objects")
        sess = engine_session(provider, session_id)
        sess.check_live()
        await sess.context.add_cookies([_cookie_in(c) for c in cookies])
        return {"success": True, "message": f"{len(cookies)} cookies set"}

    @api.get("/sessions/{session_id}/debug")
    async def debug_info(session_id: str, request: Request) -> dict[str, Any]:
        session = await provider.get_session(session_id)
        base = str(request.base_url).rstrip("/")
        secret = getattr(request.app.state, "cdp_secret", "")
        cdp = cdp_url(base, secret, session_id)
        events = f"{base}/sessions/{session_id}/events"
        obs = await provider.observe(session_id, screenshot=False)
        tabs = obs.metadata.tabs or []
        return {
            "debug_url": f"{base}/sessions/{session_id}",
            "ws": {"cdp": cdp, "recording": "", "logs": events},
            "tabs": [
                {
                    "metadata": {"tab_id": t.index, "title": t.title, "url": t.url},
                    "debug_url": f"{base}/sessions/{session_id}",
                    "ws_url": cdp,
                }
                for t in tabs
            ],
            "status": session.status.value,
        }

    @api.get("/sessions/{session_id}/offset")
    async def offset(session_id: str) -> dict[str, Any]:
        return {"offset": len(await provider.action_log(session_id))}

    @api.get("/sessions/{session_id}/replay")
    async def replay(session_id: str) -> dict[str, Any]:
        session = await provider.get_session(session_id)
        if session.status.is_live:
            raise SessionNotFound(
                f"Session {session_id} is still active: close it first to get its replay",
                "stepdeck records steps, not video: `stepdeck export` makes a GIF of them",
            )
        # No video: an empty replay (the steps are in GET /sessions/{id}/log)
        return {"playlist_content": None, "mp4_url": None, "expires_at": None}


async def _around(head: bytes, middle: asyncio.Future[bytes], tail: bytes) -> AsyncIterator[bytes]:
    """`head`, then `middle` once written, then `tail`: one answer, sent as it is ready."""
    try:
        yield head
        yield await middle
        yield tail
    finally:
        middle.cancel()  # the client went away first: nobody waits for it


def _stream(provider: Provider, session_id: str | None) -> StreamingResponse:
    return StreamingResponse(
        _event_stream(provider, session_id),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
