"""The cockpit (issue 11): panes at each width, maximise, ids in the page, marks, keys and focus.

Over the fixed-data provider (no browser): what a person sees and what their
keys do. The engine-backed behaviour is in test_ui_app.py.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image
from static_provider import T0, StaticProvider
from textual.widgets import Input, OptionList, Select
from ui_helpers import settle

from tests.support import toasts
from tui.model import Session, StepRequest, StepResult
from tui.store import Store
from tui.ui.app import StepdeckApp
from tui.ui.page_doc import build
from tui.ui.screens.ask_value import AskValueScreen
from tui.ui.screens.new_session import NewSessionScreen
from tui.ui.tabs.actions import ActionsTab
from tui.ui.tabs.page import PageTab
from tui.ui.tabs.shot import ShotTab, picture_cells
from tui.ui.widgets.page_view import PageView

SHOP = "local/a1b2c3d4e5"
CHECKOUT = "local/c0ffee1234"


def png(color: str = "white", size: tuple[int, int] = (1280, 800)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def make(images: str = "none", **kwargs) -> tuple[StepdeckApp, StaticProvider]:
    provider = StaticProvider(extra=True)
    return StepdeckApp([provider], images=images, clock=lambda: T0, **kwargs), provider


def shown(app, widget) -> bool:
    """On screen: displayed all the way up, with a size."""
    node = widget
    while node is not None and node is not app.screen:
        if not node.display:
            return False
        node = node.parent
    return widget.region.width > 0 and widget.region.height > 0


@pytest.mark.parametrize("size", [(160, 48), (120, 40)])
async def test_page_actions_and_screenshot_are_all_on_screen(size):
    app, _ = make()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        for pane in ("#tab-page-body", "#tab-shot-body", "#tab-actions-body", "#sidebar"):
            assert shown(app, app.query_one(pane)), pane
        assert "Corner Shop" in app.query_one(PageView).text
        assert app.query_one("#action-table").row_count > 5


async def test_at_100_columns_two_panes_and_s_toggles_the_second():
    app, _ = make()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        page, shot, actions = (app.query_one(f"#tab-{p}-body") for p in ("page", "shot", "actions"))
        assert shown(app, page) and shown(app, shot) and not shown(app, actions)
        await pilot.press("s")
        await pilot.pause()
        assert shown(app, page) and shown(app, actions) and not shown(app, shot)


async def test_at_80_columns_one_pane_at_a_time_and_nothing_cut():
    app, _ = make()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        page, actions = app.query_one("#tab-page-body"), app.query_one("#tab-actions-body")
        assert shown(app, page) and not shown(app, actions)
        assert not shown(app, app.query_one("#sidebar"))  # b brings it back
        await pilot.press("2")
        await pilot.pause()
        assert shown(app, actions) and not shown(app, page)
        await pilot.press("b")
        await pilot.pause()
        assert shown(app, app.query_one("#sidebar"))
        # Every tab label and the footer's keys fit.
        tabs = app.query_one("#tabs Tabs")
        assert all(tab.region.right <= tabs.region.right for tab in tabs.query("Tab"))
        footer = app.screen.query_one("Footer")
        keys = [k for k in footer.query("FooterKey") if k.display]
        assert keys and all(k.region.right <= footer.region.right for k in keys)


async def test_help_lists_binding_ids_whole_at_80_columns():
    app, _ = make()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await pilot.pause()
        screen = app.export_screenshot().replace("&#160;", " ")
        for binding_id in ("app.help", "app.new_session", "app.close_session", "app.maximize"):
            assert binding_id in screen


async def test_z_maximises_the_pane_with_focus_and_z_or_escape_restores():
    app, _ = make()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert isinstance(app.focused, PageView)  # the panes have the keys at launch
        await pilot.press("z")
        await pilot.pause()
        assert isinstance(app.screen.maximized, PageTab)
        await pilot.press("z")
        await pilot.pause()
        assert app.screen.maximized is None
        await pilot.press("2", "z")
        await pilot.pause()
        assert isinstance(app.screen.maximized, ActionsTab)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen.maximized is None


async def test_ids_are_inline_in_the_page_and_enter_on_one_steps_it():
    app, provider = make()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        view = app.query_one(PageView)
        assert "I1 Search products" in view.text and "B1 Search" in view.text
        assert "](/shop" not in view.text and "](" not in view.text  # no link targets inline
        targets = [t.action_id for t in view.doc.targets]
        view.focus()
        for _ in range(targets.index("B1") + 1):
            await pilot.press("right")
        assert view.target.action_id == "B1"
        status = str(app.query_one("#page-status").render())
        assert "B1 Search" in status
        await pilot.press("enter")
        await settle(pilot)
        assert provider.steps == [StepRequest(id="B1")]
        # A link's target shows in the status line, not in the page.
        view.focus_target(targets.index("L2"))
        await pilot.pause()
        assert "/shop/cart" in str(app.query_one("#page-status").render())
        # An input asks for its value, like the Actions table.
        view.focus_target(targets.index("I1"))
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, AskValueScreen)
        await pilot.press(*"lamp", "enter")
        await settle(pilot)
        assert provider.steps[-1] == StepRequest(id="I1", value="lamp")


async def test_form_values_are_shown_and_passwords_masked():
    app, _ = make()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.select_session(CHECKOUT)
        await settle(pilot)
        text = app.query_one(PageView).text
        assert 'I1 Full name: "Ada Lovelace"' in text
        assert "I4 Country: France ▾" in text and "B1 Remember me ☑" in text
        assert "I3 Password" in text and "hunter2" not in text and "••••" in text


async def test_marks_draw_the_ids_and_clicking_a_box_steps_it():
    app, provider = make(images="halfcell")
    provider.png = png()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        app.select_session(CHECKOUT)
        await settle(pilot)
        shot = app.query_one(ShotTab)
        plain = shot.picture(app.current)
        assert plain == provider.png
        await pilot.press("m")
        await pilot.pause()
        assert shot.marks
        marked = Image.open(io.BytesIO(shot.picture(app.current))).convert("RGB")
        # B2's box (100,370 160x40) is outlined in the button colour; the rest stays white.
        assert marked.getpixel((100, 390)) != (255, 255, 255)
        assert marked.getpixel((900, 700)) == (255, 255, 255)
        # Clicking inside B2's box steps B2 (not a click at x,y).
        image = app.query_one("#shot-image")
        cells = picture_cells(image, image.content_region.size)
        cell = (int(180 / 1280 * cells.width), int(390 / 800 * cells.height))
        assert await pilot.click("#shot-image", offset=cell)
        await settle(pilot)
        assert provider.steps[-1] == StepRequest(id="B2")
        await pilot.press("m")
        await pilot.pause()
        assert shot.picture(app.current) == provider.png


async def test_the_screenshot_is_always_the_current_page_even_when_zoomed():
    app, provider = make(images="halfcell")
    provider.png = png("white")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("3")  # see the screenshot, then go back to the page
        await pilot.pause()
        await pilot.press("1")
        await pilot.pause()
        provider.png = png("black")  # the next page looks different
        app.run_step(StepRequest(id="B1"))
        await settle(pilot)
        await pilot.press("z")  # maximise from the page pane, then show the shot
        await pilot.press("z", "3", "z")
        await pilot.pause()
        shot = app.query_one(ShotTab)
        assert app.screen.maximized is shot
        assert shot.shown_png == app.current.observation.screenshot == provider.png


async def test_an_app_key_is_never_typed_into_the_command_bar():
    app, _ = make()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("2")  # at launch: the Actions pane, not "2" in the bar
        await pilot.pause()
        assert app.command_bar.value == ""
        assert app.focused is app.query_one("#action-table")
        await pilot.press("colon", *"B1")  # ':' enters the bar; letters are typed there
        assert app.command_bar.value == "B1" and app.focused is app.command_bar
        await pilot.press("escape")  # and Escape hands the keys back to the panes
        assert not isinstance(app.focused, Input)
        assert app.command_bar.value == "B1"


async def test_filters_never_fire_app_keys_and_escape_leaves_them():
    app, _ = make()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("2", "slash", *"kin", *"nxzmb")  # the actions filter
        await pilot.pause()
        box = app.query_one("#action-filter", Input)
        assert box.value == "kinnxzmb" and len(app.screen_stack) == 1
        assert app.screen.maximized is None
        await pilot.press("escape")
        assert not isinstance(app.focused, Input)
        await pilot.click("#session-options")  # the sidebar has focus: the sessions filter
        await pilot.press("slash", *"check")
        await pilot.pause()
        sessions = app.query_one("#session-filter", Input)
        assert sessions.value == "check" and app.focused is sessions
        shown_keys = [o.id for o in app.query_one(OptionList).options if not o.disabled]
        assert shown_keys == [CHECKOUT]
        await pilot.press("escape")
        assert not isinstance(app.focused, Input) and len(app.screen_stack) == 1


async def test_modals_keep_their_letters():
    app, _ = make()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, NewSessionScreen)
        app.screen.query_one("#new-url", Input).focus()
        await pilot.press(*"nx2z")
        assert app.screen.query_one("#new-url", Input).value.endswith("nx2z")
        app.screen.query_one("#new-provider").focus()
        await pilot.press("n", "x", "z")  # on the select: no app key fires behind the modal
        await pilot.pause()
        assert len(app.screen_stack) == 2 and app.main.maximized is None
        await pilot.press("escape")
        await pilot.pause()
        assert len(app.screen_stack) == 1


async def test_an_unknown_id_and_an_absent_id_get_the_same_error_and_the_session_stays_usable():
    app, provider = make()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        for line in ("Z99", "B3"):
            app.command_bar.value = line
            app.command_bar.focus()
            await pilot.press("enter")
            await settle(pilot)
            assert any(f"No {line} on this page" in t for t in toasts(app))
            assert app.command_bar.value == line  # kept, to fix
        assert provider.steps == []  # nothing went to the agent
        assert app.current.error is None and app.current.session.status.is_live
        assert "error" not in str(app.query_one("#header-text").render())


async def test_sidebar_live_first_ended_folded_twins_told_apart(tmp_path):
    store = Store(tmp_path / "stepdeck.db")
    for n in range(3):
        store.record_session(
            Session(id=f"0ld{n}e55i0n", created_at=T0, url="http://127.0.0.1:1/gone", title="Old")
        )
    provider = StaticProvider(extra=True)
    provider.sessions["d0ub1e0000"] = Session(
        id="d0ub1e0000", created_at=T0, url="http://127.0.0.1:8000/shop/cart", title="Corner Shop"
    )
    app = StepdeckApp([provider], images="none", store=store, clock=lambda: T0)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            options = app.query_one("#session-options", OptionList)
            ids = [o.id for o in options.options]
            assert ids[0] == "heading:local" and ids[-1] == "fold:local"
            assert not any(i.startswith("local/0ld") for i in ids)  # folded
            assert "ended (3)" in str(options.get_option("fold:local").prompt)
            twins = [str(options.get_option(k).prompt) for k in (SHOP, "local/d0ub1e0000")]
            assert twins[0].endswith("8000/shop") and twins[1].endswith("/shop/cart")
            assert "a1b2c3" in twins[0] and "d0ub1e" in twins[1]
            options.focus()
            options.highlighted = ids.index("fold:local")
            await pilot.press("enter")  # unfold
            await pilot.pause()
            ids = [o.id for o in options.options]
            assert ids.index("fold:local") < ids.index("local/0ld0e55i0n")
    finally:
        store.close()


async def test_an_ended_session_shows_its_last_stored_page(tmp_path):
    store = Store(tmp_path / "stepdeck.db")
    old = Session(id="0ld5e55i0n", created_at=T0, url="http://127.0.0.1:1/gone", title="Old run")
    store.record_session(old)
    page = await StaticProvider(extra=True).observe("c0ffee1234")
    page.screenshot = png("navy")
    page.markdown = '# The old checkout\n\n[I1 Full name: "Grace"]'
    store.record_step("local", old.id, StepResult(request=StepRequest(id="B2"), observation=page))
    app = StepdeckApp([StaticProvider()], images="halfcell", store=store, clock=lambda: T0)
    try:
        async with app.run_test(size=(160, 48)) as pilot:
            await settle(pilot)
            app.select_session("local/0ld5e55i0n")
            await settle(pilot)
            assert "The old checkout" in app.query_one(PageView).text
            assert 'I1 Full name: "Grace"' in app.query_one(PageView).text
            assert app.query_one("#action-table").row_count >= 6
            assert app.query_one(ShotTab).shown_png == page.screenshot
    finally:
        store.close()


async def test_eight_bit_controls_in_a_page_never_reach_the_screen(monkeypatch):
    # U+009B is CSI and U+009D is OSC to a terminal that reads 8-bit controls: a provider
    # other than the embedded engine may pass them through from a hostile page.
    import static_provider

    app, provider = make()
    markdown = "# Eight\x9b2J bit\n\nbody \x9d0;retitled\x9c over \x85 [B1 Go\x9b1m]\n"
    monkeypatch.setitem(static_provider.PAGES, "/c1", (markdown, static_provider.HOSTILE_ACTIONS))
    provider.sessions["c1c1c1c1c1"] = Session(
        id="c1c1c1c1c1", created_at=T0, url="http://127.0.0.1:8000/c1", title="Title\x9b31m"
    )
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        app.select_session("local/c1c1c1c1c1")
        await settle(pilot)
        assert "body <9D>0;retitled<9C> over <85>" in app.query_one(PageView).text
        screen = app.export_screenshot()
        assert "Title&lt;9B&gt;31m" in screen or "Title<9B>31m" in screen
        assert not any("\x80" <= c <= "\x9f" or c == "\x1b" for c in screen)


@pytest.mark.parametrize(("key", "box"), [("6", "#console-text"), ("7", "#network-text")])
async def test_slash_enters_a_log_tabs_filter_letters_stay_there_and_escape_leaves(key, box):
    app, _ = make()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press(key, "slash", *"nz2q", "slash")
        await pilot.pause()
        field = app.query_one(box, Input)
        assert app.focused is field and field.value == "nz2q/"
        assert len(app.screen_stack) == 1 and app.screen.maximized is None
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.focused, Input)
        assert app.focused is not None and field.parent.parent in app.focused.ancestors
        await pilot.press("z")  # app keys act again: the tab's pane maximises
        await pilot.pause()
        assert app.screen.maximized is not None


async def test_escape_leaves_every_input_and_select():
    app, _ = make()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        for key, selector in [
            ("1", "#command"),
            ("1", "#session-filter"),
            ("2", "#action-filter"),
            ("6", "#console-text"),
            ("6", "#console-level"),
            ("7", "#network-text"),
            ("7", "#network-method"),
            ("7", "#network-status"),
        ]:
            await pilot.press(key)
            await pilot.pause()
            widget = app.query_one(selector)
            widget.focus()
            await pilot.pause()
            assert app.focused is widget, selector
            await pilot.press("escape")
            await pilot.pause()
            assert app.focused is not widget, selector
            assert not isinstance(app.focused, (Input, Select)), (selector, app.focused)
            assert len(app.screen_stack) == 1


async def test_slash_on_the_page_finds_words_in_it():
    # A new user's `/` on the page filtered the sessions (the sidebar "lost" them); it finds.
    app, _ = make()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        view = app.query_one(PageView)
        await pilot.press("1", "slash", *"oak")
        await pilot.pause()
        box = app.query_one("#page-find", Input)
        assert app.focused is box and box.value == "oak"
        status = str(app.query_one("#page-status").render())
        assert status.startswith("1 of 2 for 'oak'")
        first = view.cursor
        assert "Oak stool" in view.doc.texts[view.rows[first][0]]
        # The words found are marked where they are, the current match most.
        marked = [seg for seg in view._render_row(first, False, None) if seg.text.lower() == "oak"]
        assert marked and marked[0].style.bgcolor.name == "bright_magenta"
        await pilot.press("enter")  # the next match, then round to the first again
        assert view.cursor > first and "Oak stool" in view.doc.texts[view.rows[view.cursor][0]]
        assert str(app.query_one("#page-status").render()).startswith("2 of 2")
        await pilot.press("enter")
        assert view.cursor == first
        await pilot.press(*"zzq")
        assert "no 'oakzzq' on this page" in str(app.query_one("#page-status").render())
        await pilot.press("escape")  # back to the page, the box gone, sessions untouched
        await pilot.pause()
        assert app.focused is view and not box.display and not view.needle
        assert view.target is not None and view.target.label == "L4 Oak stool"  # Enter runs it
        # One letter on a big page counts up to a bound, and says so.
        view.load(build("\n\n".join(f"Paragraph {i} of the long page." for i in range(5000))))
        await pilot.press("slash", "ctrl+u", "e")  # the box kept "oakzzq": cleared, typed over
        await pilot.pause()
        assert str(app.query_one("#page-status").render()).startswith("1 of 2,000+ for 'e'")
        assert app.query_one("#session-filter", Input).value == ""
