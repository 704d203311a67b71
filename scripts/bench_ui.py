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


def main() -> int:
    sys.path.insert(0, str(ROOT))
    print(
        json.dumps({"ui_cold_start": cold_start(), "ui_step_overhead": step_overhead()}, indent=2)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
