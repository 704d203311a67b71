"""Fixtures for the server tests: a real `stepdeck serve` process, and a fake Notte cloud.

The fake cloud is a real HTTP server on 127.0.0.1 that answers in Notte's wire
format (or misbehaves on purpose): only cloud providers are faked.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

# notte-core reads this once, at import: set it before anything imports the SDK.
os.environ.setdefault("DISABLE_TELEMETRY", "true")

ROOT = Path(__file__).resolve().parents[2]
STEPDECK = ROOT / ".venv" / "bin" / "stepdeck"
TOKEN = "test-token-123"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Serve:
    """A running `stepdeck serve` subprocess."""

    url: str
    token: str
    home: Path
    proc: subprocess.Popen
    output: list[str] = field(default_factory=list)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers=self.headers, timeout=60, **kwargs)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_serve(home: Path, *, token: str | None = TOKEN, extra_env: dict | None = None) -> Serve:
    """Start `stepdeck serve` on a free loopback port and wait until /health answers."""
    port = free_port()
    env = dict(os.environ, STEPDECK_HOME=str(home), PYTHONUNBUFFERED="1")
    env.pop("STEPDECK_TOKEN", None)
    if token is not None:
        env["STEPDECK_TOKEN"] = token
    env.update(extra_env or {})
    proc = subprocess.Popen(
        [str(STEPDECK), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    serve = Serve(url=f"http://127.0.0.1:{port}", token=token or "", home=home, proc=proc)
    threading.Thread(target=lambda: serve.output.extend(proc.stdout), daemon=True).start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            time.sleep(0.2)
            raise RuntimeError("stepdeck serve exited:\n" + "".join(serve.output))
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{serve.url}/health", timeout=1).status_code == 200:
                break
        time.sleep(0.05)
    else:
        serve.stop(signal.SIGKILL)
        raise RuntimeError("stepdeck serve did not start:\n" + "".join(serve.output))
    if token is None:
        serve.token = (home / "data" / "token").read_text().strip()
    return serve


@pytest.fixture(scope="module")
def serve(tmp_path_factory):
    """One `stepdeck serve` process per test module."""
    pytest.importorskip("tui.providers.local", reason="the embedded engine is not built yet")
    server = start_serve(tmp_path_factory.mktemp("serve-home"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def site():
    """The bundled demo site on 127.0.0.1 (module-scoped so the server process can share it)."""
    from tui.demo.server import DemoServer

    with DemoServer() as demo:
        yield demo.url("/").rstrip("/")


# -- a fake Notte cloud ---------------------------------------------------------------------


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # dict/list -> JSON; bytes -> sent as is
    delay: float = 0.0
    drop: bool = False  # close the connection without answering
    headers: dict[str, str] = field(default_factory=dict)


class FakeNotte:
    """Answers `(METHOD, path)` from `routes`; counts every hit."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], Reply] = {}
        self.hits: Counter[tuple[str, str]] = Counter()
        self.bodies: list[tuple[str, str, Any]] = []
        self.auth: list[str | None] = []
        self.url = ""

    def on(self, method: str, path: str, reply: Reply | dict | list) -> None:
        self.routes[(method, path)] = reply if isinstance(reply, Reply) else Reply(body=reply)


def _handler(fake: FakeNotte):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _serve(self) -> None:
            path = self.path.split("?")[0]
            key = (self.command, path)
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            fake.hits[key] += 1
            fake.auth.append(self.headers.get("authorization"))
            fake.bodies.append((self.command, path, json.loads(raw) if raw else None))
            reply = fake.routes.get(key, Reply(404, {"detail": f"no route {path}"}))
            if reply.delay:
                time.sleep(reply.delay)
            if reply.drop:
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)
                return
            data = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
            self.send_response(reply.status)
            self.send_header("content-type", "application/json")
            for k, v in reply.headers.items():
                self.send_header(k, v)
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            with contextlib.suppress(OSError):
                self.wfile.write(data)

        do_GET = do_POST = do_DELETE = _serve

    return Handler


@pytest.fixture
def fake_notte():
    fake = FakeNotte()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    httpd.daemon_threads = True
    fake.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield fake
    httpd.shutdown()
    httpd.server_close()
