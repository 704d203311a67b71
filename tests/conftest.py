"""Shared fixtures: a private STEPDECK_HOME, the demo site, fixture pages, a LocalProvider.

Everything is served on 127.0.0.1; no test touches the internet.
"""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import pytest_asyncio

PAGES = Path(__file__).parent / "pages"


@pytest.fixture(autouse=True)
def stepdeck_home(tmp_path, monkeypatch) -> Path:
    """Every test gets its own STEPDECK_HOME, so no real config or data is touched."""
    home = tmp_path / "stepdeck-home"
    monkeypatch.setenv("STEPDECK_HOME", str(home))
    monkeypatch.setenv("DISABLE_TELEMETRY", "true")
    return home


class PagesHandler(SimpleHTTPRequestHandler):
    """Static files from tests/pages, plus `/slow?ms=N` and `/hang` (never finishes)."""

    def log_message(self, format, *args):  # quiet test output
        pass

    def do_GET(self):
        url = urlparse(self.path)
        if url.path == "/slow":
            ms = int(parse_qs(url.query).get("ms", ["500"])[0])
            time.sleep(ms / 1000)
            return self._html(f"<title>Slow page</title><p>Answered after {ms} ms</p>")
        if url.path == "/hang":
            # Headers and the start of a document, then nothing: the page never finishes.
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            try:
                self.wfile.write(b"<html><head><title>Hanging")
                self.wfile.flush()
                time.sleep(20)
            except OSError:
                pass
            return None
        if url.path == "/big":
            n = int(parse_qs(url.query).get("n", ["500"])[0])
            return self._html(big_page(n))
        return super().do_GET()

    def _html(self, body: str) -> None:
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def big_page(n: int) -> str:
    """A page with n links, n/2 buttons, n/4 inputs and prose between them."""
    parts = ["<title>Big page</title><h1>Big</h1>"]
    for i in range(n):
        parts.append(f'<p>Paragraph {i} with some words to read. <a href="#p{i}">link {i}</a></p>')
        if i % 2 == 0:
            parts.append(f"<button>button {i}</button>")
        if i % 4 == 0:
            parts.append(f'<input name="f{i}" placeholder="field {i}">')
    return "".join(parts)


class PagesServer:
    """tests/pages on 127.0.0.1 in a daemon thread."""

    def __init__(self, root: Path = PAGES) -> None:
        handler = partial(PagesHandler, directory=str(root))
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self) -> str:
        self.thread.start()
        return self.base

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="session")
def pages_server() -> Iterator[str]:
    """Base url (http://127.0.0.1:PORT) serving tests/pages/*.html."""
    server = PagesServer()
    yield server.start()
    server.stop()


@pytest.fixture(scope="session")
def demo_server() -> Iterator[str]:
    """Base url of the bundled demo site (shop, social, catalog)."""
    from tui.demo.server import DemoServer  # imported lazily: the demo may be absent

    server = DemoServer(port=0)
    base = server.start()
    yield base
    server.stop()


@pytest.fixture
def site(demo_server: str) -> str:
    """The same demo site under the name some tests still use (prefer `demo_server`)."""
    return demo_server


@pytest.fixture(scope="module")
def serve(tmp_path_factory):
    """One `stepdeck serve` process (a free loopback port, token TOKEN) per test module."""
    from tests.support import start_serve

    server = start_serve(tmp_path_factory.mktemp("serve-home"))
    yield server
    server.stop()


@pytest_asyncio.fixture
async def local_provider() -> AsyncIterator:
    """A started LocalProvider (headless Chromium), closed after the test."""
    from tui.providers.local import LocalProvider

    provider = LocalProvider(nav_timeout_ms=10_000, action_timeout_ms=3_000)
    await provider.start()
    try:
        yield provider
    finally:
        await provider.aclose()
