"""What recording costs per step: `make bench` runs it after bench.py (or run it alone).

On the bundled demo shop, the same steps run on the embedded engine three ways:
plain; recorded in the store (RecordingProvider: the row, the page text and the
screenshot file); and recorded with a Playwright trace too (--trace). Printed:
the median per step and the overhead over plain, for a fill (no navigation)
and a navigation; then the trace's write time and size, a step diff and a GIF.
Everything runs on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ROUNDS = 12


async def _run(mode: str, demo: str) -> dict[str, list[float]]:
    from tui.model import CreateSession, StepRequest
    from tui.providers.local import LocalProvider
    from tui.records.recording import RecordingProvider
    from tui.store import Store

    store = Store()
    local = LocalProvider(trace=mode == "recorded + trace")
    provider = local if mode == "plain" else RecordingProvider(local, store)
    await provider.start()
    times: dict[str, list[float]] = {"fill": [], "navigate": []}
    try:
        session = await provider.create_session(CreateSession(url=f"{demo}/shop"))
        page = await provider.observe(session.id, screenshot=False)
        search = next(a.id for a in page.actions if a.description == "Search products")
        for n in range(ROUNDS + 2):  # the first two warm up
            t0 = time.perf_counter()
            await provider.step(session.id, StepRequest(id=search, value=f"kindle {n}"))
            fill = (time.perf_counter() - t0) * 1000
            t0 = time.perf_counter()
            url = f"{demo}/shop/search?q=lamp{n}" if n % 2 else f"{demo}/shop"
            await provider.step(session.id, StepRequest(type="goto", url=url))
            nav = (time.perf_counter() - t0) * 1000
            if n >= 2:
                times["fill"].append(fill)
                times["navigate"].append(nav)
            if n % 2 == 0:
                page = await provider.observe(session.id, screenshot=False)
                search = next(a.id for a in page.actions if a.description == "Search products")
        t0 = time.perf_counter()
        await provider.close_session(session.id)
        times["close"] = [(time.perf_counter() - t0) * 1000]
        if mode == "recorded + trace":
            from tui.engine.tracing import trace_file

            times["trace_kb"] = [trace_file(session.id).stat().st_size / 1024]
        if mode != "plain":
            times["session"] = [0.0]
            times["_id"] = session.id  # type: ignore[assignment]
    finally:
        await provider.aclose()
        store.close()
    return times


def _after(demo_session: str) -> list[str]:
    """A step diff and an animated export of the recorded session."""
    from tui.records.commands import _find_session
    from tui.records.diff import diff_steps, page_state
    from tui.records.export import export_session
    from tui.records.gif import write_animation
    from tui.store import Store

    lines = []
    with Store() as store:
        steps = store.steps("local", _find_session(store, "local", demo_session))
        t0 = time.perf_counter()
        for a, b in itertools.pairwise(steps[:11]):
            diff_steps(page_state(a), page_state(b))
        per = (time.perf_counter() - t0) * 1000 / min(10, len(steps) - 1)
        lines.append(f"step diff (actions, text, pixels) per pair: {per:.0f} ms")
        out = Path(tempfile.mkdtemp())
        t0 = time.perf_counter()
        result = asyncio.run(export_session(demo_session, store=store, out=out))
        lines.append(f"export of {result.steps} steps: {(time.perf_counter() - t0) * 1000:.0f} ms")
        t0 = time.perf_counter()
        frames = write_animation(result.export, result.folder, out / "replay.gif")
        size = (out / "replay.gif").stat().st_size / 1024
        lines.append(
            f"GIF of {frames} frames: {(time.perf_counter() - t0) * 1000:.0f} ms, {size:.0f} KB"
        )
    return lines


def main() -> int:
    os.environ.setdefault("STEPDECK_HOME", tempfile.mkdtemp(prefix="stepdeck-bench-"))
    from tui.demo.server import DemoServer

    results: dict[str, dict] = {}
    with DemoServer(port=0) as demo:
        for mode in ("plain", "recorded", "recorded + trace"):
            results[mode] = asyncio.run(_run(mode, demo.base_url))
    print(f"\nRecording cost per step (median of {ROUNDS}, demo shop, embedded engine)\n")
    print(f"{'mode':<18} {'fill ms':>8} {'+':>6} {'navigate ms':>12} {'+':>6} {'close ms':>9}")
    base = {k: statistics.median(results["plain"][k]) for k in ("fill", "navigate")}
    for mode, times in results.items():
        fill = statistics.median(times["fill"])
        nav = statistics.median(times["navigate"])
        print(
            f"{mode:<18} {fill:>8.0f} {fill - base['fill']:>+6.0f} {nav:>12.0f} "
            f"{nav - base['navigate']:>+6.0f} {times['close'][0]:>9.0f}"
        )
    kb = results["recorded + trace"].get("trace_kb", [0])[0]
    print(f"\ntrace.zip for {2 * (ROUNDS + 2)} steps: {kb:.0f} KB (written at close)")
    for line in _after(results["recorded"]["_id"]):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
