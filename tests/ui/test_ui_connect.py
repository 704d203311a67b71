"""`stepdeck --connect URL`: the app drives a running `stepdeck serve` over HTTP."""

from __future__ import annotations

import socket
import threading
import time

import pytest
import uvicorn
from ui_helpers import settle

from tui.dialects import build_providers
from tui.providers.local import LocalProvider
from tui.server import create_app
from tui.settings import Settings
from tui.ui.app import StepdeckApp


@pytest.fixture
def serve_url():
    """`stepdeck serve` over a real engine, on a free loopback port, token "t0ken"."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(
        create_app(LocalProvider(), "t0ken"), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


async def test_connect_steps_a_session_on_a_running_server(serve_url, demo_server, monkeypatch):
    monkeypatch.setenv("STEPDECK_TOKEN", "t0ken")
    providers = build_providers(Settings(), connect=serve_url)
    assert [p.name for p in providers] == ["serve"]
    app = StepdeckApp(providers, images="none", start_url=f"{demo_server}/shop")
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert app.selected.startswith("serve/")
        assert app.current.observation.action("I1") is not None
        app.command_bar.focus()
        await pilot.press(*"I1 kindle --enter", "enter")
        await settle(pilot)
        assert "search?q=kindle" in app.current.url
        assert app.current.last.success


async def test_connect_with_a_wrong_token_says_so(serve_url, monkeypatch):
    monkeypatch.setenv("STEPDECK_TOKEN", "wrong")
    app = StepdeckApp(build_providers(Settings(), connect=serve_url), images="none")
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert app.is_running
        text = " ".join(str(w.render()) for w in app.screen.query("Static"))
        assert "token" in text.lower()  # the error modal names what is wrong
