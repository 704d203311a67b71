"""UI benchmarks (issue 3): cold start to first paint, and app overhead per step.

    .venv/bin/python scripts/bench_ui.py            # both, printed as one JSON object
    from scripts.bench_ui import cold_start, step_overhead   # from scripts/bench.py

Both run headless. `cold_start` spawns fresh Python processes (imports included,
textual-image included, the browser launch is not: the engine starts after the
first paint). `step_overhead` drives the real app over the embedded engine and
the demo shop and subtracts the time spent inside the provider.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from time import perf_counter

ROOT = Path(__file__).resolve().parent.parent

_CHILD = """
import sys, time
from tui.ui.images import image_class
images = image_class("auto")
from tui.providers.local import LocalProvider
from tui.ui.app import StepdeckApp

async def painted(pilot):
    print(time.time(), flush=True)
    pilot.app.exit()

StepdeckApp([LocalProvider()], images=images).run(headless=True, size=(160, 48), auto_pilot=painted)
"""


def cold_start(runs: int = 5) -> dict:
    """Process start to the first paint of the main screen, median over `runs` (ms)."""
    env = dict(os.environ, STEPDECK_HOME=tempfile.mkdtemp(prefix="stepdeck-bench-"))
    samples, crashes = [], 0
    while len(samples) < runs and crashes < 3 * runs:
        started = time.time()
        out = subprocess.run(
            [sys.executable, "-c", _CHILD],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        lines = out.stdout.strip().splitlines()
        if out.returncode != 0 or not lines:
            crashes += 1  # counted and reported: a start that crashes is a bug to fix
            continue
        samples.append((float(lines[0]) - started) * 1000)
    median = round(statistics.median(samples), 1) if samples else None
    return {"median_ms": median, "runs": len(samples), "crashed_runs": crashes}


class _Timed:
    """A provider wrapper that adds up the time spent inside step and observe."""

    def __init__(self, inner) -> None:
        self._inner = inner
        self.spent = 0.0

    def __getattr__(self, name):
        return getattr(self._inner, name)

    async def step(self, *args, **kwargs):
        t = perf_counter()
        try:
            return await self._inner.step(*args, **kwargs)
        finally:
            self.spent += perf_counter() - t

    async def observe(self, *args, **kwargs):
        t = perf_counter()
        try:
            return await self._inner.observe(*args, **kwargs)
        finally:
            self.spent += perf_counter() - t


async def _step_overhead(base: str, steps: int) -> dict:
    from tui.model import StepRequest
    from tui.providers.local import LocalProvider
    from tui.ui.app import StepdeckApp

    provider = _Timed(LocalProvider())
    app = StepdeckApp([provider], images="halfcell", start_url=f"{base}/shop")
    overheads, totals = [], []
    async with app.run_test(size=(160, 48)) as pilot:
        await app.booted.wait()
        await app.workers.wait_for_complete()
        await pilot.pause()
        for n in range(steps):
            provider.spent = 0.0
            t = perf_counter()
            app.run_step(StepRequest(id="I1", value=f"lamp {n}"))
            await app.workers.wait_for_complete()
            await pilot.pause()  # until the screen has been refreshed
            total = perf_counter() - t
            totals.append(total * 1000)
            overheads.append((total - provider.spent) * 1000)
    painted = app.step_overhead_ms[-steps:]
    return {
        # Enter -> provider call, plus provider answer -> screen repainted (measured in the app)
        "median_ms": round(statistics.median(painted), 1),
        "p90_ms": round(sorted(painted)[int(len(painted) * 0.9) - 1], 1),
        # the same seen from outside: whole step minus provider time (includes Pilot's own wait)
        "outside_median_ms": round(statistics.median(overheads), 1),
        "step_total_median_ms": round(statistics.median(totals), 1),
        "steps": steps,
    }


def step_overhead(steps: int = 20) -> dict:
    """Time the app adds on top of the provider for one fill step (ms, median)."""
    os.environ.setdefault("STEPDECK_HOME", tempfile.mkdtemp(prefix="stepdeck-bench-"))
    from tui.demo.server import DemoServer

    with DemoServer() as server:
        return asyncio.run(_step_overhead(str(server).rstrip("/"), steps))


# --- issue 11: first paint over a big store, the 1 MB page in the page view -----------------


class _PageProvider:
    """A provider with one session whose page is `markdown` (no browser: the UI alone)."""

    name = "local"
    label = "Local Chromium"

    def __init__(self, markdown: str) -> None:
        from tui.model import Session
        from tui.providers.base import Capabilities

        self.capabilities = Capabilities()
        self.markdown = markdown
        self.session = Session(id="b1gpage000", url="http://127.0.0.1:1/big", title="Big page")

    async def start(self) -> None: ...

    async def aclose(self) -> None: ...

    async def list_sessions(self):
        return [self.session]

    async def get_session(self, session_id):
        return self.session

    async def observe(self, session_id, *, screenshot: bool = True):
        from tui.model import Observation, PageMeta

        meta = PageMeta(title="Big page", url=self.session.url)
        return Observation(metadata=meta, markdown=self.markdown)

    async def console(self, session_id):
        return []

    async def step(self, session_id, request):
        from tui.model import StepResult

        return StepResult(request=request, observation=await self.observe(session_id))

    async def network(self, session_id):
        return []

    async def events(self, session_id=None):
        from tui.providers.base import Unsupported

        raise Unsupported("no events")
        yield


def _big_markdown(paragraphs: int = 4000) -> str:
    words = " ".join(f"word{k}" for k in range(30))
    rows = [f"Paragraph {n}: {words}. [L{n // 10} item {n}]" for n in range(paragraphs)]
    return "# Big page\n\n" + "\n\n".join(rows)


async def _stall_probe(app, stalls: list[float], stop, busy: list[float] | None = None) -> None:
    """Ticks on the app's loop every 10 ms; records how late each tick came (a UI stall).

    `busy`: the UI thread's own CPU time within each gap. A late tick with little CPU
    behind it is the machine (other processes, 2 shared cores), not the app's work.
    """
    loop_time = asyncio.get_running_loop().time
    last, last_cpu = loop_time(), time.thread_time()
    while not stop.is_set():
        await asyncio.sleep(0.01)
        now, cpu = loop_time(), time.thread_time()
        stalls.append((now - last - 0.01) * 1000)
        if busy is not None:
            busy.append((cpu - last_cpu) * 1000)
        last, last_cpu = now, cpu


async def _until(condition, bound: float = 10.0) -> None:
    """Poll `condition` on the app's loop, every millisecond, for at most `bound` seconds."""
    deadline = perf_counter() + bound
    while not condition():
        if perf_counter() > deadline:
            raise TimeoutError("the app never got there")
        await asyncio.sleep(0.001)


