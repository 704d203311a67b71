"""stepdeck benchmarks: `make bench` (or `python scripts/bench.py [section ...]`).

Each section is a function returning table rows; add yours to SECTIONS. Rows
put stepdeck's time next to the same primitives done by raw Playwright (or
the raw library) in the same run, with the ratio and the target.
Everything runs on 127.0.0.1; nothing touches the internet.
"""

from __future__ import annotations

import asyncio
import os
import re
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


@dataclass
class Row:
    section: str
    name: str
    value: float | None  # stepdeck's number
    unit: str = "ms"
    raw: float | None = None  # the same primitives without stepdeck
    target: str = ""  # e.g. "≤ 1.3x raw" or "≤ 40 MB"
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.value is None or not self.raw:
            return None
        return self.value / self.raw


def print_table(rows: list[Row]) -> None:
    headers = ["section", "measurement", "stepdeck", "raw", "ratio", "target", "note"]
    body = []
    for r in rows:
        unit = f" {r.unit}" if r.unit else ""
        fmt = lambda v, unit=unit: f"{v:,.1f}{unit}"  # noqa: E731
        body.append(
            [
                r.section,
                r.name,
                fmt(r.value) if r.value is not None else "-",
                fmt(r.raw) if r.raw is not None else "-",
                f"{r.ratio:.2f}x" if r.ratio is not None else "-",
                r.target,
                r.note,
            ]
        )
    widths = [
        max(len(h), *(len(b[i]) for b in body)) if body else len(h) for i, h in enumerate(headers)
    ]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    print(line)
    print("  ".join("-" * w for w in widths))
    for b in body:
        print("  ".join(c.ljust(w) for c, w in zip(b, widths, strict=True)))


from scripts.bench_pages import (  # noqa: E402
    FORM_PAGE,
    PageServer,
    big_page,
    raw_observe,
    table_page,
)

WARM_ROUNDS = 4


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples)


def best_note(eng: list[float], raw: list[float]) -> str:
    """Best-of-N ratio: on a shared, loaded machine the fastest run is the least disturbed."""
    return f"best {min(eng):.0f}/{min(raw):.0f} ms = {min(eng) / min(raw):.2f}x"


# --- `stepdeck serve` in a subprocess, for observe over HTTP (Notte's dialect) ----------------

SERVE_TOKEN = "bench-token"


class Serve:
    """`stepdeck serve` from this checkout on a free loopback port, in a temporary home."""

    def __init__(self) -> None:
        import socket
        import subprocess
        import tempfile

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.home = tempfile.TemporaryDirectory(prefix="stepdeck-bench-")
        env = dict(
            os.environ,
            PYTHONPATH=str(ROOT),
            STEPDECK_HOME=self.home.name,
            STEPDECK_TOKEN=SERVE_TOKEN,
        )
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tui.cli", "serve", "--port", str(port)],
            env=env,
            cwd=str(ROOT),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.url = f"http://127.0.0.1:{port}"

    async def wait(self, http) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if (await http.get(f"{self.url}/health", timeout=2)).status_code == 200:
                    return
            except Exception:
                pass
            await asyncio.sleep(0.1)
        raise RuntimeError("stepdeck serve did not start within 60 s")

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except Exception:
            self.proc.kill()
        self.home.cleanup()


def _runqueue_ms(pid: int) -> float:
    """How long `pid`'s main thread has waited, runnable, for a CPU (the kernel's schedstat)."""
    with open(f"/proc/{pid}/task/{pid}/schedstat") as f:
        return int(f.read().split()[1]) / 1e6


