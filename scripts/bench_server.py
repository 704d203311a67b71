"""Benchmark `stepdeck serve`: steps per second with 10 sessions stepped concurrently over
HTTP, and the HTTP overhead per step against the in-process engine, in the same run.

    .venv/bin/python scripts/bench_server.py [--sessions 10] [--steps 10]

Starts the bundled demo site and a real `stepdeck serve` on free loopback ports (in a
temporary STEPDECK_HOME), steps every session through scroll_down / scroll_up (no
navigation, a fresh observation with a screenshot each time), then does the same
steps with a LocalProvider in this process.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "bench-token"
STEPS = ({"type": "scroll_down"}, {"type": "scroll_up"})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(home: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    # this checkout's code (a worktree's too), with the running interpreter
    env = dict(os.environ, STEPDECK_HOME=str(home), STEPDECK_TOKEN=TOKEN, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui.cli", "serve", "--port", str(port)],
        cwd=str(ROOT),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("stepdeck serve did not start")


async def over_http(url: str, site: str, sessions: int, steps: int) -> dict[str, float]:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    limits = httpx.Limits(max_connections=sessions + 2)
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=120, limits=limits) as http:
        ids = []
        for _ in range(sessions):
            reply = await http.post("/sessions/start", json={"url": f"{site}/shop"})
            reply.raise_for_status()
            ids.append(reply.json()["session_id"])
        for sid in ids:  # warm each page once
            (await http.post(f"/sessions/{sid}/page/execute", json=STEPS[0])).raise_for_status()

        # one session alone: latency per step
        latencies = []
        for i in range(steps * 2):
            t0 = time.perf_counter()
            reply = await http.post(f"/sessions/{ids[0]}/page/execute", json=STEPS[i % 2])
            reply.raise_for_status()
            latencies.append((time.perf_counter() - t0) * 1000)

        async def drive(sid: str) -> None:
            for i in range(steps):
                reply = await http.post(f"/sessions/{sid}/page/execute", json=STEPS[i % 2])
                reply.raise_for_status()

        t0 = time.perf_counter()
        await asyncio.gather(*(drive(sid) for sid in ids))
        elapsed = time.perf_counter() - t0
        for sid in ids:
            await http.delete(f"/sessions/{sid}/stop")
    return {
        "steps_per_s": sessions * steps / elapsed,
        "median_ms": statistics.median(latencies),
    }


async def in_process(site: str, sessions: int, steps: int) -> dict[str, float]:
    from tui.model import CreateSession, StepRequest
    from tui.providers.local import LocalProvider

    async with LocalProvider() as provider:
        ids = [
            (await provider.create_session(CreateSession(url=f"{site}/shop"))).id
            for _ in range(sessions)
        ]
        requests = [StepRequest(source="api", **s) for s in STEPS]
        for sid in ids:
            await provider.step(sid, requests[0])
        latencies = []
        for i in range(steps * 2):
            t0 = time.perf_counter()
            await provider.step(ids[0], requests[i % 2])
            latencies.append((time.perf_counter() - t0) * 1000)

        async def drive(sid: str) -> None:
            for i in range(steps):
                await provider.step(sid, requests[i % 2])

        t0 = time.perf_counter()
        await asyncio.gather(*(drive(sid) for sid in ids))
        elapsed = time.perf_counter() - t0
        for sid in ids:
            await provider.close_session(sid)
    return {
        "steps_per_s": sessions * steps / elapsed,
        "median_ms": statistics.median(latencies),
    }


def measure(sessions: int = 10, steps: int = 10) -> dict[str, dict[str, float]]:
    """Both measurements in one run: {"http": {...}, "local": {...}} (steps_per_s, median_ms)."""
    sys.path.insert(0, str(ROOT))
    from tui.demo.server import DemoServer

    old_home = os.environ.get("STEPDECK_HOME")
    with tempfile.TemporaryDirectory() as home, DemoServer() as demo:
        os.environ["STEPDECK_HOME"] = home
        try:
            site = demo.url("/").rstrip("/")
            proc, url = start_server(Path(home))
            try:
                http = asyncio.run(over_http(url, site, sessions, steps))
            finally:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=20)
            local = asyncio.run(in_process(site, sessions, steps))
        finally:
            if old_home is None:
                os.environ.pop("STEPDECK_HOME", None)
            else:
                os.environ["STEPDECK_HOME"] = old_home
    return {"http": http, "local": local}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--steps", type=int, default=10, help="steps per session")
    args = parser.parse_args()
    both = measure(args.sessions, args.steps)
    http, local = both["http"], both["local"]

    n = args.sessions
    print(f"stepdeck serve, {n} sessions stepped concurrently ({args.steps} steps each, scroll)")
    print(
        f"  over HTTP:   {http['steps_per_s']:6.1f} steps/s   one session: {http['median_ms']:6.1f} ms/step (median)"
    )
    print(
        f"  in process:  {local['steps_per_s']:6.1f} steps/s   one session: {local['median_ms']:6.1f} ms/step (median)"
    )
    print(
        f"  HTTP overhead per step: {http['median_ms'] - local['median_ms']:+.1f} ms (median, one session)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
