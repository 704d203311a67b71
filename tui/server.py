"""`stepdeck serve`: the embedded engine over HTTP, in every dialect's wire format.

`create_app` builds the FastAPI app around any Provider: it mounts each
dialect's router (table `DIALECTS`), puts each behind the token in that
dialect's own auth header, records every session and step in the store, and
answers every failure as JSON `{"error", "message", "hint"}` with the status
of the typed error (never a 500 for bad input). `run_server` is the command:
loopback only unless told otherwise, a token from `STEPDECK_TOKEN` or the data
dir (generated once, mode 0600).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hmac
import importlib
import ipaddress
import json
import logging
import os
import secrets
import socket
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, FastAPI, Request, WebSocket
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from tui import locations
from tui.dialects.notte.client import SERVE_PROVIDER
from tui.engine.heap import QuietCollector, short_pauses
from tui.errors import AuthError, StepdeckError
from tui.model import SessionStatus
from tui.offload import quick_handback
from tui.providers.base import Provider
from tui.records.recording import recording
from tui.settings import Settings
from tui.store import Store

log = logging.getLogger("stepdeck.server")

DEFAULT_PORT = 8390

# -- auth: each dialect names the header its clients send the key in -------------------

KeyReader = Callable[[Request], str | None]


def bearer_key(request: Request) -> str | None:
    """`Authorization: Bearer <token>` (Notte's shapes)."""
    value = request.headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def header_key(name: str) -> KeyReader:
    """A key in a header of its own (`X_MULTION_API_KEY`, ThinkRun's API key header)."""

    def read(request: Request) -> str | None:
        # Header names are case-insensitive; some clients send `_` and some proxies `-`.
        return request.headers.get(name) or request.headers.get(name.replace("_", "-"))

    read.__name__ = f"header_{name}"
    return read


def require_token(token: str, read: KeyReader, how: str) -> Callable[[Request], Any]:
    """A FastAPI dependency: 401 unless the request carries `token` the dialect's way."""

    async def check(request: Request) -> None:
        sent = read(request)
        if sent is None:
            raise AuthError(
                f"Missing token: send it as {how}",
                f"the token is in STEPDECK_TOKEN or {locations.token_file()}",
            )
        if not hmac.compare_digest(sent.encode(), token.encode()):
            raise AuthError(
                f"Wrong token in {how}",
                f"use the token `stepdeck serve` printed (STEPDECK_TOKEN or {locations.token_file()})",
            )

    return check


@dataclass(frozen=True)
class DialectMount:
    """One wire format served by `stepdeck serve`.

    `routes` names a module with `router(provider) -> APIRouter`; `key` reads
    the token from the header that dialect's clients use; `how` says it in words.
    """

    name: str
    routes: str
    prefix: str
    key: KeyReader
    how: str


# The dialects engineer adds notte_env (root: /session/..., /env/...), multion
# (prefix /v1/web, header X_MULTION_API_KEY) and thinkrun (/api/..., its API key header).
DIALECTS: list[DialectMount] = [
    DialectMount(
        name="notte",
        routes="tui.dialects.notte.routes",
        prefix="",
        key=bearer_key,
        how="Authorization: Bearer <token>",
    ),
    DialectMount(
        name="notte_env",
        routes="tui.dialects.notte_env.routes",
        prefix="",
        key=bearer_key,
        how="Authorization: Bearer <token>",
    ),
    DialectMount(
        name="multion",
        routes="tui.dialects.multion.routes",
        prefix="/v1/web",
        key=header_key("X_MULTION_API_KEY"),
        how="X_MULTION_API_KEY: <token>",
    ),
    DialectMount(
        name="thinkrun",
        routes="tui.dialects.thinkrun.routes",
        prefix="/api",
        # ThinkRun's key header is X-API-Key (seed 004); a bearer token is accepted too.
        key=lambda request: header_key("X-API-Key")(request) or bearer_key(request),
        how="X-API-Key: <token> (or Authorization: Bearer <token>)",
    ),
]


# -- errors as JSON ------------------------------------------------------------------------


def error_body(status: int, error: str, message: str, hint: str = "") -> JSONResponse:
    return JSONResponse(
        status_code=status,
        content={"error": error, "message": message, "hint": hint, "status": status},
    )


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for item in exc.errors()[:3]:
        if item.get("type") == "json_invalid":
            parts.append(
                f"the body is not valid JSON ({item.get('ctx', {}).get('error', 'decode error')})"
            )
            continue
        if item.get("type") == "model_attributes_type" and tuple(item.get("loc", ())) == ("body",):
            parts.append("the body must be a JSON object (send Content-Type: application/json)")
            continue
        loc = ".".join(str(x) for x in item.get("loc", ()) if x != "body")
        msg = str(item.get("msg", "")).removeprefix("Value error, ")
        parts.append(f"{loc}: {msg}" if loc else msg)
    return "; ".join(parts) or "the request body is not valid"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StepdeckError)
    async def on_stepdeck_error(request: Request, exc: StepdeckError) -> JSONResponse:
        return error_body(exc.http_status, type(exc).__name__, exc.message, exc.hint)

    @app.exception_handler(RequestValidationError)
    async def on_validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_body(
            422,
            "InvalidRequest",
            _validation_message(exc),
            "fix the request; the shapes are in /openapi.json and /docs",
        )

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        hint = (
            "the paths are listed in /openapi.json and /docs"
            if exc.status_code in (404, 405)
            else ""
        )
        name = {404: "NotFound", 405: "MethodNotAllowed"}.get(exc.status_code, "HTTPError")
        return error_body(exc.status_code, name, str(exc.detail), hint)

    @app.exception_handler(Exception)
    async def on_crash(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_body(
            500,
            "InternalError",
            f"{type(exc).__name__}: {exc}",
            "this is a stepdeck bug; the server's log has the traceback",
        )


# -- request bodies: bounded in size and depth, plain JSON only ---------------------------------

MAX_BODY = 1_048_576  # bytes: no step, session or extraction needs more
MAX_DEPTH = 64  # nesting levels of a JSON body


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _depth(value: Any, limit: int) -> int:
    """Nesting depth of parsed JSON, counted no further than `limit` + 1."""
    deepest, todo = 0, [(value, 1)]
    while todo:
        item, depth = todo.pop()
        if isinstance(item, dict | list) and item:
            if depth > limit:
                return depth
            deepest = max(deepest, depth)
            todo.extend((v, depth + 1) for v in (item.values() if isinstance(item, dict) else item))
    return deepest


class InFlight:
    """ASGI middleware: tells `collector` while a request waits for its answer, so that full
    garbage collections run when none does (`tui.engine.heap`). An event stream counts until
    its headers are out: from then on it waits for the page, not for this process."""

    def __init__(self, app: Any, collector: QuietCollector) -> None:
        self.app = app
        self.collector = collector

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        waiting = True
        self.collector.enter()

        async def sending(message: dict) -> None:
            nonlocal waiting
            if waiting and message["type"] == "http.response.start" and _is_stream(message):
                waiting = False
                self.collector.leave()
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            if waiting:
                self.collector.leave()


def _is_stream(start: dict) -> bool:
    return any(
        name.lower() == b"content-type" and value.startswith(b"text/event-stream")
        for name, value in start.get("headers") or ()
    )


class BodyGuard:
    """ASGI middleware: a body over `MAX_BODY` is 413; a JSON body nested deeper than
    `MAX_DEPTH`, or holding NaN/Infinity (not JSON), is 400 — before any route parses it
    (Python's own parser answers a 100,000-deep body with a RecursionError)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > MAX_BODY:
            await self._refuse(send, 413, "PayloadTooLarge", f"The body is {int(declared):,} bytes")
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, receive, send)  # a disconnect: let the app see it
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY:
                await self._refuse(send, 413, "PayloadTooLarge", "The body is too large")
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        problem = self._problem(body)
        if problem:
            await self._refuse(send, 400, "InvalidRequest", problem)
            return
        replayed = False

        async def replay() -> dict:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    @staticmethod
    def _problem(body: bytes) -> str:
        head = body.lstrip()[:1]
        if head not in (b"{", b"["):
            return ""  # not JSON: the route's own validation says what it wants
        try:
            value = json.loads(body, parse_constant=_refuse_constant)
        except RecursionError:
            return f"The JSON body is nested too deep (at most {MAX_DEPTH} levels)"
        except ValueError as exc:
            if "is not JSON" in str(exc):
                return f"The JSON body holds {str(exc).split()[0]}: numbers must be finite"
            return ""  # invalid JSON: the route's validation says where
        if _depth(value, MAX_DEPTH) > MAX_DEPTH:
            return f"The JSON body is nested too deep (at most {MAX_DEPTH} levels)"
        return ""

    @staticmethod
    async def _refuse(send: Callable, status: int, error: str, message: str) -> None:
        hint = (
            f"send at most {MAX_BODY:,} bytes"
            if status == 413
            else "send plain JSON; the shapes are in /openapi.json"
        )
        response = error_body(status, error, message, hint)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(response.body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": response.body})


async def record_statuses(provider: Provider, store: Store, name: str) -> None:
    """Write every status change the provider reports (a crash with its reason, an expiry)
    to the store, so it never keeps `active` for a session that died."""
    async for event in provider.events():
        if event.kind != "status":
            continue
        try:
            status = SessionStatus(event.data.get("status", ""))
        except ValueError:
            continue
        error = event.data.get("error")
        try:
            await asyncio.to_thread(store.mark_status, name, event.session_id, status, error)
        except Exception:  # the store must never stop the server
            log.exception("could not record a status change")


# -- the app ---------------------------------------------------------------------------------


def create_app(
    provider: Provider,
    token: str,
    *,
    store: Store | None = None,
    dialects: list[DialectMount] | None = None,
    manage_provider: bool = True,
) -> FastAPI:
    """The HTTP app over `provider`: every dialect, behind `token`, recorded in `store`.

    With `manage_provider` the app starts the provider on startup and closes it
    (and the store) on shutdown.
    """
    # Every session and finished step is in the store before the HTTP answer goes out.
    served: Provider = recording(provider, store, record_as=SERVE_PROVIDER)

    collector = QuietCollector()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if manage_provider:
            await provider.start()
        quiet = asyncio.create_task(collector.run(), name="stepdeck-full-collections")
        follow: asyncio.Task[None] | None = None
        if store is not None and getattr(getattr(provider, "capabilities", None), "events", False):
            follow = asyncio.create_task(
                record_statuses(provider, store, SERVE_PROVIDER), name="stepdeck-statuses"
            )
        try:
            yield
        finally:
            for task in (follow, quiet):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(BaseException):
                        await task
            if manage_provider:
                with contextlib.suppress(Exception):
                    await provider.aclose()
                if store is not None:
                    store.close()

    from tui import __version__

    app = FastAPI(
        title="stepdeck",
        version=__version__,
        description="Browser sessions from stepdeck's embedded engine, in Notte's session API "
        "(and the other dialects). Authenticate with the token `stepdeck serve` printed.",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    app.add_middleware(BodyGuard)
    app.add_middleware(InFlight, collector=collector)  # outermost: it counts the whole wait
    app.state.collector = collector

    @app.get("/health", tags=["stepdeck"])
    async def health() -> dict[str, Any]:
        """No token needed: whether the server is up, and what it serves."""
        return {
            "status": "ok",
            "provider": provider.name,
            "dialects": [d.name for d in (dialects if dialects is not None else DIALECTS)],
        }

    @app.get(
        "/pool",
        tags=["stepdeck"],
        dependencies=[Depends(require_token(token, bearer_key, "Authorization: Bearer <token>"))],
    )
    async def pool() -> dict[str, Any]:
        """The browser endpoints behind this server: up or not, sessions, limit, why one is down."""
        state = getattr(provider, "pool_state", None)
        return {"endpoints": state() if state is not None else []}

    for mount in dialects if dialects is not None else DIALECTS:
        module = importlib.import_module(mount.routes)
        app.include_router(
            module.router(served),
            prefix=mount.prefix,
            dependencies=[Depends(require_token(token, mount.key, mount.how))],
        )
    if any(m.name == "notte" for m in (dialects if dialects is not None else DIALECTS)):
        from tui.dialects.notte.cdp import serve_cdp

        # A session's CDP endpoint (Notte's cdp_url): guarded by a per-session token derived
        # from the server's, carried in the URL (a websocket client sends no headers).
        @app.websocket("/sessions/{session_id}/cdp")
        async def session_cdp(websocket: WebSocket, session_id: str) -> None:
            await serve_cdp(websocket, served, token, session_id)

    app.state.cdp_secret = token
    app.state.provider = served
    app.state.store = store
    return app


# -- the command -------------------------------------------------------------------------------


def server_token(settings: Settings) -> tuple[str, str]:
    """The token and where it came from: STEPDECK_TOKEN, the token file, or made now."""
    env = settings.token.get_secret_value().strip() if settings.token is not None else ""
    if env:
        return env, "STEPDECK_TOKEN"
    path = locations.token_file()
    if path.exists():
        saved = path.read_text().strip()
        if saved:
            return saved, str(path)
    token = secrets.token_urlsafe(32)
    locations.ensure(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(token + "\n")
    os.chmod(path, 0o600)
    return token, f"{path} (new)"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def refuse_remote(command: str, host: str, allow_remote: bool, what: str) -> bool:
    """Say why `command` will not listen on a non-loopback `host` (True: refused)."""
    if is_loopback(host) or allow_remote:
        return False
    print(
        f"stepdeck {command}: refusing to listen on {host}: anyone who can reach it could "
        f"drive {what}. Use --allow-remote if you mean it (the token still applies).",
        file=sys.stderr,
    )
    return True


def quiet_gc() -> None:
    """Short garbage-collector pauses for the long-running server.

    Every collection walks its generations with the GIL held, so it holds the event loop
    whichever thread runs it. A big page's observation is ~29,000 tracked objects (5,000
    actions), all alive until the next one: with young collections every 10,000 allocations
    and a middle one every 10 of those, one middle collection walked ~100,000 objects. In a
    simulation of 100 big observes over 6 sessions: middle collections took up to 135 ms of
    CPU (2.5 s in all; 130-400 ms wall under load). With (2000, 2, 250): young at most 2 ms,
    middle at most 7 ms (1.2 s in all for every generation), and full collections as rare
    as before (every ~1M allocations: one in those 100 observes, ~210 ms of CPU walking every
    live observation: what is left). What is alive at start moves out of the collector's
    sight (`gc.freeze`), and once the app runs, full collections wait for a moment when no
    request does (`QuietCollector`, started with the app).
    """
    gc.collect()
    gc.freeze()
    short_pauses()


def loop_first() -> None:
    """Let `stepdeck serve`'s event loop in quickly beside busy worker threads: few long
    collector pauses, and the GIL handed back within 0.5 ms while a big page's work is in
    a thread (`tui.offload`)."""
    quiet_gc()
    quick_handback()


# How long an idle keep-alive connection stays open. Longer than any client keeps one to
# reuse (httpx: 5 s, uvicorn's own default too): with both at 5 s, a step sent on a
# connection just as the server closed it failed ("cannot reach"), and a step is never
# sent twice.
KEEP_ALIVE_S = 65


def listen_socket(host: str, port: int) -> socket.socket:
    """The bound TCP socket `stepdeck serve` listens on (OSError when it cannot bind)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio turns Nagle off (TCP_NODELAY) only on sockets that say TCP;
    # with it on, every keep-alive answer (headers, then body) waited ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock


