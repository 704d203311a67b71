"""A Provider over Notte's session API: the Notte cloud, or a running `stepdeck serve`.

Both speak the same paths and shapes (`models.py`). Against `stepdeck serve`
the client also uses stepdeck's extras: markdown and the page after a step in
one answer, the action log, console, network, health, pause and the live
event stream (server-sent events). Against the cloud, what Notte's API does not
have is reported as `Unsupported` with the reason, and the markdown of an
observation comes from a scrape. Reads are retried by `HttpClient`; a step is
sent exactly once.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import httpx
from httpx_sse import aconnect_sse
from pydantic import ValidationError

from tui import locations
from tui.dialects.http import (
    HttpClient,
    HttpProvider,
    error_for,
    parse,
    request_id_header,
    server_sent_events,
)
from tui.dialects.notte.actions import ExecutionRequest, ExecutionResponse
from tui.dialects.notte.models import (
    ObserveRequest,
    ObserveResponse,
    ProfileResponse,
    SessionListResponse,
    SessionResponse,
    SessionStartRequest,
)
from tui.dialects.notte.pages import (
    ActionLogResponse,
    ConsoleResponse,
    NetworkLogsResponse,
    ScrapeResponse,
)
from tui.errors import (
    AuthError,
    BadResponse,
    InvalidRequest,
    StepdeckError,
    Unreachable,
    Unsupported,
)
from tui.model import (
    ConsoleMessage,
    CreateSession,
    Event,
    Health,
    LogEntry,
    NetworkRequest,
    Observation,
    ProfileSummary,
    Session,
    StepRequest,
    StepResult,
    StepStatus,
    utcnow,
)
from tui.providers.base import Capabilities
from tui.settings import ProviderConfig

# The provider name a `stepdeck serve` connection goes by (and the server records under).
SERVE_PROVIDER = "serve"
STEP_TIMEOUT = 120.0  # a command may run several actions
EVENT_RECONNECTS = 3

_CLOUD_MISSING = {
    "console": "Notte's API has no console log",
    "network": "Notte serves network logs as downloadable batches, not inline",
    "events": "Notte's API has no live event stream",
    "pause": "Notte's API cannot hold an agent's steps",
    "commands": "natural-language commands run through Notte's agents, not a session step",
    "click_xy": "Notte's API has no click at a point: pick an element id instead",
}


class NotteClient(HttpProvider):
    """Notte's sessions as a Provider (`notte` dialect)."""

    def __init__(
        self,
        config: ProviderConfig,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        token: str | None = None,
        stepdeck: bool | None = None,
    ) -> None:
        self.config = config
        self.name = config.name
        self.label = config.label or config.name
        self.base_url = (config.base_url or "https://api.notte.cc").rstrip("/")
        self._token = token
        self._transport = transport
        self._http: HttpClient | None = None
        self.stepdeck = stepdeck  # None: find out on start()
        self.step_timeout = max(STEP_TIMEOUT, config.timeout)
        # the server records every step itself: the app should not record them twice
        self.records_steps = False
        self.capabilities = self._capabilities()
        # the last observation of each session: what kind of element an id is
        self._seen: dict[str, Observation] = {}

    # -- plumbing ----------------------------------------------------------------------

    def _capabilities(self) -> Capabilities:
        if self.stepdeck:
            return Capabilities(events=True, pause=True)
        return Capabilities(
            console=False,
            network=False,
            events=False,
            pause=False,
            commands=False,
            click_xy=False,
            missing=dict(_CLOUD_MISSING),
        )

    def _key(self) -> str | None:
        return self._token or self.config.api_key()

    @property
    def http(self) -> HttpClient:
        if self._http is None:
            key = self._key()
            headers = {"Authorization": f"Bearer {key}"} if key else {}
            self._http = HttpClient(
                provider=self.label,
                base_url=self.base_url,
                headers=headers,
                key_env=self.config.key_env,
                timeout=self.config.timeout,
                transport=self._transport,
            )
        return self._http

    async def start(self) -> None:
        if not self._key():
            where = self.config.key_env or "the token"
            raise AuthError(
                f"No key for {self.label}",
                f"set {where}" + (" or run `stepdeck serve` first" if self.stepdeck else ""),
            )
        if self.stepdeck is None:
            self.stepdeck = await self._is_stepdeck()
            self.capabilities = self._capabilities()
        self.records_steps = bool(self.stepdeck)

    async def _is_stepdeck(self) -> bool:
        try:
            body = await self.http.call("GET", "/health")
        except StepdeckError:
            return False
        return isinstance(body, dict) and "dialects" in body

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    def _unsupported(self, what: str) -> Unsupported:
        return Unsupported(
            f"{self.label}: {_CLOUD_MISSING.get(what, f'no {what}')}",
            "use a local session or `stepdeck serve` for this",
        )

    def _sid(self, session_id: str) -> str:
        return f"/sessions/{session_id}"

    # -- sessions --------------------------------------------------------------------

    async def list_sessions(self) -> list[Session]:
        out: list[Session] = []
        for page in range(1, 6):
            body = await self.http.call(
                "GET",
                "/sessions/",
                params={"page": page, "page_size": 100, "only_active": "true"},
            )
            items = body if isinstance(body, list) else body.get("items", [])
            try:
                parsed = SessionListResponse(items=items)
            except ValidationError as exc:
                raise BadResponse(f"{self.label} sent a session list stepdeck cannot read") from exc
            out += [s.to_session(self.name) for s in parsed.items]
            if isinstance(body, list) or not body.get("has_next"):
                break
        return out

    async def create_session(self, request: CreateSession) -> Session:
        body = SessionStartRequest.from_create(request).model_dump(exclude_none=True)
        if not self.stepdeck:
            body.pop("url", None)
            body.pop("label", None)
        reply = await self.http.call("POST", "/sessions/start", SessionResponse, json_body=body)
        session = reply.to_session(self.name)
        if not self.stepdeck:
            session.label = request.label
            if request.url:
                await self.step(session.id, StepRequest(type="goto", url=request.url))
                session.url = request.url
        return session

    async def get_session(self, session_id: str) -> Session:
        reply = await self.http.call("GET", self._sid(session_id), SessionResponse)
        return reply.to_session(self.name)

    async def save_profile(self, session_id: str, name: str) -> ProfileSummary:
        """Save the session's browser state as profile `name` (Notte's profile/save)."""
        reply = await self.http.call(
            "POST",
            f"{self._sid(session_id)}/profile/save",
            ProfileResponse,
            json_body={"name": name},
        )
        return ProfileSummary(
            name=reply.name or reply.profile_id,
            saved_at=reply.updated_at,
            origins=reply.persisted_domains,
        )

    async def close_session(self, session_id: str) -> Session:
        reply = await self.http.call(
            "DELETE",
            f"{self._sid(session_id)}/stop",
            SessionResponse,
            params={"close_reason": "manual"},
            idempotent=True,
        )
        return reply.to_session(self.name)

    # -- the page --------------------------------------------------------------------

    async def observe(self, session_id: str, *, screenshot: bool = True) -> Observation:
        params = {"screenshot": "false"} if self.stepdeck and not screenshot else None
        reply = await self.http.call(
            "POST",
            f"{self._sid(session_id)}/page/observe",
            ObserveResponse,
            json_body=ObserveRequest().model_dump(exclude_none=True),
            params=params,
            idempotent=True,
        )
        obs = reply.to_observation()
        if reply.markdown is None:  # the cloud: markdown is a scrape away
            obs.markdown = await self.scrape(session_id)
        if not screenshot:
            obs.screenshot = None
        self._seen[session_id] = obs
        return obs

    def _resolve(self, session_id: str, request: StepRequest) -> StepRequest:
        """A step Notte can execute: `auto` becomes click / fill / select / check.

        The element's kind comes from the session's last observation; an unseen id
        with a value is refused rather than guessed.
        """
        if request.type != "auto":
            return request
        seen = self._seen.get(session_id)
        action = seen.action(request.id or "") if seen is not None else None
        if request.value is None:
            kind = "click"
        elif action is not None and (
            (action.params and action.params[0].values) or action.role in ("combobox", "listbox")
        ):
            kind = "select"
        elif action is not None and action.params:
            kind = "fill"
        elif action is None and (request.id or "").upper().startswith("I"):
            kind = "fill"  # I-ids are inputs in Notte's perception
        else:
            what = f"{request.id} ({action.description})" if action else str(request.id)
            raise InvalidRequest(
                f"{what} takes no value" if action else f"{what} is not on the last observed page",
                "observe the page again, then click it alone or fill an input (I1 …)",
            )
        return request.model_copy(update={"type": kind})

    async def step(self, session_id: str, request: StepRequest) -> StepResult:
        if request.type == "command" and not self.stepdeck:
            raise self._unsupported("commands")
        if request.type == "click_xy" and not self.stepdeck:
            raise self._unsupported("click_xy")
        wire_step = self._resolve(session_id, request)
        if not self.stepdeck:
            if request.type == "done":  # not executable in Notte: the task ends here
                return StepResult(
                    status=StepStatus.DONE, message=request.value or "done", request=request
                )
            if request.type == "scrape":  # not executable in Notte: its scrape endpoint
                started = utcnow()
                markdown = await self.scrape(session_id)
                return StepResult(
                    message="scraped the page", request=request, data=markdown, started_at=started
                )
            if request.type == "close_tab" and request.index is not None:
                # Notte closes the current tab: make tab N current first.
                await self.step(session_id, StepRequest(type="switch_tab", index=request.index))
                wire_step = wire_step.model_copy(update={"index": None})
        body = ExecutionRequest.from_step(wire_step).wire()
        if not self.stepdeck:  # Notte's own models refuse fields they do not know
            body.pop("source", None)
            body.pop("confirm", None)
        reply = await self.http.call(
            "POST",
            f"{self._sid(session_id)}/page/execute",
            ExecutionResponse,
            json_body=body,
            # `stepdeck serve` adds the page after the step when asked: no second round trip
            params={"observation": "true"} if self.stepdeck else None,
            idempotent=False,
            timeout=self.step_timeout,
            # the step's own id: `stepdeck serve` echoes it on the step's events
            headers=request_id_header(request.request_id),
        )
        result = reply.to_result(request)
        if result.observation is not None:
            self._seen[session_id] = result.observation
        if result.observation is None and not self.stepdeck:
            try:
                result.observation = await self.observe(session_id)
            except StepdeckError:
                pass  # the step happened; the next observe will show the page
        return result

    async def screenshot(self, session_id: str) -> bytes:
        response = await self.http.request(
            "POST", f"{self._sid(session_id)}/page/screenshot", idempotent=True
        )
        if response.headers.get("content-type", "").startswith("image/"):
            return response.content
        body = parse(response, None, provider=self.label)
        raw = None
        if isinstance(body, dict):
            raw = body.get("raw") or body.get("screenshot") or body.get("data")
            if isinstance(raw, dict):
                raw = raw.get("raw")
        if not isinstance(raw, str) or not raw:
            raise BadResponse(f"{self.label} sent no screenshot")
        try:
            return base64.b64decode(raw)
        except ValueError as exc:
            raise BadResponse(f"{self.label} sent a screenshot that is not base64") from exc

    async def scrape(
        self, session_id: str, *, schema: dict[str, Any] | None = None, **options: Any
    ) -> Any:
        body: dict[str, Any] = {}
        if schema is not None:
            body["response_format"] = schema
        if self.stepdeck:
            body.update({k: v for k, v in options.items() if v is not None})
        reply = await self.http.call(
            "POST",
            f"{self._sid(session_id)}/page/scrape",
            ScrapeResponse,
            json_body=body,
            idempotent=True,
            timeout=self.step_timeout,
        )
        if schema is None:
            return reply.markdown
        structured = reply.structured
        if structured is None or not structured.success:
            raise InvalidRequest(
                f"{self.label} could not extract that: {structured.error if structured else 'no data'}",
                "check the schema against the page",
            )
        return structured.data

    # -- inspection ---------------------------------------------------------------------

    async def action_log(self, session_id: str) -> list[LogEntry]:
        if self.stepdeck:
            reply = await self.http.call("GET", f"{self._sid(session_id)}/log", ActionLogResponse)
            return reply.items
        session = await self.http.call("GET", self._sid(session_id), SessionResponse)
        entries = []
        for i, step in enumerate(session.steps):
            action = step.get("action") if isinstance(step.get("action"), dict) else step
            entries.append(
                LogEntry(
                    index=i,
                    type=str(action.get("type", step.get("type", "step"))),
                    params={k: v for k, v in action.items() if k != "type"},
                    success=bool(step.get("success", True)),
                    message=str(step.get("message", "")),
                )
            )
        return entries

    async def console(self, session_id: str) -> list[ConsoleMessage]:
        if not self.stepdeck:
            raise self._unsupported("console")
        reply = await self.http.call("GET", f"{self._sid(session_id)}/console", ConsoleResponse)
        return reply.items

    async def network(self, session_id: str) -> list[NetworkRequest]:
        if not self.stepdeck:
            raise self._unsupported("network")
        reply = await self.http.call(
            "GET", f"{self._sid(session_id)}/network/logs", NetworkLogsResponse
        )
        return reply.requests

    async def health(self, session_id: str) -> Health:
        if self.stepdeck:
            return await self.http.call("GET", f"{self._sid(session_id)}/health", Health)
        session = await self.get_session(session_id)
        return Health(
            ok=session.status.is_live,
            status=session.status,
            detail=session.error or str(session.status),
        )

    async def set_paused(self, session_id: str, paused: bool) -> Session:
        if not self.stepdeck:
            raise self._unsupported("pause")
        action = "pause" if paused else "resume"
        reply = await self.http.call(
            "POST", f"{self._sid(session_id)}/{action}", SessionResponse, idempotent=True
        )
        return reply.to_session(self.name)

    async def events(self, session_id: str | None = None) -> AsyncIterator[Event]:
        """Live events from `stepdeck serve` (server-sent events), reconnecting on a drop."""
        if not self.stepdeck:
            raise self._unsupported("events")
        path = f"{self._sid(session_id)}/events" if session_id else "/sessions/events"
        failures = 0
        while True:
            try:
                async with aconnect_sse(
                    self.http.client, "GET", path, timeout=httpx.Timeout(10.0, read=None)
                ) as source:
                    if source.response.status_code >= 400:
                        await source.response.aread()
                        raise error_for(
                            source.response, provider=self.label, key_env=self.config.key_env
                        )
                    failures = 0
                    # Closed with this generator: left to the collector, the stream under it
                    # was closed later, on a loop that may have ended.
                    async with contextlib.aclosing(server_sent_events(source.response)) as events:
                        async for sse in events:
                            if not sse.data:
                                continue
                            try:
                                yield Event.model_validate(json.loads(sse.data))
                            except (ValueError, ValidationError):
                                continue  # an event this version does not know
            except (httpx.TransportError, httpx.StreamError) as exc:
                failures += 1
                if failures > EVENT_RECONNECTS:
                    raise Unreachable(f"lost the event stream of {self.label}: {exc}") from exc
                await asyncio.sleep(0.25 * 2**failures)
                continue
            # the server ended the stream (shutting down): say so, like a drop
            failures += 1
            if failures > EVENT_RECONNECTS:
                return
            await asyncio.sleep(0.25 * 2**failures)