async def loop_hold_rows(serve: Serve, observe: Callable, label: str, rounds: int = 4) -> list[Row]:
    """How long `stepdeck serve` keeps other requests waiting while it observes a big page:
    /health asked every ~5 ms on its own connection during `rounds` observes over HTTP.

    Two rows. The wait a client sees (no target: on two cores it also holds the time the
    kernel gave the CPUs to Chromium, its Playwright driver and this script). And the issue's
    target, how long serve's event loop was held: each wait less the time serve's loop thread
    spent runnable but waiting for a CPU during it, as the kernel counts it
    (/proc/PID/task/PID/schedstat, read just before and after each ping). A wait for the GIL
    held by serve's own worker threads is not taken off, nor anything on this side."""
    import httpx

    waits: list[float] = []
    holds: list[tuple[float, float, float]] = []  # (held, wait, of it waiting for a CPU)
    idle: list[float] = []
    busy = asyncio.Event()
    stop = asyncio.Event()
    pid = serve.proc.pid

    async def ping() -> None:
        async with httpx.AsyncClient(base_url=serve.url, timeout=60) as h:
            while not stop.is_set():
                queued = _runqueue_ms(pid)
                t = time.perf_counter()
                (await h.get("/health")).raise_for_status()
                wait = (time.perf_counter() - t) * 1000
                descheduled = _runqueue_ms(pid) - queued
                if busy.is_set():
                    waits.append(wait)
                    holds.append((max(wait - descheduled, 0.0), wait, descheduled))
                else:
                    idle.append(wait)
                await asyncio.sleep(0.005)

    task = asyncio.create_task(ping())
    await asyncio.sleep(1.0)  # the same pings with nothing observed: the machine's own noise
    busy.set()
    for _ in range(rounds):
        await observe()
    stop.set()
    await task
    waits.sort()
    holds.sort()
    p95 = waits[int(len(waits) * 0.95)] if waits else 0.0
    page = label.split(" (")[0]
    held, of_wait, queued = holds[-1] if holds else (None, 0.0, 0.0)
    return [
        Row(
            "server",
            f"longest /health wait while observing the {page}",
            waits[-1] if waits else None,
            note=f"{len(waits)} pings over {rounds} observes: p50 {median_ms(waits):.0f} ms, "
            f"p95 {p95:.0f} ms; idle p50 {median_ms(idle or [0]):.0f} ms, "
            f"max {max(idle or [0]):.0f} ms (loop hold + HTTP + the machine's scheduling)",
        ),
        Row(
            "server",
            f"longest event-loop hold while observing the {page}",
            held,
            target="≤ 50 ms",
            note=f"that ping waited {of_wait:.0f} ms, serve's loop thread {queued:.0f} ms of it "
            "for a CPU (kernel schedstat)",
        ),
    ]


# --- memory -----------------------------------------------------------------------------------


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def browser_pss_mb() -> float:
    """PSS of every Chromium process below this one (Playwright's driver excluded)."""
    tree = _children()
    total_kb = 0
    stack = list(tree.get(os.getpid(), []))
    while stack:
        pid = stack.pop()
        stack.extend(tree.get(pid, []))
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().split(b"\0")[0]
            if b"chrom" not in cmd:
                continue
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total_kb += int(line.split()[1])
                        break
        except OSError:
            continue
    return total_kb / 1024


# --- the engine section -----------------------------------------------------------------------


