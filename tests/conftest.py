"""Shared fixtures: a private STEPDECK_HOME, the demo site, fixture pages, a LocalProvider.

Everything is served on 127.0.0.1; no test touches the internet.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import pytest_asyncio

PAGES = Path(__file__).parent / "pages"

# -- which worker runs what (pytest-xdist) ------------------------------------------------------
#
# A unit of work is a module (its module-scoped browser, `stepdeck serve` and event loop stay on
# one worker), or a whole package whose tests share a package-scoped fixture. Units are handed out
# longest first: a long module that starts last runs alone at the end while the other worker
# idles (schemathesis, one test of ~60 s, used to be the last unit handed out).

# Seconds each long module took (2 workers, a loaded 2-core machine, 2026-12; `pytest
# --durations`). Only the order matters; a module not listed counts SECONDS_PER_TEST per test.
LONG_MODULES = {
    "tests/ui/test_ui_app.py": 117,
    "tests/ui/test_ui_cockpit.py": 77,
    "tests/server/test_schemathesis.py": 71,
    "tests/engine/test_wedge.py": 56,
    "tests/agent/test_corpus.py": 45,
    "tests/ui/test_ui_snapshots.py": 41,
    "tests/debug/test_shot_click.py": 40,
    "tests/live/test_live.py": 39,
    "tests/dialects/test_app_dialects.py": 39,
    "tests/ui/test_ui_extract_and_answer.py": 38,
    "tests/server/test_other_sdks.py": 36,
    "tests/debug/test_debug_tabs.py": 34,
    "tests/ui/test_ui_round2.py": 32,
    "tests/dialects/test_faults.py": 27,
    "tests/records/test_trace.py": 26,
    "tests/pool/test_pool.py": 26,
    "tests/debug/test_export_replay.py": 24,
    "tests/records/test_replay.py": 23,
    "tests/debug/test_served.py": 21,
    "tests/server/test_kill.py": 20,
    "tests/server/test_notte_sdk.py": 19,
    "tests/engine/test_observe_cli.py": 18,
    "tests/dialects/test_notte_env_sdk_models.py": 18,
    "tests/engine/test_provider_basics.py": 18,
    "tests/ui/test_ui_connect.py": 18,
    "tests/pool/test_profiles_app.py": 17,
    "tests/agent/test_commands.py": 17,
    "tests/server/test_serve_http.py": 14,
    "tests/engine/test_lifecycle.py": 13,
    "tests/debug/test_web.py": 13,
    "tests/agent/test_model_corpus.py": 13,
    "tests/engine/test_browser_actions.py": 11,
    "tests/dialects/test_notte_env_loopback.py": 11,
    "tests/server/test_notte_client_serve.py": 10,
    "tests/engine/test_perception.py": 10,
    "tests/pool/test_profiles.py": 10,
    "tests/server/test_notte_cloud_client.py": 9,
    "tests/engine/test_start_failures.py": 9,
}
SECONDS_PER_TEST = 0.5
# Packages whose tests share a package-scoped fixture (records: one recorded session).
SHARED_PACKAGES = ("tests/records/",)


def work_unit(nodeid: str) -> str:
    """The unit a test runs in: its package if listed in SHARED_PACKAGES, else its module."""
    module = nodeid.split("::", 1)[0]
    return next((p for p in SHARED_PACKAGES if module.startswith(p)), module)


def pytest_collection_modifyitems(config, items) -> None:
    """Longest units first, each unit's tests in their written order (xdist keeps this order)."""
    per_module = Counter(item.nodeid.split("::", 1)[0] for item in items)
    cost: Counter[str] = Counter()
    for module, tests in per_module.items():
        cost[work_unit(module)] += LONG_MODULES.get(module, SECONDS_PER_TEST * tests)
    first = {}
    for index, item in enumerate(items):
        first.setdefault(work_unit(item.nodeid), index)
    items.sort(key=lambda item: (-cost[work_unit(item.nodeid)], first[work_unit(item.nodeid)]))


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_make_scheduler(config, log):
    """`--dist loadscope` over `work_unit`s, in collection order (`--no-loadscope-reorder`)."""
    from xdist.scheduler import LoadScopeScheduling

    if config.getvalue("dist") != "loadscope":
        return None  # another --dist asked for on the command line

    class UnitScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return work_unit(nodeid)

    return UnitScheduling(config, log)


@pytest.fixture(autouse=True)
def stepdeck_home(tmp_path, monkeypatch) -> Path:
    """Every test gets its own STEPDECK_HOME, so no real config or data is touched."""
    home = tmp_path / "stepdeck-home"
    monkeypatch.setenv("STEPDECK_HOME", str(home))
    monkeypatch.setenv("DISABLE_TELEMETRY", "true")
    return home


class HeldRequest:
    """`/held` on the pages server: `arrived` is set when a browser asks, and the request is
    held until `release` is set; then the connection closes with no answer (a site that
    drops its visitors: Chromium's ERR_EMPTY_RESPONSE)."""

    arrived = threading.Event()
    release = threading.Event()

    @classmethod
    def reset(cls) -> None:
        cls.arrived.clear()
        cls.release.clear()


class PagesHandler(SimpleHTTPRequestHandler):
    """Static files from tests/pages, plus `/slow?ms=N`, `/hang` (never finishes) and `/held`
    (`HeldRequest`)."""

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
        if url.path == "/held":
            HeldRequest.arrived.set()
            HeldRequest.release.wait(60)
            self.close_connection = True
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
def held_request() -> Iterator[type[HeldRequest]]:
    """`/held` on `pages_server`, fresh for this test, and released when it ends."""
    HeldRequest.reset()
    yield HeldRequest
    HeldRequest.release.set()


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