async def _big_page() -> dict:
    import gc

    from textual import events

    from tui.ui.app import StepdeckApp
    from tui.ui.widgets.page_view import PageView

    markdown = _big_markdown()
    app = StepdeckApp([_PageProvider(markdown)], images="none")
    async with app.run_test(size=(160, 48)) as pilot:
        await app.booted.wait()
        await app.workers.wait_for_complete()
        await _until(lambda: gc.get_freeze_count() > 0)  # the app's once-after-boot collection
        await pilot.pause()
        view = app.query_one(PageView)
        page_tab = app.main.pane_widget("page")
        # When each row was last drawn: the clock stops when the compositor draws the rows
        # a page-down brings (what reaches the terminal next), not when Pilot sees idle.
        drawn: dict[int, float] = {}
        render_line = view.render_line

        def timed_render_line(y: int):
            drawn[view.scroll_offset.y + y] = perf_counter()
            return render_line(y)

        view.render_line = timed_render_line
        stalls: list[float] = []
        busy: list[float] = []
        stop = asyncio.Event()
        probe = asyncio.create_task(_stall_probe(app, stalls, stop, busy))
        # Show the page again from scratch: the time to a new document on screen.
        old = view.doc
        page_tab._shown = None
        app.current.observation = app.current.observation.model_copy()
        t = perf_counter()
        page_tab.show(app.current)
        await _until(lambda: view.doc is not old and drawn.get(0, 0) > t)
        shown_ms = (perf_counter() - t) * 1000
        await pilot.pause()
        view.focus()
        await pilot.pause()
        pages = []
        height = view.scrollable_content_region.height
        for _ in range(10):
            bottom = view.scroll_offset.y + 2 * height - 1  # the last row the key brings
            t = perf_counter()
            app.post_message(events.Key("pagedown", None))
            await _until(lambda b=bottom, t=t: drawn.get(b, 0) > t)
            pages.append((perf_counter() - t) * 1000)
            await pilot.pause()
        stop.set()
        await probe
    return {
        "bytes": len(markdown),
        "show_ms": round(shown_ms, 1),
        "page_ms": round(statistics.median(pages), 1),
        "page_max_ms": round(max(pages), 1),
        "max_stall_ms": round(max(stalls), 1),
        "max_busy_ms": round(max(busy), 1),
        "load": round(os.getloadavg()[0], 1),
    }


