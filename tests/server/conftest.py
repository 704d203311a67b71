"""Fixtures for the server tests: a real `stepdeck serve` process, and a fake Notte cloud.

The fake cloud is a real HTTP server on 127.0.0.1 that answers in Notte's wire
format (or misbehaves on purpose): only cloud providers are faked.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

# notte-core reads this once, at import: set it before anything imports the SDK.
os.environ.setdefault("DISABLE_TELEMETRY", "true")

from tests.support import TOKEN, Serve, free_port, start_serve  # noqa: F401 (used by tests here)

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