async def _engine_rows() -> list[Row]:
    import httpx

    from tui.engine.engine import Engine
    from tui.model import StepRequest

    rows: list[Row] = []
    section = "engine"
    server = PageServer(
        {
            "/big": big_page(),
            "/table": table_page(),
            "/form": FORM_PAGE,
            "/done": "<title>Done</title>",
        }
    )
    serve = Serve()
    http = httpx.AsyncClient(
        base_url=serve.url, headers={"Authorization": f"Bearer {SERVE_TOKEN}"}, timeout=120
    )
    engine = Engine()
    try:
        await engine.start()
        await serve.wait(http)
        timings = engine.host.timings
        rows.append(Row(section, "Playwright driver start", timings.get("driver_ms")))
        rows.append(
            Row(
                section,
                "Chromium launch",
                timings.get("launch_ms"),
                note=Path(engine.host.executable or "?").name,
            )
        )
        browser = engine.host.browser
        assert browser is not None

        # Session creation: engine (context + page + listeners) vs raw context + page.
        eng_create, raw_create = [], []
        for _ in range(5):
            t = time.perf_counter()
            sess = await engine.create()
            eng_create.append((time.perf_counter() - t) * 1000)
            await engine.close(sess.id)
            t = time.perf_counter()
            ctx = await browser.new_context()
            await ctx.new_page()
            raw_create.append((time.perf_counter() - t) * 1000)
            await ctx.close()
        rows.append(
            Row(
                section,
                "new session (context+page)",
                median_ms(eng_create),
                raw=median_ms(raw_create),
            )
        )

        # Observe, three ways, interleaved (the order rotates every round so that neither
        # side always runs just after the other on a shared machine); medians of each.
        reply = await http.post("/sessions/start", json={})
        reply.raise_for_status()
        remote = reply.json()["session_id"]
        pages = [
            ("form page (10 elements)", f"{server.base}/form", 21, "≤ 1.0x raw"),
            ("5,000-element page (1.1 MB)", f"{server.base}/big", 21, "≤ 1.1x raw"),
            ("8,300-element page (2.3 MB)", f"{server.base}/table", 17, "≤ 1.1x raw"),
        ]
        for label, url, n, target in pages:
            sess = await engine.create(url)
            ctx = await browser.new_context(viewport={"width": 1280, "height": 800})
            page = await ctx.new_page()
            await page.goto(url, wait_until="domcontentloaded")
            step = {"type": "goto", "url": url}
            (await http.post(f"/sessions/{remote}/page/execute", json=step)).raise_for_status()

            async def ours(sess=sess) -> float:
                t = time.perf_counter()
                await sess.observe()
                return (time.perf_counter() - t) * 1000

            async def over_http() -> float:
                t = time.perf_counter()
                reply = await http.post(f"/sessions/{remote}/page/observe")
                reply.raise_for_status()
                return (time.perf_counter() - t) * 1000

            async def raw(page=page) -> float:
                return await raw_observe(page)

            runs = {"ours": ours, "http": over_http, "raw": raw}
            samples: dict[str, list[float]] = {k: [] for k in runs}
            # Warm-up rounds, not counted: both the page's engine (V8 compiles the walk's hot
            # functions, sizes its heap) and raw's are 10-20 % slower over their first ~10
            # observes of a page (measured here: 234/211 ms, then 160/150 ms). Every side
            # gets the same rounds; the medians are of the steady state a session lives in.
            for _ in range(WARM_ROUNDS):
                for fn in runs.values():
                    await fn()
            order = list(runs)
            for i in range(n):
                for key in order[i % 3 :] + order[: i % 3]:
                    samples[key].append(await runs[key]())
            obs = sess.last_observation
            assert obs is not None
            size = f"{len(obs.actions)} actions, {len(obs.markdown) // 1024} KB md"
            rows.append(
                Row(
                    section,
                    f"observe: {label}, in process",
                    median_ms(samples["ours"]),
                    raw=median_ms(samples["raw"]),
                    target=target,
                    note=f"{size}; median of {n}; " + best_note(samples["ours"], samples["raw"]),
                )
            )
            http_target = "≤ 1.0x raw" if "form" in label else "≤ 1.2x raw"
            rows.append(
                Row(
                    section,
                    f"observe: {label}, over HTTP",
                    median_ms(samples["http"]),
                    raw=median_ms(samples["raw"]),
                    target=http_target,
                    note="Notte's POST /page/observe on `stepdeck serve`; "
                    + best_note(samples["http"], samples["raw"]),
                )
            )
            if "form" not in label:
                rows.extend(await loop_hold_rows(serve, over_http, label))
            await sess.close()
            await ctx.close()

        # Fill step (no navigation) on the form page: engine step vs fill + the raw observe.
        sess = await engine.create(f"{server.base}/form")
        first = await sess.observe()
        user = next(a.id for a in first.actions if a.description == "User")
        ctx = await browser.new_context(viewport={"width": 1280, "height": 800})
        page = await ctx.new_page()
        await page.goto(f"{server.base}/form")
        eng, raw = [], []
        for i in range(21):
            t = time.perf_counter()
            await sess.step(StepRequest(type="fill", id=user, value=f"user {i}"))
            eng.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            await page.locator("#user").fill(f"user {i}")
            await raw_observe(page)
            raw.append((time.perf_counter() - t) * 1000)
        rows.append(
            Row(
                section,
                "fill step: form page",
                median_ms(eng[2:]),
                raw=median_ms(raw[2:]),
                target="≤ 1.1x raw",
                note="raw = locator.fill + the raw observe; " + best_note(eng[2:], raw[2:]),
            )
        )

        # Click that navigates: engine step vs click + wait for the new document + observe.
        eng, raw = [], []
        for _ in range(11):
            await sess.step(StepRequest(type="goto", url=f"{server.base}/form"))
            obs = sess.last_observation
            assert obs is not None
            link = next(a.id for a in obs.actions if a.description == "Reset it")
            t = time.perf_counter()
            await sess.step(StepRequest(id=link))
            eng.append((time.perf_counter() - t) * 1000)
            await page.goto(f"{server.base}/form")
            t = time.perf_counter()
            async with page.expect_navigation(wait_until="domcontentloaded"):
                await page.get_by_text("Reset it").click()
            await raw_observe(page)
            raw.append((time.perf_counter() - t) * 1000)
        rows.append(
            Row(
                section,
                "click-to-navigate step",
                median_ms(eng[1:]),
                raw=median_ms(raw[1:]),
                target="≤ 1.1x raw",
                note="raw = click + wait for domcontentloaded + the raw observe; "
                + best_note(eng[1:], raw[1:]),
            )
        )
        await sess.close()
        await ctx.close()

        # Memory: 20 sessions on the form page in one browser.
        sessions = [await engine.create(f"{server.base}/form")]
        await sessions[0].observe()
        await asyncio.sleep(0.5)
        one = browser_pss_mb()
        for _ in range(19):
            s = await engine.create(f"{server.base}/form")
            await s.observe(screenshot=False)
            sessions.append(s)
        await asyncio.sleep(0.5)
        twenty = browser_pss_mb()
        rows.append(Row(section, "browser PSS, 1 session", one, unit="MB"))
        rows.append(Row(section, "browser PSS, 20 sessions", twenty, unit="MB"))
        rows.append(
            Row(
                section,
                "PSS per extra session",
                (twenty - one) / 19,
                unit="MB",
                target="≤ 40 MB",
                note=Path(engine.host.executable or "?").name,
            )
        )
    finally:
        await http.aclose()
        serve.close()
        await engine.aclose()
        server.close()
    return rows


