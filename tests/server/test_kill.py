"""Killing `stepdeck serve` mid-step loses nothing that finished; the token file is private."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import stat
import threading

import httpx
import pytest

from tui.dialects.notte.client import server_running
from tui.store import Store

from .conftest import start_serve


@pytest.fixture
def fresh_serve(tmp_path):
    pytest.importorskip("tui.providers.local", reason="the embedded engine is not built yet")
    server = start_serve(tmp_path / "home", token=None)  # no STEPDECK_TOKEN: one is made
    yield server
    server.stop(signal.SIGKILL)


def test_sigkill_during_a_step_keeps_every_finished_step(fresh_serve, site):
    serve = fresh_serve
    token_file = serve.home / "data" / "token"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert serve.token in "".join(serve.output)  # printed once at start

    http = serve.client()
    sid = http.post("/sessions/start", json={"url": f"{site}/shop"}).json()["session_id"]
    finished = [
        {"type": "scroll_down"},
        {"type": "goto", "url": f"{site}/social"},
        {"type": "go_back"},
    ]
    for body in finished:
        assert http.post(f"/sessions/{sid}/page/execute", json=body).json()["success"]

    # A long step in flight, then SIGKILL: no chance to clean up.
    outcome: list[str] = []
    sent = threading.Event()

    def trace(name: str, info: dict) -> None:
        if name == "http11.send_request_body.complete":
            sent.set()

    def long_step() -> None:
        try:
            with serve.client() as other:
                body = {"type": "wait", "time_ms": 20000}
                other.post(f"/sessions/{sid}/page/execute", json=body, extensions={"trace": trace})
                outcome.append("answered")
        except httpx.HTTPError:
            outcome.append("server died")

    worker = threading.Thread(target=long_step)
    worker.start()
    assert sent.wait(30)  # the 20 s step is on the wire: the server has it when it dies
    serve.proc.send_signal(signal.SIGKILL)
    serve.proc.wait()
    worker.join(10)
    http.close()
    assert outcome == ["server died"]

    db = serve.home / "data" / "stepdeck.sqlite3"
    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with Store(db) as store:
        steps = store.steps("serve", sid)
        assert [s.request.type for s in steps] == ["scroll_down", "goto", "back"]
        assert [s.seq for s in steps] == [1, 2, 3]
        assert steps[1].url == f"{site}/social" and steps[2].url == f"{site}/shop"
        assert all(s.screenshot() for s in steps)  # every PNG the rows name is whole
        [session] = [s for s in store.sessions("serve") if s.id == sid]
        assert session.steps == 3 and session.url == f"{site}/shop"
        assert session.status == "active"  # nobody could say otherwise

    # The next server knows that session died with the last one, and reuses the saved token.
    again = start_serve(serve.home, token=None)
    try:
        assert again.token == serve.token
        assert asyncio.run(server_running(again.url)) and not asyncio.run(server_running(site))
        with Store(db) as store:
            [session] = [s for s in store.sessions("serve") if s.id == sid]
            assert session.status == "ended" and len(store.steps("serve", sid)) == 3
    finally:
        again.stop()
