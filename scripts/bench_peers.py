"""Peers on the same pages: Notte's open engine and browser-use against the raw floor.

    make bench-peers        # builds .venv-peers (notte-browser 1.10.0, browser-use 0.13.14)

Runs in its own virtualenv (the peers' dependencies never touch stepdeck's). One Debian
Chromium (headless shell) is started with a CDP port; raw Playwright (patchright, which
notte installs), Notte's NotteSession and browser-use's BrowserSession all attach to it,
and observe the same generated pages as `make bench`, interleaved, medians. Nothing of
stepdeck's runs here except the page generators of scripts/bench_pages.py; stepdeck's own
ratios come from `make bench` (the raw floor here is written the same way).
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DISABLE_TELEMETRY", "true")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "false")
os.environ.setdefault("BROWSER_USE_LOGGING_LEVEL", "error")

from scripts.bench_pages import (  # noqa: E402
    FORM_PAGE,
    RAW_WALK,
    PageServer,
    big_page,
    table_page,
)

CHROMIUM = next(
    (
        p
        for p in ("/usr/lib/chromium/chromium-headless-shell", "/usr/lib/chromium/chromium")
        if Path(p).exists()
    ),
    None,
)
BUDGET_S = 60.0  # a peer that takes longer than this on one observe is stopped there


def start_chromium() -> tuple[subprocess.Popen, str, tempfile.TemporaryDirectory]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    profile = tempfile.TemporaryDirectory(prefix="stepdeck-peers-")
    proc = subprocess.Popen(
        [
            CHROMIUM,
            f"--remote-debugging-port={port}",
            f"--user-data-dir={profile.name}",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--window-size=1280,800",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import urllib.request

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/version", timeout=1) as r:
                json.load(r)
            return proc, f"http://127.0.0.1:{port}", profile
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("Chromium did not open its CDP port")


async def main() -> int:
    from patchright.async_api import async_playwright
    from selectolax.lexbor import LexborHTMLParser

    server = PageServer({"/big": big_page(), "/table": table_page(), "/form": FORM_PAGE})
    chrome, cdp, profile = start_chromium()
    pages = [
        ("form page", "/form"),
        ("5,000-element page", "/big"),
        ("8,300-element page", "/table"),
    ]
    rows = []
    try:
        async with async_playwright() as pw:
            browser = await pw.chromium.connect_over_cdp(cdp)
            ctx = browser.contexts[0] if browser.contexts else await browser.new_context()
            raw_page = await ctx.new_page()
            await raw_page.set_viewport_size({"width": 1280, "height": 800})

            async def raw(url: str) -> tuple[float, int]:
                t = time.perf_counter()
                data = json.loads(await raw_page.evaluate(RAW_WALK))
                tree = LexborHTMLParser(await raw_page.content())
                (tree.body or tree.root).text()
                await raw_page.screenshot(type="png")
                return (time.perf_counter() - t) * 1000, len(data["actions"])

            from notte_browser.session import NotteSession
            from notte_core.actions import GotoAction

            notte = NotteSession(cdp_url=cdp, headless=True)
            await notte.astart()

            async def run_notte(url: str) -> tuple[float, int]:
                t = time.perf_counter()
                obs = await asyncio.wait_for(notte.aobserve(), BUDGET_S)
                return (time.perf_counter() - t) * 1000, len(obs.space.interaction_actions)

            from browser_use import BrowserSession

            bu = BrowserSession(cdp_url=cdp, headless=True)
            await bu.start()

            async def run_bu(url: str) -> tuple[float, int]:
                t = time.perf_counter()
                state = await asyncio.wait_for(
                    bu.get_browser_state_summary(include_screenshot=True), BUDGET_S
                )
                return (time.perf_counter() - t) * 1000, len(state.dom_state.selector_map)

            for label, path in pages:
                url = server.base + path
                await raw_page.goto(url)
                runs = {"raw": raw}
                for key, goto, run in (
                    ("notte", lambda url=url: notte.aexecute(GotoAction(url=url)), run_notte),
                    ("browser-use", lambda url=url: bu.navigate_to(url), run_bu),
                ):
                    try:
                        await asyncio.wait_for(goto(), BUDGET_S)
                        runs[key] = run
                    except Exception as exc:  # a peer that cannot open the page is reported
                        first = (str(exc).strip().splitlines() or ["failed"])[0][:80]
                        rows.append(
                            (label, key, None, None, None, f"could not open it: {first}", 0)
                        )
                await asyncio.sleep(0.5)
                samples: dict[str, list[float]] = {k: [] for k in runs}
                counts: dict[str, int] = {}
                n = 5 if path == "/form" else 3
                for i in range(n):
                    order = list(runs)[i % 3 :] + list(runs)[: i % 3]
                    for key in order:
                        try:
                            ms, count = await runs[key](url)
                        except Exception:  # over budget, or the peer failed: counted as the budget
                            ms, count = BUDGET_S * 1000, -1
                        samples[key].append(ms)
                        counts[key] = count
                base = statistics.median(samples["raw"])
                for key in runs:
                    if key == "raw":
                        continue
                    med = statistics.median(samples[key])
                    listed = (
                        f"failed or over {BUDGET_S:.0f} s"
                        if counts[key] < 0
                        else f"lists {counts[key]} elements"
                    )
                    rows.append((label, key, med, base, med / base, listed, counts["raw"]))
                    print(f"{label}: {key} {med:,.0f} ms vs raw {base:,.0f} ms", flush=True)
            for close in (bu.kill, notte.astop):
                try:
                    await asyncio.wait_for(close(), 20)
                except Exception:
                    pass
    finally:
        chrome.terminate()
        chrome.wait(timeout=20)
        profile.cleanup()
        server.close()
    print("page                 peer          observe      raw floor   ratio   note")
    for label, key, med, base, ratio, listed, raw_n in rows:
        if med is None:
            print(f"{label:20s} {key:12s} {'-':>12s} {'-':>11s} {'-':>7s}  {listed}")
            continue
        print(
            f"{label:20s} {key:12s} {med:9,.0f} ms {base:8,.0f} ms {ratio:6.1f}x  "
            f"{listed} (raw walk: {raw_n})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