def run_server(
    *,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    allow_remote: bool = False,
    cdp_url: str | tuple[str, ...] | None = None,
    headed: bool = False,
    chromium: str | None = None,
    trace: bool = False,
    ws_endpoints: tuple[str, ...] = (),
    endpoint_limit: int | None = None,
) -> int:
    """Run `stepdeck serve` until interrupted. Returns the exit code."""
    if refuse_remote("serve", host, allow_remote, "the browser"):
        return 2
    import uvicorn

    from tui.providers.local import LocalProvider
    from tui.settings import SettingsError, load_settings

    try:
        # Command-line flags win over env and the config file (a flag not given is None).
        settings = load_settings(
            cdp_url=cdp_url or None,  # --cdp-url repeated (and --ws-endpoint): a pool
            ws_endpoints=ws_endpoints or None,
            endpoint_limit=endpoint_limit,
            headed=headed or None,
            chromium=chromium,
            trace=trace or None,
        )
    except SettingsError as exc:
        print(f"stepdeck serve: {exc}", file=sys.stderr)
        return 2
    try:
        sock = listen_socket(host, port)
    except OSError as exc:
        print(
            f"stepdeck serve: cannot listen on {host}:{port}: {exc.strerror or exc}. "
            "Is another server running there? Pick another --port.",
            file=sys.stderr,
        )
        return 2
    token, source = server_token(settings)
    try:
        provider = LocalProvider.from_settings(settings)
    except StepdeckError as exc:  # e.g. a --ws-endpoint that is no ws:// address
        print(f"stepdeck serve: {exc}", file=sys.stderr)
        return 2
    store = Store()
    # Sessions a previous server left "active" died with it (a kill, a crash): say so.
    for stale in store.sessions(SERVE_PROVIDER):
        if stale.status.is_live:
            store.mark_status(SERVE_PROVIDER, stale.id, SessionStatus.ENDED)
    app = create_app(provider, token, store=store)
    shown = f"[{host}]" if ":" in host else host
    print(f"stepdeck serve: http://{shown}:{sock.getsockname()[1]}  (docs at /docs)", flush=True)
    print(f"token ({source}): {token}", flush=True)
    if provider.pool_state():
        where = ", ".join(e["endpoint"] for e in provider.pool_state())
        print(f"browser pool: {where}  (GET /pool for their state)", flush=True)
    # httptools, not h11's pure Python parser; the stock asyncio loop, the one the app runs on.
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        lifespan="on",
        http="httptools",
        loop="asyncio",
        timeout_keep_alive=KEEP_ALIVE_S,
    )
    server = uvicorn.Server(config)
    loop_first()
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    return 0
