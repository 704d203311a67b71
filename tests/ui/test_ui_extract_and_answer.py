"""Issue 6 in the app: extraction to a table and a JSON file; a question answered to DONE."""

from __future__ import annotations

import json

import pytest
from textual.widgets import DataTable
from ui_helpers import settle

from tests.support import eventually, toasts
from tui.ui.screens.extract import ExtractScreen

pytestmark = pytest.mark.asyncio(loop_scope="module")  # the module's Chromium lives there


async def type_line(pilot, line: str) -> None:
    app = pilot.app
    app.command_bar.focus()
    app.command_bar.value = line
    await pilot.press("enter")
    await settle(pilot)


async def test_extract_shows_the_catalog_as_a_table_and_saves_it(make_app, demo_server):
    app = make_app(f"{demo_server}/catalog")
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await settle(pilot)
        await type_line(pilot, "extract name, price, url, image")
        await eventually(lambda: isinstance(app.screen, ExtractScreen), "the extracted table")
        screen = app.screen
        assert isinstance(screen, ExtractScreen)
        table = screen.query_one(DataTable)
        assert table.row_count == 12
        header = [str(c.label) for c in table.columns.values()]
        assert header == ["name", "price", "url", "image"]
        first = [str(c) for c in table.get_row_at(0)]
        assert first[0] and first[1].startswith("$") and first[2].startswith(demo_server)
        await pilot.press("s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        saved = json.loads(screen.saved.read_text())
        assert len(saved) == 12 and saved[0]["name"] == first[0]
        await pilot.press("escape")
        assert app.command_bar.value == ""


async def test_extract_with_a_bad_schema_says_so_and_keeps_the_line(make_app, demo_server):
    app = make_app(f"{demo_server}/catalog")
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await settle(pilot)
        await type_line(pilot, "extract {not json")
        assert not isinstance(app.screen, ExtractScreen)
        assert app.command_bar.value == "extract {not json"
        assert any("Cannot extract" in t for t in toasts(app)), toasts(app)


async def test_an_ambiguous_command_asks_and_the_answer_finishes_it(make_app, demo_server):
    app = make_app(f"{demo_server}/shop")
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await settle(pilot)
        await type_line(pilot, "search for airpods")
        assert app.current.last.status.value == "DONE"
        await type_line(pilot, "open airpods")  # three AirPods in the results: which?
        last = app.current.last
        assert last.status.value == "ASK_USER", (last.message, last.request)
        assert len(last.candidates) >= 2
        pick = next(c for c in last.candidates if "Max" in c)
        await type_line(pilot, pick.split()[0])  # answer with the candidate's id
        await app.workers.wait_for_complete()
        last = app.current.last
        assert last.status.value == "DONE"
        assert "/shop/product/airpods-max" in app.current.observation.metadata.url
