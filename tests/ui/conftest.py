"""Fixtures for the app's Pilot tests: a hostile page, and apps on the real engine.

The apps of one test module share one Chromium (`ui_engine`): a module using `make_app` or
`shop` runs its tests on the module's event loop (`pytestmark = UI_LOOP`), where that
browser lives. Each app still gets sessions of its own, closed when the app closes.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import pytest_asyncio

sys.path.insert(0, str(Path(__file__).parent))  # ui_helpers, static_provider

from ui_helpers import HOSTILE_TITLE, settle

from tests.support import SharedLocalProvider
from tui.providers.local import LocalProvider
from tui.ui.app import StepdeckApp

HOSTILE_HTML = f"""<!doctype html><html><head><title>{HOSTILE_TITLE}</title></head><body>
<h1>[link=https://evil.example]click me[/link] and [/] and [b]bold[/b]</h1>
<p>escape: \x1b[2J\x1b]0;retitled\x07 done</p>
<a href="/next">[reverse]next[/reverse]</a>
<input aria-label="[i]field[/i]" name="q">
</body></html>"""


def _big_page() -> str:
    """About 1 MB of text in 4,000 paragraphs, with a few hundred links."""
    rows = []
    for n in range(4000):
        words = " ".join(f"word{(n * 7 + k) % 997}" for k in range(30))
        link = f' <a href="/p/{n}">item {n}</a>' if n % 10 == 0 else ""
        rows.append(f"<p>Paragraph {n}: {words}.{link}</p>")
    return f"<!doctype html><title>Big page</title><h1>Big page</h1>{''.join(rows)}"


class _Hostile(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = (_big_page() if self.path.startswith("/big") else HOSTILE_HTML).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="session")
def hostile_url() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}/"
    httpd.shutdown()
    httpd.server_close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def ui_engine() -> AsyncIterator[LocalProvider]:
    """One started embedded engine (one Chromium) for a whole test module."""
    provider = LocalProvider()
    await provider.start()
    try:
        yield provider
    finally:
        await provider.aclose()


@pytest.fixture
def make_app(ui_engine):
    """An app over the module's engine; its sessions are its own and close with the app."""

    def make(start_url: str | None = None) -> StepdeckApp:
        return StepdeckApp([SharedLocalProvider(ui_engine)], images="none", start_url=start_url)

    return make


@pytest_asyncio.fixture(loop_scope="module")
async def shop(make_app, demo_server) -> AsyncIterator[tuple[StepdeckApp, object]]:
    """The app at 140x40 with one session on the demo shop, booted."""
    app = make_app(f"{demo_server}/shop")
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await settle(pilot)
        yield app, pilot
