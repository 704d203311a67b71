"""Fixtures for the dialect tests.

`misbehaving` is a real HTTP server on 127.0.0.1 that answers whatever a
test scripts (a status, a slow reply, a dropped connection, broken JSON, a
server-sent event stream) and counts every request it receives, so a test
can show that a step was sent exactly once and a read was retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import pytest_asyncio

import tui.dialects.http as dialect_http


@dataclass
class Reply:
    """What the server answers: a status and a body, or a fault."""

    status: int = 200
    body: Any = None  # JSON-able, or bytes sent as is
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering
    hang: bool = False  # answer only once the test is over: a server that never answers in time
    drop: bool = False  # close the connection without a reply
    events: list[Any] | None = None  # server-sent events (JSON-able), sent one by one
    event_gap: float = 0.0


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that timed out has gone: writing to it fails, as it should.
        pass


class Misbehaving:
    """A loopback HTTP server whose replies the test scripts, path by path."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, str]] = Counter()
        self.bodies: list[tuple[str, str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self._replies: list[tuple[str, str, Reply]] = []
        self.default = Reply(404, {"message": "nothing scripted here"})
        self._lock = threading.Lock()
        self._over = threading.Event()  # set when the test ends: hanging replies go out then
        self._arrived = threading.Condition(self._lock)
        self._server = _QuietServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def on(self, method: str, path_part: str, reply: Reply) -> None:
        """Answer `reply` to requests whose path contains `path_part` (first match wins)."""
        self._replies.insert(0, (method.upper(), path_part, reply))

    def count(self, method: str, path_part: str) -> int:
        return sum(n for (m, p), n in self.counts.items() if m == method and path_part in p)

    def arrived(self, method: str, path_part: str, n: int, timeout: float = 30.0) -> int:
        """How many such requests came, once `n` have (or `timeout` passed).

        The server's thread reads a request after the client sent it: a client that gave
        up (a timeout) may be done before the server counted it, on a busy machine.
        """
        with self._arrived:
            self._arrived.wait_for(lambda: self.count(method, path_part) >= n, timeout)
            return self.count(method, path_part)

    def _reply_for(self, method: str, path: str) -> Reply:
        for m, part, reply in self._replies:
            if m == method and part in path:
                return reply
        return self.default

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                path = self.path.split("?", 1)[0]
                with outer._lock:
                    outer.counts[(self.command, path)] += 1
                    try:
                        outer.bodies.append((self.command, path, json.loads(raw or b"null")))
                    except ValueError:
                        outer.bodies.append((self.command, path, raw))
                    outer.headers.append({k.lower(): v for k, v in self.headers.items()})
                    outer._arrived.notify_all()
                reply = outer._reply_for(self.command, path)
                if reply.hang:  # bounded, so no thread outlives a run that lost its teardown
                    outer._over.wait(120)
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.drop:
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
                if reply.events is not None:
                    self.send_response(reply.status)
                    self.send_header("content-type", "text/event-stream")
                    self.send_header("connection", "close")
                    self.end_headers()
                    for event in reply.events:
                        name = ""
                        if isinstance(event, tuple):  # (event name, data)
                            name, event = event
                            name = f"event: {name}\n"
                        data = event if isinstance(event, str) else json.dumps(event)
                        self.wfile.write(f"{name}data: {data}\n\n".encode())
                        self.wfile.flush()
                        time.sleep(reply.event_gap)
                    self.close_connection = True
                    return
                body = reply.body
                if not isinstance(body, bytes):
                    body = json.dumps(body).encode()
                self.send_response(reply.status)
                headers = {"content-type": "application/json", **reply.headers}
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_DELETE = do_PUT = _serve

        return Handler

    def start(self) -> Misbehaving:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._over.set()
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def misbehaving() -> Iterator[Misbehaving]:
    server = Misbehaving().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Read retries wait milliseconds, not seconds, in tests."""
    monkeypatch.setattr(dialect_http, "BACKOFF_BASE", 0.01)


@pytest.fixture
def free_port() -> int:
    """A loopback port with nothing listening (for connection-refused tests)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- `stepdeck serve` over a real LocalProvider, on a loopback port --------------------

TOKEN = "dialect-test-token"


@contextlib.asynccontextmanager
async def serving(app: Any, lifespan: str = "off") -> AsyncIterator[str]:
    """Run an ASGI app on uvicorn at 127.0.0.1:<free port> in this event loop (`lifespan`
    "on": its startup and shutdown run too)."""
    import uvicorn

    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, log_level="warning", lifespan=lifespan, access_log=False
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()  # raise what stopped it
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def module_provider() -> AsyncIterator[Any]:
    """One LocalProvider (headless Chromium) for a whole test module: launching costs ~1 s."""
    from tui.providers.local import LocalProvider

    provider = LocalProvider(nav_timeout_ms=10_000, action_timeout_ms=3_000)
    await provider.start()
    try:
        yield provider
    finally:
        await provider.aclose()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def served(module_provider: Any) -> AsyncIterator[str]:
    """Base url of `stepdeck serve`'s app (every dialect, token TOKEN) over a LocalProvider.

    Shared by a module's tests (which run on the module's event loop: mark them
    `pytest.mark.asyncio(loop_scope="module")`); each test closes what it opens.
    """
    from tui.server import create_app

    app = create_app(module_provider, TOKEN, manage_provider=False)
    async with serving(app) as base:
        yield base


@pytest.fixture
def provider_config(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Make a ProviderConfig for a dialect at a base url, its key the server's token."""
    from tui.settings import ProviderConfig

    def make(dialect: str, base_url: str, **extra: Any) -> ProviderConfig:
        key_env = f"STEPDECK_TEST_{dialect.upper()}_KEY"
        monkeypatch.setenv(key_env, TOKEN)
        return ProviderConfig(
            name=dialect, dialect=dialect, base_url=base_url, key_env=key_env, **extra
        )

    return make