async def server_running(url: str, *, timeout: float = 3.0, attempts: int = 3) -> bool:
    """Whether a `stepdeck serve` answers at `url` (its /health needs no token).

    A busy machine can be slow to answer, so a probe that times out is tried again
    (it only reads); a refused connection is an answer and is not.
    """
    for _ in range(attempts):
        try:
            async with httpx.AsyncClient(timeout=timeout) as http:
                reply = await http.get(f"{url.rstrip('/')}/health")
            body = reply.json()
        except httpx.TimeoutException:
            continue
        except (httpx.HTTPError, ValueError):
            return False
        return reply.status_code == 200 and isinstance(body, dict) and "dialects" in body
    return False


def connect(url: str, token: str | None, *, timeout: float = 30.0) -> NotteClient:
    """A client for a running `stepdeck serve` at `url` with its token (see
    `Settings.serve_token`). Raises AuthError without one. Call `await client.start()`."""
    if not token:
        raise AuthError(
            f"No token for the stepdeck server at {url}",
            f"set STEPDECK_TOKEN, or start `stepdeck serve` once so it writes {locations.token_file()}",
        )
    where = urlsplit(url).netloc or url
    config = ProviderConfig(
        name=SERVE_PROVIDER,
        dialect="notte",
        base_url=url,
        key_env="STEPDECK_TOKEN",
        label=f"stepdeck serve ({where})",
        timeout=timeout,
    )
    return NotteClient(config, token=token, stepdeck=True)


__all__ = ["SERVE_PROVIDER", "NotteClient", "connect", "server_running"]
