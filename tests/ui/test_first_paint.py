"""The first frame comes before anything heavy loads (issues 15 and 11).

`stepdeck` is started the way a person starts it (`tui.cli.main`: settings,
stand-in providers, the store, the app), in a fresh Python process, headless.
At the moment its first frame is on screen the process must not have imported
Playwright, the engine, httpx, pydantic (the neutral model, the dialects' wire
models), textual-image or the HTML converters; then the providers come up by themselves
and the stored sessions are listed. How fast is `make bench`'s business
(scripts/bench_paint.py); this test checks what is loaded, not how long it took.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tui.providers.deferred import DeferredProvider
from tui.ui.tabs import LOWER

ROOT = Path(__file__).resolve().parents[2]

# Modules whose import must wait for the first frame (package prefixes).
HEAVY = (
    "playwright",
    "httpx",
    "pydantic",  # the neutral model and everything built on it (the UI names it for types)
    "annotated_types",
    "importlib.metadata",  # pydantic's plugin loader: any validator built (tui.settings)
    "tui.model",
    "tui.stored",
    "tui.engine.registry",  # the command bar's keywords: built on the first suggestion
    "tui.ui.parse",
    "textual_image.widget",
    "PIL",
    "html_to_markdown",
    "selectolax",
    "tui.engine.session",  # the engine (its masking rules are light and recording uses them)
    "tui.engine.browser",
    "tui.engine.perception",
    "tui.engine.agent",
    "tui.engine.llm",
    "tui.providers.local",
    "tui.dialects.notte",
    "tui.dialects.notte_env",
    "tui.dialects.multion",
    "tui.dialects.thinkrun",
    "tui.dialects.http",
    "tui.records.export",
    "tui.demo",
    # The tabs beside the cockpit and the rarer screens: hidden at first, loaded after it.
    "tui.ui.tabs.log",
    "tui.ui.tabs.timeline",
    "tui.ui.tabs.console",
    "tui.ui.tabs.network",
    "tui.ui.tabs.browser_tabs",
    "tui.ui.tabs.raw",
    "tui.records.diff",
    "tui.ui.screens.extract",
    "tui.ui.screens.new_session",
    "textual.widgets._text_area",
    "tree_sitter",
)

_CHILD = r"""
import asyncio, gc, json, sys

import tui.ui.app as app_module

HEAVY = tuple(sys.argv[1].split(","))
STORED = int(sys.argv[2])
seen = {}


def heavy(modules):
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


def real(provider):
    stand_in = getattr(provider, "inner", provider)  # under the store's recording wrapper
    return type(stand_in.built).__name__ if stand_in.built is not None else None


class Watched(app_module.StepdeckApp):
    CSS_PATH = app_module.__file__.removesuffix(".py") + ".tcss"  # the app's own, by path
    # Called once the first frame is on screen, before it lets anything heavy load.
    def first_frame(self):
        seen["at_first_frame"] = heavy(sys.modules)
        seen["header"] = self.main.query_one("#header HeaderText").text.plain
        seen["gc_before"] = gc.isenabled()
        super().first_frame()
        seen["gc_after"] = gc.isenabled()
        self.run_worker(self.until_up(), exit_on_error=False)

    async def until_up(self):
        await self.booted.wait()
        # The stored sessions reach the sidebar in a message of their own: wait for them.
        for _ in range(600):
            if len(self.main.deck.views) >= STORED:
                break
            await asyncio.sleep(0.05)
        seen["after_boot"] = heavy(sys.modules)
        seen["providers"] = {name: real(p) for name, p in self.providers.items()}
        seen["views"] = len(self.main.deck.views)
        for _ in range(600):  # the lower tabs mount just after the first frame
            if all(pane.children for pane in self.main.query("#tabs TabPane")):
                break
            await asyncio.sleep(0.05)
        seen["lower_tabs"] = [
            pane.id for pane in self.main.query("#tabs TabPane")
            if pane.id != "tab-cockpit" and pane.query("SessionTab")
        ]
        self.exit()

    def run(self, **kwargs):
        return super().run(headless=True, size=(160, 48))


app_module.StepdeckApp = Watched
from tui.cli import main

try:
    main(["--images", "halfcell"], standalone_mode=False)
finally:
    print("SEEN " + json.dumps(seen), flush=True)
