"""Benchmark `stepdeck serve`: steps per second with 10 sessions stepped concurrently over
HTTP, and the HTTP overhead per step against the in-process engine, in the same run.

    .venv/bin/python scripts/bench_server.py [--sessions 10] [--steps 10] [--rounds 8]

Starts the bundled demo site and a real `stepdeck serve` on free loopback ports (in a
temporary STEPDECK_HOME), steps every session through scroll_down / scroll_up (no
navigation, a fresh observation with a screenshot each time), and does the same
steps with a LocalProvider in this process recorded in a store as the app records them
(the server records every step too), the two interleaved round by round. Over HTTP the
answer is Notte's, as an SDK gets it: the step alone (the page after it, observed and
recorded all the same, is sent only to a client that asks with `?observation=true`).
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
# 8 rounds of 10 steps a side: 4 of 6 moved the ratio 0.86-1.01x between runs of the same code.
SESSIONS, STEPS_EACH, ROUNDS = 10, 10, 8


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


async def interleaved(
    url: str, site: str, sessions: int, steps: int, rounds: int, store_path: Path
) -> dict[str, dict[str, float]]:
    """The same steps over HTTP and in process, interleaved round by round (the order swaps
    each round) so that a shared machine's load falls on both sides alike."""
    from tui.model import CreateSession, StepRequest
    from tui.providers.local import LocalProvider
    from tui.records.recording import recording
    from tui.store import Store

    headers = {"Authorization": f"Bearer {TOKEN}"}
    limits = httpx.Limits(max_connections=sessions + 2)
    requests = [StepRequest(source="api", **s) for s in STEPS]
    # In process as the app runs it: every step recorded in a store (its own file), as the
    # server records every step before it answers.
    store = Store(store_path)
    async with (
        httpx.AsyncClient(base_url=url, headers=headers, timeout=120, limits=limits) as http,
        LocalProvider() as engine,
    ):
        provider = recording(engine, store)
        remote = []
        for _ in range(sessions):
            reply = await http.post("/sessions/start", json={"url": f"{site}/shop"})
            reply.raise_for_status()
            remote.append(reply.json()["session_id"])
        local = [
            (await provider.create_session(CreateSession(url=f"{site}/shop"))).id
            for _ in range(sessions)
        ]

        async def http_step(sid: str, i: int) -> None:
            reply = await http.post(f"/sessions/{sid}/page/execute", json=STEPS[i % 2])
            reply.raise_for_status()

        async def local_step(sid: str, i: int) -> None:
            await provider.step(sid, requests[i % 2])

        sides = {"http": (http_step, remote), "local": (local_step, local)}
        for step, ids in sides.values():  # warm each page once
            for sid in ids:
                await step(sid, 0)

        # one session alone: latency per step, the sides alternating step by step
        latencies: dict[str, list[float]] = {k: [] for k in sides}
        for i in range(steps * 2):
            for key, (step, ids) in sides.items():
                t0 = time.perf_counter()
                await step(ids[0], i)
                latencies[key].append((time.perf_counter() - t0) * 1000)

        # all sessions at once, a round per side, the order swapping every round
        rates: dict[str, list[float]] = {k: [] for k in sides}
        for r in range(rounds):
            for key in ("http", "local") if r % 2 == 0 else ("local", "http"):
                step, ids = sides[key]

                async def drive(sid: str, step=step) -> None:
                    for i in range(steps):
                        await step(sid, i)

                t0 = time.perf_counter()
                await asyncio.gather(*(drive(sid) for sid in ids))
                rates[key].append(sessions * steps / (time.perf_counter() - t0))
        for sid in remote:
            await http.delete(f"/sessions/{sid}/stop")
        for sid in local:
            await provider.close_session(sid)
    store.close()
    return {
        key: {
            "steps_per_s": statistics.median(rates[key]),
            "median_ms": statistics.median(latencies[key]),
            "rounds": rounds,
        }
        for key in sides
    }


def measure(
    sessions: int = SESSIONS, steps: int = STEPS_EACH, rounds: int = ROUNDS
) -> dict[str, dict[str, float]]:
    """Both measurements in one run, interleaved: {"http": {...}, "local": {...}}
    (steps_per_s: the median round's; median_ms: one session alone)."""
    sys.path.insert(0, str(ROOT))
    from tui.demo.server import DemoServer

    old_home = os.environ.get("STEPDECK_HOME")
    with tempfile.TemporaryDirectory() as home, DemoServer() as demo:
        os.environ["STEPDECK_HOME"] = home
        try:
            site = demo.url("/").rstrip("/")
            proc, url = start_server(Path(home))
            try:
                return asyncio.run(
                    interleaved(url, site, sessions, steps, rounds, Path(home) / "local.sqlite3")
                )
            finally:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=20)
        finally:
            if old_home is None:
                os.environ.pop("STEPDECK_HOME", None)
            else:
                os.environ["STEPDECK_HOME"] = old_home


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=SESSIONS)
    parser.add_argument("--steps", type=int, default=STEPS_EACH, help="steps per session")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="rounds per side, interleaved")
    args = parser.parse_args()
    both = measure(args.sessions, args.steps, args.rounds)
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
