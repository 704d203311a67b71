"""`stepdeck web`: the app served through textual-serve, loaded in headless Chromium."""

from __future__ import annotations

import asyncio
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from playwright.async_api import async_playwright

from tui.engine.browser import find_chromium, launch_args

_CSI = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stepdeck_command() -> list[str]:
    script = Path(sys.executable).parent / "stepdeck"
    return [str(script)] if script.exists() else [sys.executable, "-m", "tui.cli"]


@pytest.fixture
def web_server(stepdeck_home):
    """`stepdeck web --port N` as a separate process (STEPDECK_HOME is inherited)."""
    port = free_port()
    proc = subprocess.Popen(
        [*stepdeck_command(), "web", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        # It prints the url to open, token included, once it listens.
        deadline = time.monotonic() + 60
        seen = b""
        assert proc.stdout is not None
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            seen += line
            found = re.search(rb"open (http://\S+/\?token=\S+)", line)
            if found:
                break
            if not line and proc.poll() is not None:
                pytest.fail(f"stepdeck web exited: {seen.decode()[-2000:]}")
        else:
            pytest.fail("stepdeck web never printed its url")
        threading.Thread(target=proc.stdout.read, daemon=True).start()  # never a full pipe
        yield found.group(1).decode()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def test_web_serves_the_app_to_a_browser(web_server, stepdeck_home):
    frames: list[bytes] = []

    def screen_text() -> str:
        """What the app wrote to the page's terminal so far, escape codes removed."""
        return _CSI.sub(b"", b"".join(frames)).decode("utf-8", "replace")

    executable = find_chromium()
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=executable, args=launch_args(executable))
        try:
            page = await browser.new_page(viewport={"width": 1400, "height": 900})
            page.on(
                "websocket",
                lambda ws: ws.on(
                    "framereceived",
                    lambda f: frames.append(f if isinstance(f, bytes) else f.encode()),
                ),
            )
            await page.goto(web_server)
            # textual-serve's page: an xterm.js terminal fed by a websocket to the app.
            assert "stepdeck" in await page.inner_text(".intro-dialog .intro")
            await page.wait_for_selector("#terminal .xterm-screen")
            await page.wait_for_function(
                "document.body.classList.contains('-first-byte')", timeout=60_000
            )
            for _ in range(600):
                if "No session selected" in screen_text():
                    break
                await asyncio.sleep(0.1)
            text = screen_text()
            # The app's main screen: sidebar, header, the tabs, the footer's keys.
            assert "Sessions" in text
            assert "No session selected" in text
            for tab in ("Cockpit", "Page", "Timeline", "Console", "Network"):
                assert tab in text
            assert "Help" in text and "New" in text
            assert not await page.evaluate("document.body.classList.contains('-closed')")
        finally:
            await browser.close()
    # The served app ran with this STEPDECK_HOME: its store lives there.
    assert (stepdeck_home / "data" / "stepdeck.sqlite3").exists()


def test_web_wants_its_token(web_server):
    """Without the printed url's token nothing is served: not the page, the terminal's
    websocket nor the static files; the url sets a cookie the page's own requests carry."""
    import httpx

    base, token = web_server.split("/?token=")
    for path in ("/", "/ws", "/static/css/xterm.css", "/?token=wrong"):
        assert httpx.get(base + path, timeout=30).status_code == 401, path
    with httpx.Client(base_url=base, timeout=30) as browser:
        assert browser.get(f"/?token={token}").status_code == 200
        assert browser.cookies.get("stepdeck_web") == token
        assert browser.get("/").status_code == 200  # the cookie is enough now
        assert browser.get("/static/css/xterm.css").status_code == 200


def test_web_refuses_a_non_loopback_address():
    done = subprocess.run(
        [*stepdeck_command(), "web", "--host", "0.0.0.0", "--port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "--allow-remote" in done.stderr
