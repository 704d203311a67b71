"""The app over the real embedded engine and the demo site, driven like a person would."""

from __future__ import annotations

import asyncio

import pytest
from textual.widgets import DataTable, Input, OptionList, TabbedContent
from ui_helpers import HOSTILE_TITLE, settle

from tests.support import eventually, toasts
from tui.ui.tabs import LOWER
from tui.ui.tabs.page import PageView

pytestmark = pytest.mark.asyncio(loop_scope="module")  # the module's Chromium lives there


def palette_offers(app) -> bool:
    """The command palette has searched and highlights a match (its list, by CSS type)."""
    found = app.screen.query("CommandList")
    return bool(found) and found.first().option_count > 0 and found.first().highlighted is not None


def header(app) -> str:
    return str(app.query_one("#header-text").render())


async def type_command(pilot, line: str) -> None:
    bar = pilot.app.command_bar
    bar.focus()
    bar.value = ""
    await pilot.press(*line, "enter")
    await settle(pilot)


async def test_demo_session_shows_page_actions_and_header(shop):
    app, pilot = shop
    view = app.current
    assert view is not None and view.url.endswith("/shop")
    assert "Stepdeck Store" in header(app)
    assert "/shop" in header(app)
    assert "Stepdeck Store" in app.query_one(PageView).text
    ids = [str(k.value) for k in app.query_one("#action-table", DataTable).rows]
    assert "I1" in ids and "B1" in ids and "b:goto" in ids
    for tab in LOWER:  # every tab, including ones added later, opens without an error
        app.query_one(TabbedContent).active = tab.TAB_ID
        await settle(pilot)
    assert app.is_running and app.current is view
    await pilot.press("3", "z")  # the screenshot pane, maximised, and back
    await pilot.pause()
    assert app.screen.maximized is app.query_one("#tab-shot-body")
    await pilot.press("z")
    await pilot.pause()
    assert app.screen.maximized is None


async def test_step_by_id_follows_a_link(shop):
    app, pilot = shop
    cart = next(a for a in app.current.observation.actions if a.description.startswith("Cart"))
    await type_command(pilot, cart.id)
    assert app.current.url.endswith("/shop/cart")
    assert app.current.last.success
    assert app.command_bar.value == ""  # a step that worked clears the bar
    await pilot.press("escape", "4")
    await pilot.pause()
    log = app.query_one("#step-log", DataTable)
    assert log.row_count == 1
    assert cart.id in str(log.get_row_at(0)[1])


async def test_fill_with_value_and_enter_searches(shop):
    app, pilot = shop
    await type_command(pilot, "I1 kindle --enter")
    assert "search?q=kindle" in app.current.url
    assert "Kindle" in app.query_one(PageView).text
    assert "DONE" in header(app) and "1 step ·" in header(app)


async def test_typed_browser_actions(shop, demo_server):
    app, pilot = shop
    await type_command(pilot, f"goto {demo_server}/social")
    assert app.current.url.endswith("/social")
    await type_command(pilot, "back")
    assert app.current.url.endswith("/shop")
    # completion offers the page's ids while typing
    assert await app.command_bar.suggester.get_suggestion("i") == "I1"  # takes casefolded input
    # history: up brings back the last line
    app.command_bar.focus()
    await pilot.press("up")
    assert app.command_bar.value == "back"


async def test_table_selection_asks_for_a_value(shop):
    app, pilot = shop
    await pilot.press("escape", "2")  # leave the bar, open the Actions tab
    await pilot.pause()
    app.query_one("#action-filter", Input).focus()
    await pilot.press(*"search products")
    await pilot.pause()
    table = app.query_one("#action-table", DataTable)
    assert table.row_count == 1
    await pilot.press("enter")  # from the filter to the table
    await pilot.press("enter")  # run the row: it takes a value, so the app asks
    await pilot.pause()
    assert app.screen.query_one("#ask-input", Input)
    await pilot.press(*"airpods")
    app.screen.query_one("#ask-enter").value = True
    await pilot.press("enter")
    await settle(pilot)
    assert "search?q=airpods" in app.current.url


async def test_table_selection_runs_a_link(shop):
    app, pilot = shop
    await pilot.press("escape", "2")
    app.query_one("#action-filter", Input).focus()
    await pilot.press(*"sign in", "enter", "enter")
    await settle(pilot)
    assert app.current.url.endswith("/shop/login")