def bench_engine() -> list[Row]:
    """Observe and step times next to raw Playwright; sessions' memory."""
    return asyncio.run(_engine_rows())


SECTIONS: dict[str, Callable[[], list[Row]]] = {
    "engine": bench_engine,
}


def verdict(row: Row) -> str | None:
    """'pass' or 'miss' for a row with a target ("≤ 1.3x raw", "≤ 40 MB", "≤ 30 ms")."""
    m = re.fullmatch(r"([≤≥])\s*([\d.]+)\s*(x raw|MB|ms)", row.target.strip())
    if m is None:
        return None
    limit = float(m.group(2))
    measured = row.ratio if m.group(3) == "x raw" else row.value
    if measured is None:
        return "miss"
    ok = measured <= limit if m.group(1) == "≤" else measured >= limit
    return "pass" if ok else "miss"


def print_summary(rows: list[Row]) -> None:
    headers = ["section", "measurement", "target", "measured", "result"]
    body = []
    for r in rows:
        result = verdict(r)
        if result is None:
            continue
        if r.target.endswith("x raw"):
            measured = f"{r.ratio:.2f}x" if r.ratio is not None else "-"
        else:
            measured = f"{r.value:,.1f} {r.unit}" if r.value is not None else "-"
        body.append([r.section, r.name.strip(), r.target, measured, result])
    widths = [
        max(len(h), *(len(b[i]) for b in body)) if body else len(h) for i, h in enumerate(headers)
    ]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for b in body:
        print("  ".join(c.ljust(w) for c, w in zip(b, widths, strict=True)))


def main(argv: list[str]) -> int:
    wanted = argv or list(SECTIONS)
    unknown = [w for w in wanted if w not in SECTIONS]
    if unknown:
        print(f"unknown section(s): {', '.join(unknown)}; known: {', '.join(SECTIONS)}")
        return 2
    rows: list[Row] = []
    started = time.perf_counter()
    for name in wanted:
        t = time.perf_counter()
        section_rows = SECTIONS[name]()
        rows.extend(section_rows)
        print(f"\n## {name} ({time.perf_counter() - t:.1f} s)\n", flush=True)
        print_table(section_rows)
    print(f"\n## summary: targets ({time.perf_counter() - started:.0f} s in all)\n")
    print_summary(rows)
    return 0


# --- workflows (demo/agent engineer): command -> DONE on the demo site, no model -------------

WORKFLOWS = [
    ("search + open top result", "/shop", "search for AirPods Pro and open the first result"),
    ("add to cart + go to cart", None, "add it to the cart and go to the cart"),
    (
        "checkout to payment",
        None,
        "proceed to checkout, fill full name with Ada Lovelace, address with 12 Analytical Way, "
        "city with London, agree to the terms and continue to payment",
    ),
    ("draft + publish a post", "/social", "draft a post saying Hello from stepdeck and publish it"),
]


async def _workflow_rows(rounds: int = 5) -> list[Row]:
    from tui.demo.server import DemoServer
    from tui.model import CreateSession, StepRequest, StepStatus
    from tui.providers.local import LocalProvider

    times: dict[str, list[float]] = {name: [] for name, _, _ in WORKFLOWS}
    by_id: dict[str, list[float]] = {name: [] for name, _, _ in WORKFLOWS}
    steps: dict[str, int] = {}
    with DemoServer() as demo:
        async with LocalProvider() as provider:
            for _ in range(rounds):
                session = await provider.create_session(CreateSession(url=demo.url("/shop")))
                for name, path, cmd in WORKFLOWS:
                    if path:
                        await provider.step(
                            session.id, StepRequest(type="goto", url=demo.url(path))
                        )
                    t = time.perf_counter()
                    result = await provider.step(session.id, StepRequest(type="command", cmd=cmd))
                    times[name].append((time.perf_counter() - t) * 1000)
                    if result.status != StepStatus.DONE:
                        raise RuntimeError(f"{name}: {result.status} {result.message}")
                    steps[name] = len(result.steps)
                    by_id[name].append(sum(e.duration_ms for e in result.steps))
                await provider.close_session(session.id)
    return [
        Row(
            "workflows",
            f"{name} (cmd -> DONE)",
            median_ms(times[name]),
            raw=median_ms(by_id[name]),
            note=f"raw = its {steps[name]} steps by id; no model; median of {rounds}",
        )
        for name, _, _ in WORKFLOWS
    ]


