"""The HTTP plumbing every dialect client shares.

One place maps a provider's failures to the typed errors of
`tui.errors` (same message shape for every provider), parses replies into the
dialect's pydantic models, and retries what is safe to retry: reads only.
A step (anything with `idempotent=False`) is sent exactly once, whatever
happens, because a retried click can buy something twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
from collections.abc import AsyncIterator, Callable, Mapping
from typing import TYPE_CHECKING, Any

import httpx
from httpx_sse import EventSource, ServerSentEvent
from pydantic import BaseModel, TypeAdapter, ValidationError

from tui.errors import (
    AuthError,
    BadResponse,
    BillingError,
    InvalidRequest,
    RateLimited,
    ServerError,
    SessionGone,
    SessionNotFound,
    StepdeckError,
    StepTimeout,
    Unreachable,
    Unsupported,
)

if TYPE_CHECKING:
    from tui.settings import ProviderConfig

READ_RETRIES = 2  # extra attempts for reads after a 429/5xx/connection failure
BACKOFF_BASE = 0.25  # seconds, doubled per attempt, jittered
# A client's own id for the step it asks for; `stepdeck serve` echoes it on the step's events
# (tui/dialects/request_ids.py). None of the dialects' bodies has a field for it.
REQUEST_ID_HEADER = "X-Request-Id"


def request_id_header(request_id: str | None) -> dict[str, str]:
    """The header carrying a step's own id (none when it has no id)."""
    return {REQUEST_ID_HEADER: request_id} if request_id else {}


async def server_sent_events(response: httpx.Response) -> AsyncIterator[ServerSentEvent]:
    """The events of a streamed response; close this (`contextlib.aclosing`) to close it.

    The response is closed before the iterators that read it: closed after them, the ones
    under httpx-sse's (left to the loop's finalizer) may start closing it first and leave
    its connection busy until the loop runs them again, or for good once the loop has ended.
    """
    events = EventSource(response).aiter_sse()
    async with contextlib.aclosing(events):
        try:
            async for event in events:
                yield event
        finally:
            await response.aclose()