async def test_new_session_with_a_first_command_then_close_it(shop, demo_server):
    app, pilot = shop
    first = app.selected
    await pilot.press("f2")
    await pilot.pause()
    app.screen.query_one("#new-url", Input).value = f"{demo_server}/shop"
    app.screen.query_one("#new-command", Input).value = "I1 kindle --enter"
    await pilot.press("enter")
    await settle(pilot)
    assert len(app.views) == 2
    assert app.selected != first and "search?q=kindle" in app.current.url
    await pilot.press("escape", "x")  # out of the bar; close asks first
    await pilot.pause()
    await pilot.press("y")
    await settle(pilot)
    assert list(app.views) == [first] and app.selected == first
    prompts = [str(o.prompt) for o in app.query_one(OptionList).options]
    assert not any("kindle" in p for p in prompts)


async def test_reply_for_another_session_is_not_shown(shop, demo_server):
    app, pilot = shop
    shop_key = app.selected
    await pilot.press("f2")
    await pilot.pause()
    app.screen.query_one("#new-url", Input).value = f"{demo_server}/social"
    await pilot.press("enter")
    await settle(pilot)
    social_key = app.selected
    app.select_session(shop_key)
    await pilot.pause()
    # long enough to be running still when the switch below happens, also on a loaded
    # machine (with 800 ms, typing the command under `stress --cpu 2` outlasted the step);
    # `settle` then waits for its end, not for the clock
    await type_command_nowait(pilot, "wait 4000")
    assert app.views[shop_key].busy
    app.select_session(social_key)  # switch while the shop's step runs
    await settle(pilot)
    assert app.selected == social_key
    assert app.views[shop_key].busy is False and len(app.views[shop_key].results) == 1
    assert app.views[social_key].results == []
    assert "/social" in header(app)
    await pilot.press("escape", "4")
    await pilot.pause()
    assert app.query_one("#step-log", DataTable).row_count == 0
    row = str(app.query_one(OptionList).get_option(shop_key).prompt)
    assert "1 st" in row  # the shop's sidebar row did update


async def type_command_nowait(pilot, line: str) -> None:
    bar = pilot.app.command_bar
    bar.focus()
    bar.value = ""
    await pilot.press(*line, "enter")


async def test_errors_become_notifications_and_keep_the_command(shop):
    app, pilot = shop
    await type_command(pilot, "B999")
    assert app.command_bar.value == "B999"
    assert any("B999" in t for t in toasts(app))
    await type_command(pilot, "goto 127.0.0.1:9")
    assert app.command_bar.value == "goto 127.0.0.1:9"
    assert app.is_running
    assert "step failed" in header(app) and app.current.session.status.is_live


async def test_hostile_page_is_shown_literally(make_app, hostile_url):
    app = make_app(hostile_url)
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await settle(pilot)
        assert "[bold red]Pwned[/]" in header(app)
        assert "\x1b" not in header(app)
        page = app.query_one(PageView).text
        assert "[link=https://evil.example]click me[/link]" in page
        assert "\x1b" not in page
        assert "\x1b" not in app.export_screenshot()  # nothing on the whole screen
        prompt = str(app.query_one(OptionList).get_option(app.selected).prompt)
        assert "[bold red]Pwned[/]" in prompt
        assert HOSTILE_TITLE.split("\x1b")[0].strip() in prompt
        descriptions = [a.description for a in app.current.observation.actions]
        await pilot.press("escape", "2")
        await pilot.pause()
        assert any("[reverse]" in d for d in descriptions)
        await pilot.press("f1")  # the app still works
        await pilot.pause()
        assert app.screen.id != "_default"


async def test_a_one_megabyte_page_opens_and_scrolls(make_app, hostile_url):
    app = make_app(hostile_url + "big")
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        page = app.query_one(PageView)
        assert len(page.text) > 900_000
        assert "Paragraph 3999" in page.text
        page.focus()
        await pilot.press("pagedown", "pagedown", "end")
        await pilot.pause()
        assert page.scroll_y > 0
        await pilot.press("escape", "2")  # the action table takes the ~400 links too
        await pilot.pause()
        assert app.query_one("#action-table", DataTable).row_count > 400


async def test_keys_are_remappable_and_listed_in_help(make_app):
    app = make_app()
    app.keymap = {"app.new_session": "ctrl+o"}
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert app.screen.query("#new-url")
        await pilot.press("escape", "f1")
        await pilot.pause()
        cells = [key + binding_id for key, _, binding_id in app.screen.rows]
        assert any(("^o" in c or "ctrl+o" in c.lower()) and "app.new_session" in c for c in cells)


async def test_palette_jumps_to_a_session(shop, demo_server):
    app, pilot = shop
    first = app.selected
    await pilot.press("f2")
    app.screen.query_one("#new-url", Input).value = f"{demo_server}/catalog"
    await pilot.press("enter")
    await settle(pilot)
    assert app.selected != first
    await pilot.press("escape")
    await pilot.click("#session-options")
    await pilot.press("slash", *"catalog")  # the sidebar filter
    await pilot.pause()
    shown = [o.id for o in app.query_one("#session-options", OptionList).options if not o.disabled]
    assert shown == [app.selected]
    await pilot.press("ctrl+p")
    await pilot.pause()
    await pilot.press(*"Go to session: Stepdeck")
    await eventually(lambda: palette_offers(app), "the palette to offer the session")
    await pilot.press("enter")
    await settle(pilot)
    assert app.selected == first


