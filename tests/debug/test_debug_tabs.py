"""The debugging tabs (Timeline, Console, Network, Tabs, Raw) over the real engine."""

from __future__ import annotations

import json

from debug_helpers import open_tab, run, settle
from textual.widgets import Input, Select, TabbedContent

from tui.model import StepRequest
from tui.providers.local import LocalProvider
from tui.records.export import load_export
from tui.ui.app import StepdeckApp
from tui.ui.tabs.browser_tabs import BrowserTabTable
from tui.ui.tabs.console import ConsoleTab
from tui.ui.tabs.network import NetworkTab
from tui.ui.tabs.raw import RawTab
from tui.ui.tabs.timeline import TimelineTab


def label(app, tab_id: str) -> str:
    return app.query_one(TabbedContent).get_tab(tab_id).label_text


async def test_console_tab_lists_errors_with_a_badge(debug_app, pages_server):
    app = debug_app(f"{pages_server}/form.html")
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        # The badge shows before the tab is ever opened.
        assert label(app, "tab-console") == "Console (1)"
        await open_tab(pilot, "tab-console")
        tab = app.query_one(ConsoleTab)
        texts = [m.text for m in tab.shown_messages()]
        assert "form page ready" in texts and "a console error" in texts

        app.query_one("#console-level", Select).value = "error"
        await pilot.pause()
        assert [m.text for m in tab.shown_messages()] == ["a console error"]
        assert tab.query_one("#console-table").row_count == 1

        app.query_one("#console-level", Select).value = "log"
        app.query_one("#console-text", Input).value = "nothing like this"
        await pilot.pause()
        assert tab.query_one("#console-table").row_count == 0


async def test_network_tab_filters_by_status(debug_app, pages_server):
    app = debug_app(f"{pages_server}/links.html")
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert label(app, "tab-network") == "Network"
        await run(pilot, StepRequest(type="goto", url=f"{pages_server}/missing.html"))
        assert label(app, "tab-network") == "Network (1)"

        await open_tab(pilot, "tab-network")
        tab = app.query_one(NetworkTab)
        assert len(tab.shown_requests()) >= 2
        app.query_one("#network-status", Select).value = "4xx"
        await pilot.pause()
        shown = tab.shown_requests()
        assert [(r.status, r.url) for r in shown] == [(404, f"{pages_server}/missing.html")]
        assert tab.query_one("#network-table").row_count == 1

        app.query_one("#network-status", Select).value = "2xx"
        app.query_one("#network-text", Input).value = "links"
        await pilot.pause()
        assert [r.url for r in tab.shown_requests()] == [f"{pages_server}/links.html"]


async def test_timeline_travels_back_to_an_older_page(debug_app, pages_server, store):
    app = debug_app(f"{pages_server}/links.html", images="halfcell")
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await run(pilot, StepRequest(type="goto", url=f"{pages_server}/form.html"))
        await run(pilot, StepRequest(type="goto", url=f"{pages_server}/submitted.html"))
        await open_tab(pilot, "tab-timeline")
        tab = app.query_one(TimelineTab)
        session_id = app.current.session.id
        assert len(store.steps("local", session_id)) == 2
        assert [m.stored for m in tab.moments] == [True, True]
        assert tab.query_one("#timeline-table").row_count == 2
        assert tab.picked == 1  # the newest step, to start with
        assert "submitted.html" in tab.detail_text

        table = tab.query_one("#timeline-table")
        table.focus()
        await pilot.press("up")
        await pilot.pause()
        assert tab.picked == 0
        text = tab.detail_text
        assert "# Step 1 · goto" in text and "form.html" in text
        assert "a console error" in text  # the console during that step
        assert "GET 200" in text and "form.html" in text  # its network
        assert "submitted" not in text.split("## Page after this step")[1].lower()
        # ... and the screenshot saved with that step, beside the text.
        image = tab.query_one("#timeline-shot-image")
        assert tab.query_one("#timeline-shot-box").has_class("-with-image")
        assert image.image is not None
        assert tab.moments[0].screenshot() == store.steps("local", session_id)[0].screenshot()

        # A new step while looking at an older one: the timeline grows, the view stays.
        await run(pilot, StepRequest(type="back"))
        assert len(tab.moments) == 3 and tab.picked == 0
        assert "# Step 1 · goto" in tab.detail_text

        await pilot.press("e")  # export from the timeline
        await settle(pilot)
        export = load_export(tab.last_export)
        assert [s.description for s in export.steps] == [
            f"goto {pages_server}/form.html",
            f"goto {pages_server}/submitted.html",
            "back",
        ]
        assert (tab.last_export / "report.md").exists()


async def test_timeline_without_a_store_shows_the_apps_own_steps(pages_server):
    app = StepdeckApp([LocalProvider()], images="none", start_url=f"{pages_server}/links.html")
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await run(pilot, StepRequest(type="goto", url=f"{pages_server}/form.html"))
        await open_tab(pilot, "tab-timeline")
        tab = app.query_one(TimelineTab)
        assert "no store" in str(tab.query_one("#timeline-note").render())
        assert [m.stored for m in tab.moments] == [False]
        assert "not in the store yet" in tab.detail_text and "a console error" in tab.detail_text


async def test_tabs_tab_switches_and_closes_browser_tabs(debug_app, pages_server):
    app = debug_app(f"{pages_server}/links.html")
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await run(pilot, StepRequest(type="new_tab", url=f"{pages_server}/form.html"))
        await open_tab(pilot, "tab-tabs")
        table = app.query_one(BrowserTabTable)
        assert table.row_count == 2 and table.cursor_row == 1  # the new tab is active

        table.focus()
        await pilot.press("up", "enter")
        await settle(pilot)
        meta = app.current.observation.metadata
        assert meta.url == f"{pages_server}/links.html"
        assert [t.active for t in meta.tabs] == [True, False]

        table.focus()
        await pilot.press("down", "delete")
        await settle(pilot)
        assert len(app.current.observation.metadata.tabs) == 1
        assert table.row_count == 1
        assert [r.request.type for r in app.current.results] == [
            "new_tab",
            "switch_tab",
            "close_tab",
        ]


async def test_raw_tab_shows_the_last_request_and_response(debug_app, demo_server):
    app = debug_app(f"{demo_server}/shop")
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await open_tab(pilot, "tab-raw")
        first = json.loads(app.query_one(RawTab).text)
        assert first["request"] is None and first["observation"]["metadata"]["url"].endswith(
            "/shop"
        )

        await run(pilot, StepRequest(id="I1", value="kindle", enter=True))
        doc = json.loads(app.query_one(RawTab).text)
        assert doc["request"] == {"id": "I1", "value": "kindle", "enter": True}
        response = doc["response"]
        assert response["status"] == "DONE" and response["success"] is True
        assert response["observation"]["metadata"]["url"].endswith("/shop/search?q=kindle")
        assert response["observation"]["screenshot"].startswith("<PNG, ")
        assert doc["capabilities"]["action_space"] is True
