"""A pool of browsers: step throughput with 1 vs 3 endpoints, and what placement costs.

`make bench` runs it (or run it alone). Three Debian headless shells are
started with --remote-debugging-port on 127.0.0.1; the bundled demo shop
serves the pages. For 1 and then 3 endpoints, SESSIONS sessions step
concurrently (a fill and an observe, ROUNDS times each) and the total steps
per second is printed. Then the cost of placement itself: opening a session
through the pool versus straight on one attached browser, and the pick alone.

On a 2-core machine every browser shares the same two cores: a pool is for
spreading sessions over machines. Here, 3 endpoints may still look faster when
the machine is oversubscribed (3 browser processes get a bigger share of a busy
scheduler than 1, and one browser process serializes its contexts' CDP
traffic); the load average is printed so the numbers can be read honestly.
"""

from __future__ import annotations

import asyncio
import os
import queue
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SESSIONS = 4
ROUNDS = 3
OPENS = 8


class RemoteChromium:
    """A headless shell with a DevTools port (what --cdp-url attaches to)."""

    def __init__(self) -> None:
        from tui.engine.browser import HEADLESS_SHELL, launch_args

        self.dir = tempfile.mkdtemp(prefix="stepdeck-bench-pool-")
        argv = [
            HEADLESS_SHELL,
            "--remote-debugging-port=0",
            "--remote-debugging-address=127.0.0.1",
            f"--user-data-dir={self.dir}",
            *launch_args(HEADLESS_SHELL),
            "about:blank",
        ]
        self.proc = subprocess.Popen(
            argv, stderr=subprocess.PIPE, text=True, start_new_session=True
        )
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(
            target=lambda: [lines.put(x) for x in self.proc.stderr], daemon=True
        ).start()
        deadline = time.monotonic() + 60
        while True:
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            if "DevTools listening on ws://127.0.0.1:" in line:
                port = line.split("ws://127.0.0.1:")[1].split("/")[0]
                self.url = f"http://127.0.0.1:{port}"
                return

    def stop(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


async def throughput(urls: list[str], shop: str) -> tuple[float, float]:
    """Steps per second with SESSIONS sessions stepping at once, and the wall time."""
    from tui.engine.engine import Engine
    from tui.engine.pool import BrowserPool
    from tui.model import StepRequest

    engine = Engine(pool=BrowserPool(cdp_urls=urls))
    await engine.start()
    try:
        sessions = await asyncio.gather(*(engine.create(shop) for _ in range(SESSIONS)))

        async def drive(sess) -> int:
            obs = await sess.observe(screenshot=False)
            search = next(a.id for a in obs.actions if a.description == "Search products")
            for n in range(ROUNDS):
                await sess.step(StepRequest(id=search, value=f"lamp {n}"))
                await sess.observe(screenshot=True)
            return ROUNDS * 2

        await asyncio.gather(*(drive(s) for s in sessions))  # warm up
        t0 = time.perf_counter()
        steps = sum(await asyncio.gather(*(drive(s) for s in sessions)))
        wall = time.perf_counter() - t0
        return steps / wall, wall
    finally:
        await engine.aclose()


async def placement(url: str, shop: str) -> dict[str, float]:
    """Median ms to open a session on one browser: attached directly vs through a pool.

    The two alternate, so a machine that slows down mid-run slows both alike.
    """
    from tui.engine.engine import Engine
    from tui.engine.pool import BrowserPool

    engines = {
        "direct (one attached browser)": Engine(cdp_url=url),
        "through the pool": Engine(pool=BrowserPool(cdp_urls=[url])),
    }
    times: dict[str, list[float]] = {name: [] for name in engines}
    for engine in engines.values():
        await engine.start()
    try:
        for n in range(OPENS + 2):
            for name, engine in engines.items():
                t0 = time.perf_counter()
                sess = await engine.create(shop)
                if n >= 2:  # the first two warm up
                    times[name].append((time.perf_counter() - t0) * 1000)
                await sess.close()
        out = {name: statistics.median(t) for name, t in times.items()}
        pool = engines["through the pool"].pool
        assert pool is not None
        t0 = time.perf_counter()
        for _ in range(10_000):
            pool.pick()
        out["pick alone (µs)"] = (time.perf_counter() - t0) * 100  # 10,000 picks: s*100 = µs each
        return out
    finally:
        for engine in engines.values():
            await engine.aclose()


async def main() -> None:
    from tui.demo.server import DemoServer

    demo = DemoServer()
    shop = demo.start().rstrip("/") + "/shop"
    browsers = [RemoteChromium() for _ in range(3)]
    try:
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(
            f"pool bench: {os.cpu_count()} cores (load {load}), "
            f"{SESSIONS} sessions x {ROUNDS} rounds of fill + observe"
        )
        # 1, 3, then 1 again: the repeat shows how much of a difference is the machine's noise.
        for n, note in ((1, ""), (3, ""), (1, " (again)")):
            rate, wall = await throughput([b.url for b in browsers[:n]], shop)
            print(f"  {n} endpoint{'s' * (n > 1)}{note}: {rate:6.1f} steps/s  ({wall:.2f} s)")
        costs = await placement(browsers[0].url, shop + "/login")  # a light page
        for name, value in costs.items():
            unit = "" if "µs" in name else " ms"
            print(f"  open a session, {name}: {value:.1f}{unit}")
    finally:
        for b in browsers:
            b.stop()
        demo.stop()


if __name__ == "__main__":
    asyncio.run(main())