async def test_ask_user_question_is_answered_in_the_command_bar(shop):
    app, pilot = shop
    await type_command(pilot, "buy it")  # the rules agent cannot find that: it asks
    assert app.current.last.status.value == "ASK_USER"
    assert "ASK_USER" in header(app)
    assert any("Answer in the command bar" in t for t in toasts(app))
    assert app.command_bar.placeholder.startswith("answer")
    await type_command(pilot, "L1")  # while asked, whatever is typed is the answer
    answer = app.current.results[-1].request
    assert answer.type == "command" and answer.cmd == "L1"


async def test_a_browser_that_cannot_start_is_one_clear_error(demo_server):
    from tui.providers.local import LocalProvider
    from tui.ui.app import StepdeckApp

    app = StepdeckApp(
        [LocalProvider(chromium="/nonexistent/chromium")], images="none", start_url=demo_server
    )
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        modals = app.screen_stack[1:]
        assert len(modals) == 1 and "Chromium" in modals[0].message
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen_stack == app.screen_stack[:1] and app.is_running
        assert "No session selected" in header(app)


async def test_a_session_closed_elsewhere_ends_here(shop):
    app, pilot = shop
    view = app.current
    await app.providers[view.provider].close_session(view.session.id)  # e.g. its idle timeout
    await settle(pilot)  # followed live: no key pressed
    assert not view.session.status.is_live and view.mark == "○"
    assert any("closed by another client" in t for t in toasts(app))
    await type_command(pilot, "B1")  # refused at once, the command kept
    assert any("new one" in t for t in toasts(app))
    assert app.command_bar.value == "B1" and len(view.results) == 0


async def test_a_command_in_words_is_one_step_everywhere(shop):
    # The embedded engine's agent runs sub-steps (fill, click); the command is one step in
    # the header, the Log (none of them "another client") and the Timeline.
    app, pilot = shop
    await type_command(pilot, "search for lamp and open the first result")
    await settle(pilot)
    assert app.current.last.status.value == "DONE", app.current.last.message
    assert "1 step ·" in header(app)
    await pilot.press("escape", "4")
    await settle(pilot)
    log = app.query_one("#step-log", DataTable)
    assert log.row_count == 1 and "another client" not in str(log.get_row_at(0)[3])
    await pilot.press("escape", "5")
    await settle(pilot)
    assert app.query_one("#timeline-table", DataTable).row_count == 1


async def test_a_step_that_brought_no_page_says_why_on_screen(make_app, pages_server):
    # A submit the browser refused (a required field empty) answered DONE and changed
    # nothing on screen: why was only in the Log.
    app = make_app(f"{pages_server}/required.html")
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await settle(pilot)
        await type_command(pilot, "B1")
        await eventually(
            lambda: any("the form was not sent: Email: " in t for t in toasts(app)), "why"
        )
        assert app.current.last.success and app.command_bar.value == ""


async def test_a_session_that_could_not_open_leaves_no_ghost(pages_server, held_request):
    # `goto` to a site that drops its visitors: the app listed the loading session (its live
    # follow saw the engine announce it), then drew it "ended" with "closed by another
    # client" and "Could not read the page" beside the one error that mattered.
    from tui.providers.local import LocalProvider  # its own engine: it follows every session
    from tui.ui.app import StepdeckApp

    provider = LocalProvider()
    app = StepdeckApp([provider], images="none")
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await settle(pilot)
        announced = []
        unsubscribe = provider.engine.subscribe(announced.append)
        await type_command_nowait(pilot, f"goto {pages_server}/held")
        await asyncio.to_thread(held_request.arrived.wait, 60)
        await eventually(lambda: "Opening…" in header(app), "the progress shown")
        assert f"{pages_server}/held" in header(app)
        if announced:  # an engine that announces a loading session: the app follows it
            await eventually(lambda: app.main.deck.views, "the followed session listed")
        held_request.release.set()
        await eventually(lambda: any("Could not open" in t for t in toasts(app)), "failed")
        await settle(pilot)
        unsubscribe()
        assert app.main.deck.views == {} and app.current is None
        shown = toasts(app)
        assert len(shown) == 1 and "ERR_EMPTY_RESPONSE" in shown[0], shown
        assert shown[0].count("Could not open") == 1  # no title repeating the message
        assert "No session selected" in header(app)
        assert app.command_bar.value == f"goto {pages_server}/held"  # kept, to mend and retry
