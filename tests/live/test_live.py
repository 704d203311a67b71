"""The app watching a `stepdeck serve` that other clients drive: live follow, pause, attach."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
from static_provider import StaticProvider

from tests.support import settle, toasts
from tui.dialects import build_providers
from tui.dialects.notte.client import server_running
from tui.settings import Settings, load_settings
from tui.store import Store
from tui.ui.app import StepdeckApp


def header(app) -> str:
    return str(app.query_one("#header-text").render())


async def wait_until(pilot, check, what: str, seconds: float = 30) -> None:
    """Let the app run (no key pressed) until `check()` holds."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"waited {seconds}s for: {what}"
        await pilot.pause(0.05)


async def test_the_app_follows_another_client_and_pause_holds_its_steps(
    serve, demo_server, monkeypatch
):
    monkeypatch.setenv("STEPDECK_TOKEN", serve.token)
    async with httpx.AsyncClient(base_url=serve.url, headers=serve.headers, timeout=60) as agent:
        started = await agent.post("/sessions/start", json={"url": f"{demo_server}/shop"})
        sid = started.json()["session_id"]
        execute = f"/sessions/{sid}/page/execute"

        app = StepdeckApp(build_providers(Settings(), connect=serve.url), images="none")
        async with app.run_test(size=(140, 40), notifications=True) as pilot:
            await settle(pilot)
            assert app.selected == f"serve/{sid}"
            assert "/shop" in header(app) and "0 steps" in header(app)

            # Another client steps: the app shows it without a key pressed.
            reply = await agent.post(execute, json={"type": "goto", "url": f"{demo_server}/social"})
            assert reply.json()["success"]
            await wait_until(pilot, lambda: "/social" in header(app), "the url to follow")
            await wait_until(pilot, lambda: "1 step ·" in header(app), "the step count")
            await pilot.press("escape", "4")  # the Log lists the other client's step
            await settle(pilot)
            log = app.query_one("#step-log")
            assert log.row_count == 1 and "another client" in str(log.get_row_at(0)[3])

            await pilot.press("p")
            await wait_until(pilot, lambda: "paused" in header(app), "the header to say paused")

            # The agent's next step is held while paused...
            held = asyncio.create_task(
                agent.post(execute, json={"type": "goto", "url": f"{demo_server}/catalog"})
            )
            await wait_until(
                pilot,
                lambda: any("Held" in t for t in toasts(app)),
                "the held step to be announced",
            )
            assert not held.done()
            # ...while the person still steps.
            bar = app.command_bar
            bar.focus()
            await pilot.press(*f"goto {demo_server}/shop/cart", "enter")
            await settle(pilot)
            assert app.current.url.endswith("/shop/cart") and app.current.last.success
            assert not held.done()

            app.set_focus(None)
            await pilot.press("p")  # resume: the agent's step goes through
            reply = await asyncio.wait_for(held, 60)
            assert reply.json()["success"]
            await wait_until(pilot, lambda: "/catalog" in header(app), "the resumed step")
            assert "paused" not in header(app)


async def test_startup_offers_to_attach_to_a_running_server(serve, demo_server, monkeypatch):
    monkeypatch.setenv("STEPDECK_TOKEN", serve.token)
    monkeypatch.setenv("STEPDECK_SERVER_URL", serve.url)
    async with httpx.AsyncClient(base_url=serve.url, headers=serve.headers, timeout=60) as agent:
        started = await agent.post("/sessions/start", json={"url": f"{demo_server}/catalog"})
        sid = started.json()["session_id"]
    settings = load_settings()
    assert settings.server_url == serve.url
    app = StepdeckApp([StaticProvider()], images="none", server_url=settings.server_url)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)  # startup is not held up by the check
        await wait_until(pilot, lambda: app.screen.query("#confirm-yes"), "the attach offer")
        assert "Stay local" in str(app.screen.query_one("#confirm-no").label)
        await pilot.click("#confirm-yes")
        await wait_until(pilot, lambda: f"serve/{sid}" in app.views, "the server's sessions")
        assert "local/a1b2c3d4e5" in app.views  # the local ones stay


