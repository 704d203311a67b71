"""A bounded soak of the embedded engine: many clients stepping many sessions at once,
one of them on a hostile page, and how much the hostile one slows the others.

    python scripts/soak.py [--seconds 60] [--clients 10] [--hostile stuck|spin|blackhole]

Two halves of `--seconds` each: first `clients - 1` well-behaved clients alone
(the baseline), then the same clients with one hostile client beside them. Each
client owns one session and steps it in a loop (goto, scroll, back: every step
observes the page, with a screenshot). Reports steps/s, p50/p95 step time and
errors per half, and the slowdown of the well-behaved clients' p50; exits 1 if
it is over 20 % or a well-behaved client saw an error. Run by `make bench`.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tui.demo.server import DemoServer  # noqa: E402
from tui.errors import StepdeckError  # noqa: E402
from tui.model import CreateSession, StepRequest  # noqa: E402
from tui.providers.local import LocalProvider  # noqa: E402

PAGES = ROOT / "tests" / "pages"
MAX_SLOWDOWN = 0.20


@dataclass
class Tally:
    """Step times and errors of one group of clients in one half."""

    times: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def line(self, name: str, seconds: float) -> str:
        if not self.times:
            return f"{name:<24} no steps, {len(self.errors)} errors"
        ordered = sorted(self.times)
        p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
        return (
            f"{name:<24} {len(ordered) / seconds:6.1f} steps/s  p50 {statistics.median(ordered):6.0f} ms"
            f"  p95 {p95:6.0f} ms  errors {len(self.errors)}"
        )

    @property
    def p50(self) -> float:
        return statistics.median(self.times) if self.times else float("inf")


def serve_pages() -> tuple[str, ThreadingHTTPServer]:
    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(PAGES)))
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{httpd.server_address[1]}", httpd


def black_hole() -> str:
    """A port that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            conn, _ = server.accept()
            held.append(conn)

    threading.Thread(target=accept, daemon=True).start()
    return f"http://127.0.0.1:{server.getsockname()[1]}/"


async def well_behaved(p: LocalProvider, site: str, until: float, tally: Tally) -> None:
    s = await p.create_session(CreateSession(url=f"{site}/shop"))
    steps = [
        StepRequest(source="api", type="scroll_down"),
        StepRequest(source="api", type="goto", url=f"{site}/social"),
        StepRequest(source="api", type="back"),
        StepRequest(source="api", type="scroll_up"),
    ]
    i = 0
    while time.monotonic() < until:
        t0 = time.perf_counter()
        try:
            await asyncio.wait_for(p.step(s.id, steps[i % len(steps)]), 60)
            tally.times.append((time.perf_counter() - t0) * 1000)
        except (StepdeckError, TimeoutError) as exc:
            tally.errors.append(f"{type(exc).__name__}: {exc}")
        i += 1
    await p.close_session(s.id)


async def hostile(p: LocalProvider, pages: str, kind: str, until: float, tally: Tally) -> None:
    """Steps a page that hangs: a script that never yields, one that loops forever, or a
    server that never answers. Its steps time out and the engine recovers the tab."""
    hole = black_hole() if kind == "blackhole" else ""
    page, button = ("stuck.html", "Freeze") if kind == "stuck" else ("spin.html", "Spin forever")
    s = await p.create_session(CreateSession(url=f"{pages}/{page}"))
    while time.monotonic() < until:
        if kind == "blackhole":
            request = StepRequest(source="api", type="goto", url=hole)
        else:
            try:
                obs = await asyncio.wait_for(p.observe(s.id, screenshot=False), 120)
            except (StepdeckError, TimeoutError) as exc:
                tally.errors.append(type(exc).__name__)
                continue
            target = next((a for a in obs.actions if a.description == button), None)
            if target is None:
                request = StepRequest(source="api", type="goto", url=f"{pages}/{page}")
            else:
                request = StepRequest(source="api", id=target.id)
        t0 = time.perf_counter()
        try:
            await asyncio.wait_for(p.step(s.id, request), 120)
            await asyncio.wait_for(p.step(s.id, StepRequest(source="api", type="scroll_down")), 120)
            tally.times.append((time.perf_counter() - t0) * 1000)
        except (StepdeckError, TimeoutError) as exc:
            tally.times.append((time.perf_counter() - t0) * 1000)
            tally.errors.append(type(exc).__name__)
    await p.close_session(s.id)


async def soak(seconds: float, clients: int, kind: str) -> int:
    pages, httpd = serve_pages()
    half = seconds / 2
    with DemoServer() as demo:
        site = demo.url("/").rstrip("/")
        # Bounds shorter than the defaults, so the hostile client cycles several times.
        async with LocalProvider(nav_timeout_ms=5_000, action_timeout_ms=3_000) as p:
            p.engine.walk_timeout_s = 5.0
            base = Tally()
            until = time.monotonic() + half
            await asyncio.gather(*(well_behaved(p, site, until, base) for _ in range(clients - 1)))
            mixed, bad = Tally(), Tally()
            until = time.monotonic() + half
            await asyncio.gather(
                *(well_behaved(p, site, until, mixed) for _ in range(clients - 1)),
                hostile(p, pages, kind, until, bad),
            )
    httpd.shutdown()
    print(f"soak: {clients} clients, {clients} sessions, {seconds:.0f} s, hostile page: {kind}")
    print(base.line(f"{clients - 1} alone", half))
    print(mixed.line(f"{clients - 1} beside hostile", half))
    print(bad.line("hostile", half))
    slowdown = mixed.p50 / base.p50 - 1 if base.times and mixed.times else float("inf")
    print(f"well-behaved p50 slowdown beside the hostile page: {slowdown * 100:+.0f} %")
    for err in (base.errors + mixed.errors)[:5]:
        print("  error:", err[:160])
    ok = slowdown <= MAX_SLOWDOWN and not base.errors and not mixed.errors
    print("soak:", "ok" if ok else f"FAILED (limit {MAX_SLOWDOWN * 100:.0f} %, no errors)")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--hostile", choices=("stuck", "spin", "blackhole"), default="stuck")
    args = parser.parse_args()
    return asyncio.run(soak(args.seconds, max(2, args.clients), args.hostile))


if __name__ == "__main__":
    sys.exit(main())
