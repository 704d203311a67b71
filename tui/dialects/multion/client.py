"""MultiOn as a Provider: sessions stepped by natural language, with screenshots.

MultiOn has no action space, no page text and no console or network logs:
`capabilities` says so, and the app hides those tabs with the reason. Its
step can stream: `step_stream()` yields progress as MultiOn sends it, and
`step(..., on_progress=...)` does the same through a callback.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
from httpx_sse import SSEError
from pydantic import ValidationError

from tui.dialects.http import HttpProvider, error_for, request_id_header, server_sent_events
from tui.dialects.multion.models import (
    API_KEY_HEADER,
    BrowseOutput,
    RetrieveOutput,
    SessionCreated,
    SessionsCloseResponse,
    SessionsListResponse,
    SessionsScreenshotResponse,
    SessionStepSuccess,
    StreamChunk,
)
from tui.engine import registry
from tui.errors import (
    BadResponse,
    SessionNotFound,
    StepdeckError,
    StepTimeout,
    Unreachable,
    Unsupported,
)
from tui.model import (
    CreateSession,
    Health,
    LogEntry,
    Observation,
    PageMeta,
    Session,
    SessionStatus,
    StepRequest,
    StepResult,
    StepStatus,
    utcnow,
)
from tui.providers.base import Capabilities
from tui.settings import ProviderConfig

DEFAULT_BASE_URL = "https://api.multion.ai/v1/web"

# What a step that is not a sentence becomes: MultiOn only understands words.
_PHRASES = {
    "back": "Go back to the previous page",
    "forward": "Go forward to the next page",
    "reload": "Reload the page",
    "scroll_down": "Scroll down one screen",
    "scroll_up": "Scroll up one screen",
}
_BROWSER_ACTIONS = registry.browser_actions({"goto", *_PHRASES, "press_key"})

ProgressCallback = Callable[[LogEntry], Any]


def decode_screenshot(value: str | None) -> bytes | None:
    """MultiOn's screenshot string as PNG bytes: a data URL or bare base64.

    An http(s) URL (what the MultiOn cloud sends) is not bytes yet: see
    `MultionClient.fetch_image`.
    """
    if not value or value.startswith(("http://", "https://")):
        return None
    raw = value.split(",", 1)[1] if value.startswith("data:") else value
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        return None


def _status(value: str | None) -> StepStatus:
    try:
        return StepStatus((value or "").upper())
    except ValueError:
        return StepStatus.CONTINUE


class MultionClient(HttpProvider):
    """A MultiOn account (or `stepdeck serve`'s /v1/web) as a Provider."""

    def __init__(
        self, config: ProviderConfig, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        super().__init__(
            config,
            label="MultiOn",
            base_url=DEFAULT_BASE_URL,
            auth=lambda key: {API_KEY_HEADER: key},
            transport=transport,
        )
        self._transport = transport
        self._sessions: dict[str, Session] = {}
        self._logs: dict[str, list[LogEntry]] = {}
        self.capabilities = Capabilities(
            action_space=False,
            markdown=False,
            console=False,
            network=False,
            tabs=False,
            events=False,
            pause=False,
            missing={
                "action_space": "MultiOn has no action ids: type what you want done",
                "markdown": "MultiOn does not send page text; use extract (retrieve)",
                "console": "MultiOn does not expose the browser console",
                "network": "MultiOn does not expose network requests",
                "tabs": "MultiOn does not expose tabs",
                "events": "MultiOn has no live event stream",
                "pause": "MultiOn sessions cannot be paused from here",
            },
        )

    # -- lifecycle -------------------------------------------------------------

    # -- sessions --------------------------------------------------------------

    def _remember(self, session_id: str, **fields: Any) -> Session:
        session = self._sessions.get(session_id) or Session(id=session_id, provider=self.name)
        session = session.model_copy(update={**fields, "last_accessed_at": utcnow()})
        self._sessions[session_id] = session
        return session

    async def list_sessions(self) -> list[Session]:
        reply = await self._http.call("GET", "sessions", SessionsListResponse)
        live = set(reply.session_ids)
        out = []
        for sid in reply.session_ids:
            out.append(self._sessions.get(sid) or self._remember(sid))
        # Sessions this client knew that MultiOn no longer lists have ended.
        for sid, session in list(self._sessions.items()):
            if sid not in live and session.status.is_live:
                self._sessions[sid] = session.model_copy(update={"status": SessionStatus.CLOSED})
        return out

    async def create_session(self, request: CreateSession) -> Session:
        body: dict[str, Any] = {
            "url": request.url or "about:blank",
            "include_screenshot": True,
            "browser_params": {
                "width": request.viewport_width,
                "height": request.viewport_height,
            },
        }
        reply = await self._http.call("POST", "session", SessionCreated, json_body=body)
        session = self._remember(
            reply.session_id,
            url=reply.url,
            label=request.label,
            status=SessionStatus.ACTIVE,
            created_at=utcnow(),
            idle_timeout_minutes=request.idle_timeout_minutes,
        )
        self._logs.setdefault(reply.session_id, [])
        return session

    async def get_session(self, session_id: str) -> Session:
        # MultiOn has no "get": a session exists if it is listed.
        sessions = {s.id: s for s in await self.list_sessions()}
        if session_id not in sessions:
            raise SessionNotFound(f"{self.label} does not list session {session_id}")
        return sessions[session_id]

    async def close_session(self, session_id: str) -> Session:
        await self._http.call(
            "DELETE", f"session/{session_id}", SessionsCloseResponse, idempotent=True
        )
        return self._remember(session_id, status=SessionStatus.CLOSED, closed_at=utcnow())

    # -- page ------------------------------------------------------------------

    async def fetch_image(self, url: str) -> bytes | None:
        """Download a screenshot that MultiOn sent as a URL (no API key sent there)."""
        async with httpx.AsyncClient(transport=self._transport, timeout=self.config.timeout) as c:
            try:
                response = await c.get(url)
            except httpx.HTTPError:
                return None
        return response.content if response.status_code == 200 else None

    async def _image(self, value: str | None) -> bytes | None:
        if value and value.startswith(("http://", "https://")):
            return await self.fetch_image(value)
        return decode_screenshot(value)

    async def screenshot(self, session_id: str) -> bytes:
        reply = await self._http.call("GET", f"screenshot/{session_id}", SessionsScreenshotResponse)
        if not reply.screenshot:  # `null`: MultiOn has none of this session (yet)
            raise Unsupported(f"{self.label} has no screenshot of this session yet")
        image = await self._image(reply.screenshot)
        if image is None:
            raise BadResponse(f"{self.label} sent a screenshot stepdeck cannot read")
        return image

    async def observe(self, session_id: str, *, screenshot: bool = True) -> Observation:
        session = self._sessions.get(session_id) or self._remember(session_id)
        shot, note = None, ""
        if screenshot:
            try:
                shot = await self.screenshot(session_id)
            except Unsupported as exc:
                note = exc.message
        return Observation(
            metadata=PageMeta(url=session.url, title=session.title),
            actions=[],
            browser_actions=list(_BROWSER_ACTIONS),
            screenshot=shot,
            description="MultiOn shows the page as a screenshot; describe the next step in words.",
            note=note,
        )

    # -- steps -----------------------------------------------------------------

    def _step_body(self, request: StepRequest) -> dict[str, Any]:
        if request.type == "command":
            if not request.cmd:
                raise Unsupported("An empty command", "type what MultiOn should do")
            return {"cmd": request.cmd}
        if request.type == "goto" and request.url:
            return {"cmd": f"Go to {request.url}", "url": request.url}
        if request.type in _PHRASES:
            return {"cmd": _PHRASES[request.type]}
        if request.type == "press_key" and request.key:
            return {"cmd": f"Press the {request.key} key"}
        if request.id:
            raise Unsupported(
                f"MultiOn has no action ids ({request.id})",
                "describe the step in words instead, e.g. 'click the search button'",
            )
        raise Unsupported(
            f"MultiOn cannot run {request.describe()!r} directly",
            "describe the step in words instead",
        )

    def _record(self, session_id: str, request: StepRequest, result: StepResult) -> None:
        log = self._logs.setdefault(session_id, [])
        log.append(
            LogEntry(
                index=len(log),
                type=request.type,
                params=request.model_dump(exclude_defaults=True),
                timestamp=result.started_at,
                duration_ms=result.duration_ms,
                success=result.success,
                message=result.message,
                url=result.observation.metadata.url if result.observation else "",
            )
        )

    async def _result(
        self,
        session_id: str,
        request: StepRequest,
        *,
        status: str | None,
        message: str,
        url: str,
        screenshot: str | None,
        started: float,
        started_at: Any,
        progress: list[LogEntry] | None = None,
    ) -> StepResult:
        session = self._sessions.get(session_id) or self._remember(session_id)
        self._remember(session_id, url=url or session.url, steps=session.steps + 1)
        result = StepResult(
            status=_status(status),
            success=True,
            message=message,
            request=request,
            observation=Observation(
                metadata=PageMeta(url=url or session.url),
                actions=[],
                browser_actions=list(_BROWSER_ACTIONS),
                screenshot=await self._image(screenshot),
            ),
            started_at=started_at,
            ended_at=utcnow(),
            duration_ms=(time.perf_counter() - started) * 1000,
            steps=progress or [],
        )
        self._record(session_id, request, result)
        return result

    async def step(
        self,
        session_id: str,
        request: StepRequest,
        *,
        on_progress: ProgressCallback | None = None,
    ) -> StepResult:
        """One MultiOn step, sent once. With `on_progress`, streamed as it happens."""
        if request.type == "done":
            return StepResult(status=StepStatus.DONE, message="Done", request=request)
        if on_progress is not None:
            result: StepResult | None = None
            async for item in self.step_stream(session_id, request):
                if isinstance(item, StepResult):
                    result = item
                else:
                    on_progress(item)
            assert result is not None  # step_stream always ends with a result or raises
            return result
        body = {**self._step_body(request), "include_screenshot": True, "stream": False}
        started, started_at = time.perf_counter(), utcnow()
        reply = await self._http.call(
            "POST",
            f"session/{session_id}",
            SessionStepSuccess,
            json_body=body,
            idempotent=False,
            headers=request_id_header(request.request_id),  # echoed on the step's events
        )
        return await self._result(
            session_id,
            request,
            status=reply.status,
            message=reply.message,
            url=reply.url,
            screenshot=reply.screenshot,
            started=started,
            started_at=started_at,
        )

    async def step_stream(
        self, session_id: str, request: StepRequest
    ) -> AsyncIterator[LogEntry | StepResult]:
        """A streamed step: a LogEntry per progress event, then the StepResult.

        Sent exactly once; a broken stream raises and is not retried.
        """
        body = {**self._step_body(request), "include_screenshot": True, "stream": True}
        started, started_at = time.perf_counter(), utcnow()
        progress: list[LogEntry] = []
        # Closed as soon as the final event is read: left open, the response (and its
        # connection) would wait for the collector, on a loop that may have ended.
        chunks = self._sse(f"session/{session_id}", body, request.request_id)
        async with contextlib.aclosing(chunks):
            async for chunk in chunks:
                delta = chunk.data.delta
                if chunk.type == "event":
                    entry = LogEntry(
                        index=len(progress), type="progress", message=delta.content, url=delta.url
                    )
                    progress.append(entry)
                    yield entry
                    continue
                yield await self._result(
                    session_id,
                    request,
                    status=delta.status,
                    message=delta.content,
                    url=delta.url,
                    screenshot=chunk.screenshot,
                    started=started,
                    started_at=started_at,
                    progress=progress,
                )
                return
        raise BadResponse(f"{self.label} ended the step's stream before its final event")

    async def _sse(
        self, path: str, body: dict[str, Any], request_id: str | None = None
    ) -> AsyncIterator[StreamChunk]:
        """POST once and parse the server-sent events, with the usual typed errors."""
        label = self.label
        headers = {"Accept": "text/event-stream", **request_id_header(request_id)}
        try:
            async with self._http.client.stream(
                "POST", path, json=body, headers=headers
            ) as response:
                if response.status_code >= 400:
                    await response.aread()
                    raise error_for(response, provider=label, key_env=self.config.key_env)
                if "text/event-stream" not in response.headers.get("content-type", ""):
                    # A server that ignored `stream`: one plain JSON step answer.
                    await response.aread()
                    try:
                        reply = SessionStepSuccess.model_validate_json(response.content)
                    except ValidationError as exc:
                        raise BadResponse(
                            f"{label} sent a step reply stepdeck cannot read"
                        ) from exc
                    yield StreamChunk.model_validate(
                        {
                            "type": "final_event",
                            "session_id": reply.session_id,
                            "screenshot": reply.screenshot,
                            "data": {
                                "delta": {
                                    "content": reply.message,
                                    "url": reply.url,
                                    "status": reply.status,
                                }
                            },
                        }
                    )
                    return
                async with contextlib.aclosing(server_sent_events(response)) as events:
                    async for sse in events:
                        if not sse.data.strip():
                            continue
                        if sse.event == "error":
                            # stepdeck serve: the step failed after the stream had started.
                            raise self._stream_error(sse.data)
                        try:
                            payload = json.loads(sse.data)
                            if "delta" in payload and "data" not in payload:
                                payload["data"] = {"delta": payload.pop("delta")}
                            yield StreamChunk.model_validate(payload)
                        except (ValueError, ValidationError) as exc:
                            raise BadResponse(
                                f"{label} sent a stream event stepdeck cannot read: {sse.data[:80]}"
                            ) from exc
        except StepdeckError:
            raise
        except httpx.TimeoutException as exc:
            raise StepTimeout(
                f"{label} did not finish the step in time",
                "the step may still be running on MultiOn; look before you repeat it",
            ) from exc
        except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError, SSEError) as exc:
            raise Unreachable(f"lost the connection to {label} during a step: {exc}") from exc
        except httpx.HTTPError as exc:
            raise Unreachable(f"{label}: {exc}") from exc

    def _stream_error(self, data: str) -> StepdeckError:
        try:
            payload = json.loads(data)
            status = int(payload.get("statusCode") or 500)
        except (ValueError, AttributeError, TypeError):
            return BadResponse(f"{self.label} ended the step with an error: {data[:120]}")
        reply = httpx.Response(status, json=payload)
        return error_for(reply, provider=self.label, key_env=self.config.key_env)

    # -- autonomous runs and extraction (MultiOn extras) -----------------------

    async def browse(
        self,
        cmd: str,
        *,
        url: str | None = None,
        session_id: str | None = None,
        max_steps: int | None = None,
    ) -> StepResult:
        """MultiOn's autonomous `browse`: runs until DONE/ASK_USER or `max_steps`."""
        body = {
            "cmd": cmd,
            "url": url,
            "session_id": session_id,
            "max_steps": max_steps,
            "include_screenshot": True,
        }
        body = {k: v for k, v in body.items() if v is not None}
        started, started_at = time.perf_counter(), utcnow()
        reply = await self._http.call(
            "POST", "browse", BrowseOutput, json_body=body, idempotent=False
        )
        self._remember(reply.session_id, url=reply.url)
        result = await self._result(
            reply.session_id,
            StepRequest(type="command", cmd=cmd, url=url),
            status=reply.status,
            message=reply.message,
            url=reply.url,
            screenshot=reply.screenshot,
            started=started,
            started_at=started_at,
        )
        result.data = reply.metadata.model_dump() if reply.metadata else None
        return result

    async def retrieve(self, **body: Any) -> RetrieveOutput:
        """MultiOn's `retrieve`, fields as MultiOn names them."""
        body = {k: v for k, v in body.items() if v is not None}
        # Retrieving changes nothing on the page, but it is billed: sent once.
        return await self._http.call(
            "POST", "retrieve", RetrieveOutput, json_body=body, idempotent=False
        )

    async def scrape(
        self, session_id: str, *, schema: dict[str, Any] | None = None, **options: Any
    ) -> Any:
        """Items for a JSON schema's properties (retrieve `fields`), or the page as markdown."""
        cmd = options.get("cmd") or options.get("instructions")
        if schema is None:
            reply = await self.retrieve(
                cmd=cmd or "The page's text as markdown",
                session_id=session_id,
                format="markdown",
                scroll_to_bottom=options.get("scroll_to_bottom"),
            )
            parts = []
            for item in reply.data:
                text = item.get("markdown") or item.get("content") or item.get("text")
                parts.append(text if isinstance(text, str) else json.dumps(item))
            return "\n\n".join(parts)
        properties = schema.get("properties") or (schema.get("items") or {}).get("properties", {})
        reply = await self.retrieve(
            cmd=cmd or schema.get("description") or "Extract the items on this page",
            session_id=session_id,
            fields=list(properties) or None,
            format="json",
            max_items=options.get("max_items"),
            scroll_to_bottom=options.get("scroll_to_bottom"),
        )
        return reply.data

    # -- inspection --------------------------------------------------------------

    async def action_log(self, session_id: str) -> list[LogEntry]:
        """The steps this app sent (MultiOn keeps no action log of its own)."""
        return list(self._logs.get(session_id, []))

    async def health(self, session_id: str) -> Health:
        sessions = {s.id for s in await self.list_sessions()}
        if session_id in sessions:
            return Health(ok=True, status=SessionStatus.ACTIVE, detail="listed by MultiOn")
        return Health(ok=False, status=SessionStatus.CLOSED, detail="MultiOn no longer lists it")