async def test_no_offer_when_nothing_answers(monkeypatch):
    monkeypatch.setenv("STEPDECK_TOKEN", "x")
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}"
    asked: list[tuple[str, bool]] = []

    async def probe(where: str) -> bool:
        answered = await server_running(where)
        asked.append((where, answered))
        return answered

    app = StepdeckApp([StaticProvider()], images="none", server_url=url, server_probe=probe)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)  # waits for the probe's worker too
        assert asked == [(url, False)]  # the probe ran, and nothing answered
        assert not app.screen.query("#confirm-yes") and app.current is not None


async def test_a_probe_that_times_out_is_tried_again():
    """A server too busy to answer the first probe in time is still found by the next."""
    seen: list[int] = []
    release = threading.Event()

    class Health(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(1)
            if len(seen) == 1:
                release.wait(30)  # the first answer comes after the probe gave up on it
            body = json.dumps({"status": "ok", "dialects": ["notte"]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with contextlib.suppress(OSError):
                self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Health)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{httpd.server_port}"
        assert await server_running(url, timeout=1.0, attempts=5)
        assert len(seen) >= 2
    finally:
        release.set()
        httpd.shutdown()
        httpd.server_close()


def log_rows(app) -> list[list[str]]:
    log = app.query_one("#step-log")
    return [[str(cell) for cell in log.get_row_at(i)] for i in range(log.row_count)]


async def test_a_command_through_serve_is_one_step_of_this_app_everywhere(
    serve, demo_server, monkeypatch
):
    # A natural-language command runs sub-steps on the server; their live events carry
    # the command's request id. The Log must not list them as another client's steps, and
    # the header, the Log, the Timeline and the store must count the command once.
    monkeypatch.setenv("STEPDECK_TOKEN", serve.token)
    monkeypatch.setenv("STEPDECK_HOME", str(serve.home))  # one machine: one store
    providers = build_providers(Settings(), connect=serve.url)
    store = Store()
    app = StepdeckApp(providers, images="none", store=store, start_url=f"{demo_server}/shop")
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await settle(pilot)
        sid = app.current.session.id
        assert app.selected == f"serve/{sid}" and "0 steps" in header(app)
        app.command_bar.focus()
        await pilot.press(*"search for lamp and open the first result", "enter")
        await settle(pilot)
        assert app.current.last.status.value == "DONE", app.current.last.message
        assert "1 step ·" in header(app)

        # Another client steps next: its event comes after the command's sub-step events
        # on the same stream, so once it is in the Log every sub-step event was handled.
        async with httpx.AsyncClient(base_url=serve.url, headers=serve.headers, timeout=60) as c:
            body = {"type": "goto", "url": f"{demo_server}/social"}
            reply = await c.post(f"/sessions/{sid}/page/execute", json=body)
            assert reply.json()["success"]
        await pilot.press("escape", "4")
        await wait_until(pilot, lambda: len(log_rows(app)) >= 2, "the other client's step")
        await settle(pilot)
        rows = log_rows(app)
        assert len(rows) == 2, rows
        assert "search for lamp" in rows[0][1] and "another client" not in rows[0][3]
        assert "another client" in rows[1][3]
        assert "2 steps ·" in header(app)
        # A second command, now that the server has echoed our ids: its sub-steps carry
        # the command's id too, so none of them reads as another client's.
        app.command_bar.focus()
        await pilot.press(*"search for kindle", "enter")
        await settle(pilot)
        async with httpx.AsyncClient(base_url=serve.url, headers=serve.headers, timeout=60) as c:
            body = {"type": "goto", "url": f"{demo_server}/catalog"}
            reply = await c.post(f"/sessions/{sid}/page/execute", json=body)
            assert reply.json()["success"]
        await pilot.press("escape", "4")
        await wait_until(pilot, lambda: len(log_rows(app)) >= 4, "the second client step")
        await settle(pilot)
        rows = log_rows(app)
        assert len(rows) == 4, rows
        assert ["another client" in row[3] for row in rows] == [False, True, False, True]
        assert "4 steps ·" in header(app)
        await pilot.press("escape", "5")
        await wait_until(
            pilot, lambda: app.query_one("#timeline-table").row_count >= 4, "the timeline"
        )
        await settle(pilot)
        assert app.query_one("#timeline-table").row_count == 4
        steps = store.steps("serve", sid)
        assert [s.description for s in steps] == [
            rows[0][1],
            f"goto {demo_server}/social",
            "search for kindle",
            f"goto {demo_server}/catalog",
        ]
    store.close()
