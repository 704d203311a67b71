"""Regenerate screenshots/*.svg (and .png) of the app on the bundled demo site.

    .venv/bin/python scripts/screenshots.py [--no-png]

Runs the real app headless over the embedded engine and the demo shop; the
PNGs are the SVGs rendered by the same headless Chromium.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "screenshots"
SIZE = (140, 40)


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


async def take(base: str) -> list[Path]:
    from tui.providers.local import LocalProvider
    from tui.ui.app import StepdeckApp

    shots: list[Path] = []

    def save(app, name: str) -> None:
        app.save_screenshot(f"{name}.svg", str(OUT))
        shots.append(OUT / f"{name}.svg")

    app = StepdeckApp([LocalProvider()], images="halfcell", start_url=f"{base}/shop")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await _settle(app, pilot)
        save(app, "main")
        await _type(app, pilot, "I1 kindle --enter")
        await pilot.press("escape", "2")
        await _settle(app, pilot)
        save(app, "actions")
        await pilot.press("3")
        await _settle(app, pilot)
        save(app, "shot")
        await pilot.press("1")
        await _type(app, pilot, "B99")
        save(app, "error")
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-png", action="store_true", help="only the SVGs")
    args = parser.parse_args()
    os.environ["STEPDECK_HOME"] = tempfile.mkdtemp(prefix="stepdeck-shots-")
    sys.path.insert(0, str(ROOT))
    from tui.demo.server import DemoServer

    OUT.mkdir(exist_ok=True)
    with DemoServer() as server:
        svgs = asyncio.run(take(str(server).rstrip("/")))
    if not args.no_png:
        to_png(svgs)
    for svg in svgs:
        print(svg.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
