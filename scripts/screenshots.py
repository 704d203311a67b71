"""Regenerate screenshots/*.svg (and .png) of the app on the bundled demo site.

    .venv/bin/python scripts/screenshots.py [--no-png]

Runs the real app headless over the embedded engine and the demo shop (with a
store in a throwaway STEPDECK_HOME, for the timeline); the PNGs are the SVGs
rendered by the same headless Chromium. The console shot visits
tests/pages/form.html, served on 127.0.0.1, since the demo logs nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import sys
import tempfile
from http.server import SimpleHTTPRequestHandler
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "screenshots"
WIDE = (160, 48)
NARROW = (80, 24)


async def _settle(app, pilot) -> None:
    await app.booted.wait()
    await app.workers.wait_for_complete()
    await pilot.pause()
    for widget in [*app.query("Input"), *app.query("TextArea")]:
        widget.cursor_blink = False
    await pilot.pause(0.3)


async def _type(app, pilot, line: str) -> None:
    app.command_bar.focus()
    app.command_bar.value = ""
    await pilot.press(*line, "enter")
    await _settle(app, pilot)


async def _tab(app, pilot, tab_id: str) -> None:
    from textual.widgets import TabbedContent

    app.query_one(TabbedContent).active = tab_id
    await _settle(app, pilot)


async def _keys(app, pilot, *keys: str) -> None:
    app.set_focus(None)
    await pilot.press(*keys)
    await _settle(app, pilot)


async def take(base: str, pages: str) -> list[Path]:
    from tui.providers.local import LocalProvider
    from tui.store import Store
    from tui.ui.app import StepdeckApp

    shots: list[Path] = []

    def save(app, name: str) -> None:
        app.save_screenshot(f"{name}.svg", str(OUT))
        shots.append(OUT / f"{name}.svg")

    store = Store()
    app = StepdeckApp([LocalProvider()], images="halfcell", store=store, start_url=f"{base}/shop")
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await _settle(app, pilot)
        await _type(app, pilot, "I1 kindle --enter")
        await _keys(app, pilot, "1")
        save(app, "main")
        await _keys(app, pilot, "1", "slash", *"kindle", "enter")  # find in the page: 2nd match
        save(app, "find")
        await _keys(app, pilot, "escape")
        await _keys(app, pilot, "m")  # the ids drawn on the screenshot
        app.clear_notifications()
        save(app, "marks")
        await _keys(app, pilot, "m", "3", "z")  # the screenshot pane maximised
        save(app, "shot")
        await _keys(app, pilot, "z", "1")
        await _type(app, pilot, f"goto {pages}/form.html")
        await _type(app, pilot, "I1 Ada Lovelace")
        await _keys(app, pilot, "1")
        app.clear_notifications()
        save(app, "form")
        await _type(app, pilot, "B99")
        save(app, "error")
        app.clear_notifications()
        # A 404, back, then a page that logs to its console: the debugging tabs.
        await _type(app, pilot, f"goto {base}/shop/nothing-here")
        await _type(app, pilot, "back")
        await _type(app, pilot, f"goto {pages}/form.html")
        app.clear_notifications()
        await _tab(app, pilot, "tab-timeline")
        save(app, "timeline")
        await _tab(app, pilot, "tab-console")
        save(app, "console")
        await _tab(app, pilot, "tab-network")
        save(app, "network")
        # What a step changed (Timeline, key c): adding the Kindle to the cart.
        await _type(app, pilot, f"goto {base}/shop/product/kindle-paperwhite")
        await _type(app, pilot, "add to cart")
        app.clear_notifications()
        await _tab(app, pilot, "tab-timeline")
        app.query_one("#timeline-table").focus()
        await pilot.press("c")
        await _settle(app, pilot)
        save(app, "changes")
    app = StepdeckApp([LocalProvider()], images="halfcell", store=store, start_url=f"{base}/shop")
    async with app.run_test(size=NARROW, notifications=True) as pilot:
        await _settle(app, pilot)
        save(app, "narrow")
        await _keys(app, pilot, "2")
        save(app, "narrow-actions")
        await _keys(app, pilot, "f1")
        save(app, "help")
    store.close()
    return shots


def to_png(svgs: list[Path]) -> None:
    from playwright.async_api import async_playwright

    from tui.engine.browser import find_chromium  # the binary the engine itself uses

    async def run() -> None:
        async with async_playwright() as p:
            browser = await p.chromium.launch(
                executable_path=find_chromium(), args=["--no-sandbox", "--disable-gpu"]
            )
            page = await browser.new_page(viewport={"width": 1600, "height": 1000})
            for svg in svgs:
                await page.goto(svg.as_uri())
                element = await page.query_selector("svg")
                await element.screenshot(path=str(svg.with_suffix(".png")))
            await browser.close()

    asyncio.run(run())


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-png", action="store_true", help="only the SVGs")
    args = parser.parse_args()
    os.environ["STEPDECK_HOME"] = tempfile.mkdtemp(prefix="stepdeck-shots-")
    sys.path.insert(0, str(ROOT))
    from tui.demo.server import DemoServer

    OUT.mkdir(exist_ok=True)
    from tests.support import loopback_http

    quiet = functools.partial(_QuietHandler, directory=str(ROOT / "tests" / "pages"))
    with DemoServer() as server, loopback_http(quiet) as pages:
        pages = pages.rstrip("/")
        svgs = asyncio.run(take(str(server).rstrip("/"), pages))
    if not args.no_png:
        to_png(svgs)
    for svg in svgs:
        print(svg.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
