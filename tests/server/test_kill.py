"""Killing `stepdeck serve` mid-step loses nothing that finished; the token file is private."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sqlite3
import stat
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.support import start_serve
from tui.dialects.notte.client import server_running
from tui.store import Store


@pytest.fixture
def fresh_serve(tmp_path):
    pytest.importorskip("tui.providers.local", reason="the embedded engine is not built yet")
    server = start_serve(tmp_path / "home", token=None)  # no STEPDECK_TOKEN: one is made
    yield server
    server.stop(signal.SIGKILL)


def test_sigkill_during_a_step_keeps_every_finished_step(fresh_serve, demo_server):
    serve = fresh_serve
    token_file = serve.home / "data" / "token"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert stat.S_IMODE((serve.home / "data").stat().st_mode) == 0o700
    assert serve.token in "".join(serve.output)  # printed once at start

    http = serve.client()
    sid = http.post("/sessions/start", json={"url": f"{demo_server}/shop"}).json()["session_id"]
    finished = [
        {"type": "scroll_down"},
        {"type": "goto", "url": f"{demo_server}/social"},
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
    private = [db, *(serve.home / "data" / "shots").rglob("*.png")]
    assert len(private) > 3 and db.with_name(db.name + "-wal").exists()
    for path in [*private, db.with_name(db.name + "-wal")]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path  # the owner's alone
    for folder in (serve.home / "data" / "shots").rglob("*"):
        if folder.is_dir():
            assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with Store(db) as store:
        steps = store.steps("serve", sid)
        assert [s.request.type for s in steps] == ["scroll_down", "goto", "back"]
        assert [s.seq for s in steps] == [1, 2, 3]
        assert steps[1].url == f"{demo_server}/social" and steps[2].url == f"{demo_server}/shop"
        assert all(s.screenshot() for s in steps)  # every PNG the rows name is whole
        [session] = [s for s in store.sessions("serve") if s.id == sid]
        assert session.steps == 3 and session.url == f"{demo_server}/shop"
        assert session.status == "active"  # nobody could say otherwise

    # The next server knows that session died with the last one, and reuses the saved token.
    again = start_serve(serve.home, token=None)
    try:
        assert again.token == serve.token
        assert asyncio.run(server_running(again.url)) and not asyncio.run(
            server_running(demo_server)
        )
        with Store(db) as store:
            [session] = [s for s in store.sessions("serve") if s.id == sid]
            assert session.status == "ended" and len(store.steps("serve", sid)) == 3
    finally:
        again.stop()


def _descendants(pid: int) -> list[int]:
    """Every process below `pid` (from /proc: no psutil needed)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def test_a_killed_browser_is_recorded_as_error_with_its_reason(fresh_serve, demo_server):
    serve = fresh_serve
    http = serve.client()
    sid = http.post("/sessions/start", json={"url": f"{demo_server}/shop"}).json()["session_id"]
    browsers = []
    for pid in _descendants(serve.proc.pid):
        with contextlib.suppress(OSError):
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            if b"chrom" in cmd[0] and not any(a.startswith(b"--type=") for a in cmd):
                browsers.append(pid)
    assert browsers, "no browser process under stepdeck serve"
    for pid in browsers:
        os.kill(pid, signal.SIGKILL)
    reply = http.get(f"/sessions/{sid}")
    deadline = time.monotonic() + 30
    while reply.json()["status"] != "error" and time.monotonic() < deadline:
        time.sleep(0.05)
        reply = http.get(f"/sessions/{sid}")
    assert reply.json()["status"] == "error"
    db = serve.home / "data" / "stepdeck.sqlite3"
    session = None
    while time.monotonic() < deadline:
        with Store(db) as store:
            [session] = [s for s in store.sessions("serve") if s.id == sid]
        if session.status == "error":
            break
        time.sleep(0.05)
    assert session is not None and session.status == "error"
    assert "browser" in (session.error or "")
    http.close()