def big_page() -> dict:
    """The 1 MB page: time to show it, per page-down, and the longest UI stall meanwhile."""
    os.environ.setdefault("STEPDECK_HOME", tempfile.mkdtemp(prefix="stepdeck-bench-"))
    return asyncio.run(_big_page())


def _fill_store(path: Path, sessions: int, steps: int) -> None:
    from tui.model import Session, StepRequest, StepResult
    from tui.store import Store

    with Store(path) as store:
        per = max(1, steps // sessions)
        for n in range(sessions):
            session = Session(id=f"s{n:07d}", url=f"http://127.0.0.1:1/p/{n}", title=f"Run {n}")
            store.record_session(session)
            for k in range(per):
                store.record_step(
                    "local", session.id, StepResult(request=StepRequest(id=f"B{k + 1}"))
                )


async def _stored_first_paint(path: Path) -> dict:
    from tui.store import Store
    from tui.ui.app import StepdeckApp
    from tui.ui.widgets.session_list import SessionList

    with Store(path) as store:
        provider = _PageProvider("# hello")
        t = perf_counter()
        app = StepdeckApp([provider], images="none", store=store)
        async with app.run_test(size=(160, 48)) as pilot:
            sidebar = app.query_one(SessionList)
            while not any(r.kind == "fold" for r in sidebar.rows):  # noqa: ASYNC110
                await asyncio.sleep(0.005)
            await pilot.pause()
            paint_ms = (perf_counter() - t) * 1000
            t = perf_counter()
            sidebar.query_one("#session-filter").value = "Run 99"
            await pilot.pause()
            filter_ms = (perf_counter() - t) * 1000
    return {"first_paint_ms": round(paint_ms, 1), "filter_ms": round(filter_ms, 1)}


def stored_first_paint(sessions: int = 1000, steps: int = 20000) -> dict:
    """First paint with a store of `sessions` sessions and `steps` steps; a sidebar filter."""
    home = Path(tempfile.mkdtemp(prefix="stepdeck-bench-"))
    os.environ["STEPDECK_HOME"] = str(home)
    path = home / "bench.sqlite3"
    t = perf_counter()
    _fill_store(path, sessions, steps)
    filled_s = perf_counter() - t
    out = asyncio.run(_stored_first_paint(path))
    out.update(sessions=sessions, steps=steps, fill_s=round(filled_s, 1))
    return out


def main() -> int:
    sys.path.insert(0, str(ROOT))
    out = {"ui_cold_start": cold_start(), "ui_step_overhead": step_overhead()}
    out |= {"ui_big_page": big_page(), "ui_stored_first_paint": stored_first_paint()}
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