"""


def _fill_store(home: Path, sessions: int) -> None:
    from tui.model import Session, SessionStatus, StepRequest, StepResult
    from tui.store import Store

    with Store(home / "data" / "stepdeck.sqlite3") as store:
        for n in range(sessions):
            session = Session(id=f"s{n:05d}", title=f"Run {n}", status=SessionStatus.CLOSED)
            store.record_session(session)
            store.record_step("local", session.id, StepResult(request=StepRequest(id="B1")))


def test_nothing_heavy_before_the_first_frame_then_everything_comes_up(tmp_path):
    _fill_store(tmp_path, 30)
    env = dict(os.environ, STEPDECK_HOME=str(tmp_path), PYTHONPATH=str(ROOT))
    for key in ("NOTTE_API_KEY", "MULTION_API_KEY", "THINKRUN_API_KEY"):
        env.pop(key, None)  # the cloud providers stay keyless: only the engine starts
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, ",".join(HEAVY), "30"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    lines = [line for line in out.stdout.splitlines() if line.startswith("SEEN ")]
    seen = json.loads(lines[-1].removeprefix("SEEN ")) if lines else {}
    assert "after_boot" in seen, out.stdout[-3000:] + out.stderr[-3000:]

    assert seen["at_first_frame"] == [], "imported before the first frame"
    assert "Starting" in seen["header"]  # the first frame says the providers are coming
    # No garbage collection through start-up; the collector is back on with the first frame.
    assert (seen["gc_before"], seen["gc_after"]) == (False, True)
    # Then they came up by themselves: the engine was built and the store listed.
    assert seen["providers"]["local"] == "LocalProvider"
    assert seen["providers"]["notte"] is None  # keyless: never built, never imported
    assert "playwright" in seen["after_boot"] and "tui.providers.local" in seen["after_boot"]
    assert seen["views"] == 30
    assert seen["lower_tabs"] == [tab.TAB_ID for tab in LOWER]  # mounted after the first frame


def test_the_lower_tabs_are_named_as_their_classes_say():
    for tab in LOWER:
        cls = tab.load()
        assert (cls.TAB_ID, cls.TITLE) == (tab.TAB_ID, tab.TITLE)


# --- the stand-in itself -----------------------------------------------------------------


class _Real:
    """The smallest provider the stand-in needs: a name, a start, a session list."""

    name = "local"
    label = "Local"

    def __init__(self) -> None:
        self.started = 0
        self.thread = threading.current_thread()

    async def start(self) -> None:
        self.started += 1

    async def list_sessions(self):
        return []

    async def aclose(self) -> None: ...


async def test_a_stand_in_builds_its_provider_in_a_thread_once_the_gate_opens():
    gate = asyncio.Event()
    built: list[_Real] = []

    def build() -> _Real:
        built.append(_Real())
        return built[-1]

    stand_in = DeferredProvider("local", "Local", build, gate=gate)
    first = asyncio.create_task(stand_in.start())
    second = asyncio.create_task(stand_in.list_sessions())
    await asyncio.sleep(0)  # let both reach the gate
    assert not built and stand_in.built is None  # nothing is built before the gate opens
    gate.set()
    assert await asyncio.wait_for(second, 30) == []
    await asyncio.wait_for(first, 30)
    assert len(built) == 1 and built[0].started == 1  # built once, started once
    assert built[0].thread is not threading.main_thread()  # off the app's thread
    assert stand_in.built is built[0]


async def test_a_failed_build_is_the_start_error_and_the_next_use_tries_again():
    calls = []

    def build() -> _Real:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("no chromium here")
        return _Real()

    stand_in = DeferredProvider("local", "Local", build)
    with pytest.raises(RuntimeError, match="no chromium"):
        await stand_in.start()
    await stand_in.start()
    assert len(calls) == 2 and stand_in.built is not None


async def test_a_stand_in_for_stepdeck_serve_has_the_name_the_client_files_sessions_under():
    from tui.dialects.notte.client import SERVE_PROVIDER, connect
    from tui.settings import Settings
    from tui.ui.launch import SERVE_NAME, deferred_providers

    assert SERVE_NAME == SERVE_PROVIDER == connect("http://127.0.0.1:9", "t").name
    (stand_in,) = deferred_providers(Settings(), connect="http://127.0.0.1:9")
    assert stand_in.name == SERVE_PROVIDER and "127.0.0.1:9" in stand_in.label


async def test_a_follower_that_stops_closes_the_real_event_stream_at_once():
    """The app's live follower closes the stand-in's stream; the real one (an HTTP stream
    to `stepdeck serve`) must close with it, not when the collector gets to it."""
    closed: list[str] = []

    class Streaming(_Real):
        async def events(self, session_id=None):
            try:
                while True:
                    yield f"event for {session_id}"
                    await asyncio.sleep(0)
            finally:
                closed.append(session_id)

    stand_in = DeferredProvider("local", "Local", Streaming)
    async with contextlib.aclosing(stand_in.events("s1")) as events:
        assert await anext(events) == "event for s1"
    assert closed == ["s1"]  # before this test gave the loop a single turn
