"""ThinkRun's snapshot of a big page holds no one else (issue 15): its answer (two entries per
action, 8,000 actions) is built in a worker thread, so another session's request, already
in the server's socket when the page has been observed, is answered before the snapshot's.

The order comes from the server's own event loop, no clock: the other request is written
onto its connection at the moment the big page's observation returns; a snapshot built on
the loop (its models, then FastAPI's serialisation) answered first, whatever the machine's
load. How long it takes is `make bench`'s business, not this test's."""

from __future__ import annotations

import asyncio
import socket
from http.server import BaseHTTPRequestHandler
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.dialects.conftest import serving
from tests.support import loopback_http, read_http_answer
from tui.dialects.thinkrun.routes import router
from tui.model import CreateSession, Observation
from tui.offload import quick_handback

ACTIONS = 8_000


def page_with_ids(n: int) -> bytes:
    """n links, buttons and inputs, each with an id (its `#id` selector comes with the
    observation: no selector is written on demand, only the answer is under test)."""
    parts = ["<!doctype html><title>Big page with ids</title><h1>Big</h1>"]
    for i in range(n):
        kind = i % 4
        if kind == 0:
            parts.append(f'<p>Row {i} with words to read. <a id="a{i}" href="#r{i}">link {i}</a>')
        elif kind in (1, 3):
            parts.append(f'<button id="b{i}">button "{i}" &amp; more</button>')
        else:
            parts.append(f'<input id="i{i}" name="f{i}" placeholder="field {i}">')
    return "".join(parts).encode()


@pytest.fixture(scope="module")
def big_site():
    body = page_with_ids(ACTIONS)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    with loopback_http(Handler) as url:
        yield f"{url}big"


class KnockOnObserve:
    """The provider, passed through; when the big session's observation returns, another
    session's request goes onto its own (already open) connection to the server."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.big = ""
        self.knock: tuple[socket.socket, bytes] | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def observe(self, session_id: str, screenshot: bool = True) -> Observation:
        obs = await self.inner.observe(session_id, screenshot=screenshot)
        if session_id == self.big and self.knock is not None:
            sock, request = self.knock
            self.knock = None
            sock.sendall(request)  # in the server's socket before its loop turns again
        return obs


def answers_in_order(app: Any, order: list[str]) -> Any:
    """`app`, noting each answer's path as its status line goes out."""

    async def noting(scope: dict, receive: Any, send: Any) -> None:
        async def sending(message: dict) -> None:
            if message["type"] == "http.response.start":
                order.append(f"{scope['method']} {scope['path']}")
            await send(message)

        await app(scope, receive, sending)

    return noting


async def test_another_session_is_answered_while_a_big_snapshot_is_built(
    local_provider, big_site, demo_server
):
    provider = KnockOnObserve(local_provider)
    order: list[str] = []
    api = FastAPI()
    api.include_router(router(provider), prefix="/api")
    # as `stepdeck serve` runs (tui.server.loop_first): the loop takes the GIL back quickly
    quick_handback()
    try:
        big = await local_provider.create_session(CreateSession(url=big_site))
        small = await local_provider.create_session(CreateSession(url=f"{demo_server}/shop"))
        async with (
            serving(answers_in_order(api, order)) as base,
            httpx.AsyncClient(base_url=base, timeout=120) as http,
        ):
            warm = await http.post(f"/api/sessions/{big.id}/snapshot")  # the page walked once
            assert warm.status_code == 200, warm.text
            assert len(warm.json()["elements"]) >= ACTIONS
            host, port = base.removeprefix("http://").split(":")
            other = f"GET /api/sessions/{small.id} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
            with socket.create_connection((host, int(port)), timeout=60) as sock:
                sock.sendall(other)  # the connection open and read by the server
                assert b"200 OK" in await asyncio.to_thread(read_http_answer, sock)
                order.clear()
                provider.big, provider.knock = big.id, (sock, other)
                reply = await http.post(f"/api/sessions/{big.id}/snapshot")
                assert provider.knock is None, "the big page was not observed"
                answer = await asyncio.to_thread(read_http_answer, sock)
            assert reply.status_code == 200, reply.text
            assert len(reply.json()["elements"]) >= ACTIONS
            assert b"200 OK" in answer and small.id.encode() in answer
            # the other session's answer went out while the snapshot was being built
            assert order == [
                f"GET /api/sessions/{small.id}",
                f"POST /api/sessions/{big.id}/snapshot",
            ], order
    finally:
        quick_handback(False)