def bench_workflows() -> list[Row]:
    """Time from a natural-language command to DONE for each demo workflow (rules, no model)."""
    return asyncio.run(_workflow_rows())


SECTIONS["workflows"] = bench_workflows


# --- the app (scripts/bench_ui.py) and the server (scripts/bench_server.py) -----------------


def bench_ui() -> list[Row]:
    """Cold start to first paint; the time the app adds on top of the engine per step."""
    from scripts.bench_paint import first_paint
    from scripts.bench_ui import big_page, step_overhead, stored_first_paint

    # The real `stepdeck` on a pseudo-terminal, beside a bare Textual app (the floor).
    bare = first_paint(runs=5, bare=True)
    paint = first_paint(0, 0, runs=5)
    paint_big = first_paint(1000, 20000, runs=5)
    over = step_overhead(steps=12)
    page = big_page()
    stored = stored_first_paint(sessions=1000, steps=20000)
    return [
        Row(
            "ui",
            "1 MB page: shown in the page view",
            page["show_ms"],
            target="≤ 1000 ms",
            note=f"{page['bytes']:,} bytes of markdown; built in a thread, rows drawn lazily",
        ),
        Row(
            "ui",
            "1 MB page: one page-down",
            page["page_ms"],
            target="≤ 150 ms",
            note=f"median of 10, key to rows drawn; slowest {page['page_max_ms']} ms",
        ),
        Row(
            "ui",
            "1 MB page: longest UI stall while loading",
            page["max_stall_ms"],
            target="≤ 100 ms",
            note=(
                f"a 10 ms tick on the app's loop, how late it came (load avg {page['load']}); "
                f"the UI thread's own CPU in the worst gap: {page['max_busy_ms']} ms"
            ),
        ),
        Row(
            "ui",
            "first paint (`stepdeck`, 160x48 pty)",
            paint["first_paint_ms"],
            raw=bare["first_paint_ms"],
            target="≤ 600 ms",
            note=(
                f"raw = a bare Textual app; CPU by then {paint['first_paint_cpu_ms']} ms "
                f"(bare {bare['first_paint_cpu_ms']} ms); scripts/bench_paint.py"
            ),
        ),
        Row(
            "ui",
            "first paint, 1,000 stored sessions",
            paint_big["first_paint_ms"],
            raw=bare["first_paint_ms"],
            target="≤ 600 ms",
            note=(
                f"20,000 steps; CPU by then {paint_big['first_paint_cpu_ms']} ms; sessions "
                f"listed at {paint_big['sessions_shown_ms']} ms; sidebar filter "
                f"{stored['filter_ms']} ms"
            ),
        ),
        Row(
            "ui",
            "app overhead per step",
            over["median_ms"],
            target="≤ 30 ms",
            note=f"p90 {over['p90_ms']} ms; fill step on the demo shop, {over['steps']} steps",
        ),
    ]


def bench_server() -> list[Row]:
    """Steps/s with 10 sessions stepped concurrently over HTTP; HTTP overhead per step."""
    from scripts.bench_server import measure

    both = measure()  # 10 sessions, 8 rounds of 10 steps a side
    http, local = both["http"], both["local"]
    return [
        Row(
            "server",
            "10 sessions stepped concurrently",
            http["steps_per_s"],
            unit="steps/s",
            raw=local["steps_per_s"],
            target="≥ 0.9x raw",
            note="raw = the same steps on a LocalProvider in this process, recorded as the app "
            "records them; steps/s of the "
            f"median round of {http['rounds']} per side, interleaved",
        ),
        Row(
            "server",
            "one step over HTTP (scroll)",
            http["median_ms"],
            raw=local["median_ms"],
            note=f"HTTP overhead {http['median_ms'] - local['median_ms']:+.1f} ms per step (median)",
        ),
    ]


SECTIONS["ui"] = bench_ui
SECTIONS["server"] = bench_server


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