def provider_message(response: httpx.Response) -> str:
    """The provider's own words about a failed request, from its JSON or text."""
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        text = response.text.strip()
        return text[:300] if text else response.reason_phrase
    if isinstance(body, Mapping):
        for key in ("message", "detail", "error", "error_message", "msg"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
            if isinstance(value, Mapping) and isinstance(value.get("message"), str):
                return value["message"]
            if isinstance(value, list) and value:
                # FastAPI/pydantic validation details
                parts = []
                for item in value[:3]:
                    if isinstance(item, Mapping):
                        loc = ".".join(str(x) for x in item.get("loc", ()) if x != "body")
                        parts.append(f"{loc}: {item.get('msg', '')}".strip(": "))
                    else:
                        parts.append(str(item))
                return "; ".join(parts)
    return json.dumps(body)[:300]


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def error_for(response: httpx.Response, *, provider: str, key_env: str | None) -> StepdeckError:
    """Map a non-2xx reply to the typed error the UI knows how to explain."""
    status = response.status_code
    said = provider_message(response)
    where = f"{provider}: {said}" if said else provider
    if status in (401, 403):
        hint = f"set {key_env} to a valid {provider} API key" if key_env else "check the API token"
        return AuthError(f"{provider} refused the key ({status}): {said}", hint)
    if status == 402:
        return BillingError(f"{provider} wants payment (402): {said}")
    if status == 404:
        return SessionNotFound(f"{where} (404)")
    if status == 410:
        return SessionGone(f"{where} (410)")
    if status in (400, 409, 422):
        return InvalidRequest(f"{where} ({status})", "fix the request and try again")
    if status == 429:
        return RateLimited(f"{provider} is rate limiting (429): {said}", _retry_after(response))
    if status in (408, 504):
        return StepTimeout(f"{where} ({status})")
    if status >= 500:
        return ServerError(f"{provider} failed ({status}): {said}")
    return ServerError(f"{provider} answered {status}: {said}")


def _redacted(value: Any, depth: int = 0) -> Any:
    """A JSON body fit to show: long strings (base64 screenshots) cut, depth bounded."""
    if depth > 8:
        return "…"
    if isinstance(value, str):
        return value if len(value) <= 500 else f"{value[:80]}… ({len(value):,} chars)"
    if isinstance(value, Mapping):
        return {k: _redacted(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        shown = [_redacted(v, depth + 1) for v in value[:50]]
        return [*shown, f"… {len(value) - 50} more"] if len(value) > 50 else shown
    return value


def _retryable(exc: Exception) -> bool:
    return isinstance(exc, RateLimited | ServerError | Unreachable | StepTimeout)


class HttpClient:
    """An httpx.AsyncClient wrapper with typed errors and safe retries.

    `key_header` and `key_env` say how the provider's key travels; the key
    itself is read from the environment at construction and never logged.
    """

    def __init__(
        self,
        *,
        provider: str,
        base_url: str,
        headers: Mapping[str, str] | None = None,
        key_env: str | None = None,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.provider = provider
        self.key_env = key_env
        self.base_url = base_url.rstrip("/")
        # The last request and reply, for the app's Raw tab. Headers are never kept:
        # they carry the key.
        self.last_exchange: dict[str, Any] | None = None
        self._client = httpx.AsyncClient(
            base_url=self.base_url,
            headers=dict(headers or {}),
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            transport=transport,
            follow_redirects=True,
        )

    @property
    def client(self) -> httpx.AsyncClient:
        return self._client

    async def aclose(self) -> None:
        await self._client.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        idempotent: bool | None = None,
        json_body: Any = None,
        params: Mapping[str, Any] | None = None,
        timeout: float | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send a request; raise a typed error for any failure.

        Reads (GET, or `idempotent=True`) are retried on 429/5xx/connection
        errors with jittered backoff. Everything else is sent once.
        """
        if idempotent is None:
            idempotent = method.upper() in ("GET", "HEAD")
        attempts = 1 + (READ_RETRIES if idempotent else 0)
        clean_params = {k: v for k, v in (params or {}).items() if v is not None}
        kwargs: dict[str, Any] = {"params": clean_params}
        if json_body is not None:
            kwargs["json"] = json_body
        if timeout is not None:
            kwargs["timeout"] = timeout
        if headers:
            kwargs["headers"] = dict(headers)
        for attempt in range(attempts):
            try:
                return await self._send_once(method, path, **kwargs)
            except StepdeckError as exc:
                last = attempt == attempts - 1
                if last or not _retryable(exc):
                    raise
                delay = BACKOFF_BASE * (2**attempt) * (0.5 + random.random())
                if isinstance(exc, RateLimited) and exc.retry_after:
                    delay = min(exc.retry_after, 10.0)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _send_once(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        exchange: dict[str, Any] = {
            "request": {
                "method": method,
                "url": f"{self.base_url}/{path.lstrip('/')}",
                "params": kwargs.get("params") or None,
                "json": _redacted(kwargs.get("json")),
            },
            "response": None,
        }
        self.last_exchange = exchange
        try:
            response = await self._client.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            exchange["response"] = {"error": "timeout"}
            raise StepTimeout(
                f"{self.provider} did not answer {method} {path} in time",
                "the provider is slow or the page is stuck; try again",
            ) from exc
        except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError) as exc:
            exchange["response"] = {"error": f"{type(exc).__name__}: {exc}"}
            raise Unreachable(f"cannot reach {self.provider} at {self.base_url}: {exc}") from exc
        except httpx.HTTPError as exc:
            raise Unreachable(f"{self.provider}: {exc}") from exc
        exchange["response"] = {"status": response.status_code, "json": _body_for_show(response)}
        if response.status_code >= 400:
            raise error_for(response, provider=self.provider, key_env=self.key_env)
        return response

    async def call[M: BaseModel](
        self,
        method: str,
        path: str,
        model: type[M] | TypeAdapter | None = None,
        **kwargs: Any,
    ) -> Any:
        """Send a request and parse the JSON reply into `model` (or return the JSON)."""
        response = await self.request(method, path, **kwargs)
        return parse(response, model, provider=self.provider)


def _body_for_show(response: httpx.Response) -> Any:
    if "json" not in response.headers.get("content-type", ""):
        return f"({response.headers.get('content-type', 'no content type')}, {len(response.content):,} bytes)"
    try:
        return _redacted(response.json())
    except (ValueError, UnicodeDecodeError):
        return f"(invalid JSON, {len(response.content):,} bytes)"


def parse(response: httpx.Response, model: Any, *, provider: str) -> Any:
    """Parse a reply; malformed or truncated JSON becomes BadResponse."""
    try:
        data = response.json()
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadResponse(
            f"{provider} sent a reply that is not JSON ({len(response.content)} bytes)"
        ) from exc
    if model is None:
        return data
    try:
        if isinstance(model, TypeAdapter):
            return model.validate_python(data)
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(x) for x in first.get("loc", ()))
        raise BadResponse(
            f"{provider} sent a reply stepdeck cannot read: {loc}: {first.get('msg')}"
        ) from exc


class HttpProvider:
    """What every dialect client shares: its HttpClient, lifecycle, and plain refusals.

    A client sets `self._http` and `self.capabilities`; a feature its API lacks
    raises `Unsupported` with the reason its capabilities give, which the app
    shows as a disabled tab rather than an error.
    """

    _http: HttpClient | None = None
    capabilities: Any

    def __init__(
        self,
        config: ProviderConfig,
        *,
        label: str,
        base_url: str,
        auth: Callable[[str], dict[str, str]],
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        """Name, label and HTTP client from the config; `auth(key)` gives the key's headers."""
        self.config = config
        self.name = config.name
        self.label = config.label or label
        key = config.api_key()
        self._http = HttpClient(
            provider=self.label,
            base_url=config.base_url or base_url,
            headers=auth(key) if key else {},
            key_env=config.key_env,
            timeout=config.timeout,
            transport=transport,
        )

    async def start(self) -> None:
        return None

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()

    @property
    def last_exchange(self) -> dict | None:
        """The last request and reply on the wire (no headers), for the Raw tab."""
        return self._http.last_exchange if self._http is not None else None

    def _refuse(self, capability: str) -> Unsupported:
        return Unsupported(self.capabilities.reason(capability))

    async def console(self, session_id: str) -> list:
        raise self._refuse("console")

    async def network(self, session_id: str) -> list:
        raise self._refuse("network")

    def events(self, session_id: str | None = None) -> AsyncIterator:
        raise self._refuse("events")

    async def set_paused(self, session_id: str, paused: bool) -> Any:
        raise self._refuse("pause")
