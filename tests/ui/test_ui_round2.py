"""Round 2: tab keys 5-9, keyless providers, disabled tabs, stored sessions, no double records."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from static_provider import T0, StaticProvider
from textual.widgets import Input, OptionList, TabbedContent
from ui_helpers import settle

import tui.ui.app as ui_app
from tests.support import eventually, toasts
from tui.dialects import build_providers, provider_hints
from tui.model import CreateSession, Event, LogEntry, Session, StepRequest, StepResult
from tui.providers.base import Capabilities, Unreachable
from tui.settings import Settings
from tui.store import Store
from tui.ui.app import StepdeckApp
from tui.ui.parse import parse_command
from tui.ui.tabs.timeline import TimelineTab

pytestmark = pytest.mark.asyncio(loop_scope="module")  # the module's Chromium lives there


def prompts(app) -> list[str]:
    return [str(o.prompt) for o in app.query_one("#session-options", OptionList).options]


async def test_number_keys_reach_the_later_tabs_and_help_lists_table_keys():
    app = StepdeckApp([StaticProvider()], images="none")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        app.set_focus(None)
        tabs = app.query_one(TabbedContent)
        for key, pane in [("5", "tab-timeline"), ("6", "tab-console"), ("9", "tab-raw")]:
            await pilot.press(key)
            await settle(pilot)
            assert tabs.active == pane
        ids = [row[2] for row in app.key_rows()]
        assert {"app.tab_9", "app.pause", "timeline.export", "tabs.switch"} <= set(ids)


async def test_a_leading_colon_is_ignored():
    assert parse_command(":B3") == parse_command("B3")
    assert parse_command(": goto example.com").url == "https://example.com"


async def test_a_provider_without_key_is_a_hint_row_not_an_error(monkeypatch):
    monkeypatch.delenv("NOTTE_API_KEY", raising=False)
    built = build_providers(Settings())
    notte = next(p for p in built if p.name == "notte")
    hints = provider_hints(built)
    assert "NOTTE_API_KEY" in hints["notte"]
    app = StepdeckApp([StaticProvider(), notte], images="none", hints={"notte": hints["notte"]})
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await settle(pilot)
        keyless = [p for p in prompts(app) if "no key" in p]
        assert len(keyless) == 1 and "Notte" in keyless[0]  # one line for all of them
        assert "NOTTE_API_KEY" in str(app.query_one("#sidebar").tooltip)
        assert not toasts(app) and len(app.screen_stack) == 1


class NoIdsProvider(StaticProvider):
    """Like MultiOn: no action space."""

    capabilities = Capabilities(action_space=False, missing={"action_space": "MultiOn has no ids"})


async def test_tabs_a_provider_cannot_fill_are_disabled_with_the_reason():
    app = StepdeckApp([NoIdsProvider()], images="none")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        note = app.query_one("#action-note")
        assert note.display and "MultiOn has no ids" in str(note.render())
        assert not app.query_one(TabbedContent).get_tab("tab-log").disabled


async def test_sessions_known_only_from_the_store_are_listed_as_ended(tmp_path):
    store = Store(tmp_path / "stepdeck.db")
    old = Session(id="0ld5e55i0n", created_at=T0, url="http://127.0.0.1:1/gone", title="Old run")
    store.record_session(old)
    store.record_step("local", old.id, StepResult(request=StepRequest(type="back")))
    app = StepdeckApp([StaticProvider()], images="none", store=store)
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            view = app.views["local/0ld5e55i0n"]
            assert not view.session.status.is_live and view.mark == "○"
            assert any("ended (1)" in p for p in prompts(app))
            app.select_session(view.key)
            await pilot.press("escape", "5")
            await settle(pilot)
            assert app.query_one("#timeline-table").row_count == 1  # still browsable
    finally:
        store.close()


async def test_stored_sessions_are_listed_while_chromium_still_starts_then_a_live_one_is_picked(
    tmp_path,
):
    """The store answers in milliseconds and the browser in seconds: the sidebar does not wait."""
    store = Store(tmp_path / "stepdeck.db")
    store.record_session(
        Session(id="0ld5e55i0n", created_at=T0, url="http://127.0.0.1:1/gone", title="Old run")
    )

    class SlowStart(StaticProvider):
        gate = asyncio.Event()

        async def start(self) -> None:
            await self.gate.wait()

    app = StepdeckApp([SlowStart()], images="none", store=store)
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            await eventually(lambda: any("ended (1)" in p for p in prompts(app)), "stored listed")
            assert not app.booted.is_set()  # the provider is still starting
            SlowStart.gate.set()
            await settle(pilot)
            assert app.current is not None and app.current.session.status.is_live
    finally:
        store.close()


class Recorder:
    def __init__(self) -> None:
        self.steps = 0

    def record_session(self, session) -> None: ...

    def record_step(self, *args) -> None:
        self.steps += 1

    def sessions(self) -> list:
        return []


class RecordingProvider(StaticProvider):
    records_steps = True  # like `stepdeck serve` through NotteClient


async def test_steps_are_not_recorded_twice_when_the_provider_records_them():
    for provider, expected in [(StaticProvider(), 1), (RecordingProvider(), 0)]:
        store = Recorder()
        app = StepdeckApp([provider], images="none", store=store)
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            app.command_bar.focus()
            await pilot.press(*"B1", "enter")
            await settle(pilot)
            assert app.current.last.success
        assert store.steps == expected


async def test_a_new_session_on_an_unreachable_url_says_so(make_app):
    app = make_app()
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await pilot.pause()
        app.screen.query_one("#new-url", Input).value = "http://127.0.0.1:9/"
        await pilot.press("enter")
        await settle(pilot)
        texts = toasts(app)
        assert any("127.0.0.1:9" in t and "→" in t for t in texts), texts
        assert app.is_running and len(app.screen_stack) == 1


class StreamingProvider(StaticProvider):
    """Like MultiOn: a step reports progress through `on_progress` as it runs."""

    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()

    async def step(self, session_id, request, *, on_progress=None):
        on_progress(LogEntry(type="progress", message="Typing Ada into the name field"))
        await self.release.wait()
        return await super().step(session_id, request)


async def test_a_streamed_step_shows_its_progress_as_it_arrives():
    provider = StreamingProvider()
    app = StepdeckApp([provider], images="none")
    async with app.run_test(size=(140, 36)) as pilot:
        await settle(pilot)
        app.command_bar.focus()
        await pilot.press(*"type Ada into the name", "enter")
        await eventually(
            lambda: "Typing Ada" in str(app.query_one("#header-text").render()),
            "the streamed progress in the header",
        )
        provider.release.set()
        await settle(pilot)
        assert app.current.last.success
        assert "Typing Ada" not in str(app.query_one("#header-text").render())


async def test_quitting_as_the_first_frame_appears_exits_cleanly():
    # ctrl+q the moment the app is drawn: the tabs beside the cockpit, still being mounted
    # after the first frame, met a closing screen and the app died with a MountError.
    class QuitAtOnce(StepdeckApp):
        CSS_PATH = Path(ui_app.__file__).with_suffix(".tcss")  # the app's own, by path

        def first_frame(self) -> None:
            super().first_frame()
            self.exit()

    app = QuitAtOnce([StaticProvider()], images="none")
    await app.run_async(headless=True, size=(120, 36))
    assert app.return_code == 0 and app._exception is None


async def test_goto_with_no_session_selected_opens_one_there():
    # A new user's first move: `goto <url>` in the command bar before any session exists.
    # It said "No session selected"; it opens one there (and keeps the line if it cannot).
    class Empty(StaticProvider):
        fail = True

        async def create_session(self, request: CreateSession) -> Session:
            if self.fail:
                raise Unreachable(f"cannot reach {request.url}", "is its server running?")
            session = Session(id="0pened0000", created_at=T0, url=request.url, title="Opened")
            self.sessions[session.id] = session
            return session

    provider = Empty()
    provider.sessions.clear()
    app = StepdeckApp([provider], images="none")
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await settle(pilot)
        assert app.current is None
        app.command_bar.focus()
        await pilot.press(*"goto 127.0.0.1:9/docs", "enter")
        await eventually(lambda: any("Could not open" in t for t in toasts(app)), "the failure")
        assert app.current is None and app.command_bar.value == "goto 127.0.0.1:9/docs"
        provider.fail = False
        await pilot.press("enter")
        await eventually(lambda: app.current is not None, "a session opened")
        assert app.current.session.url == "http://127.0.0.1:9/docs"
        await settle(pilot)
        assert app.command_bar.value == ""  # it worked: the line is done
        assert provider.steps == []  # opened there, not stepped


async def test_the_first_steps_changes_are_against_the_page_it_opened_on():
    # Changes (c) on step 1 said "there is no step before it"; a session this app opened
    # has its first page, and the first step is what changed it.
    class Opener(StaticProvider):
        async def create_session(self, request: CreateSession) -> Session:
            session = Session(id="0pened0000", created_at=T0, url=request.url, title="Shop")
            self.sessions[session.id] = session
            return session

        async def step(self, session_id: str, request: StepRequest) -> StepResult:
            self.sessions[session_id].url = "http://127.0.0.1:8000/checkout"
            return await super().step(session_id, request)

    provider = Opener()
    provider.sessions.clear()
    app = StepdeckApp([provider], images="none")
    async with app.run_test(size=(140, 44)) as pilot:
        await settle(pilot)
        app.command_bar.focus()
        await pilot.press(*"goto 127.0.0.1:8000/shop", "enter")
        await eventually(lambda: app.current is not None, "a session opened")
        await pilot.press(*"B1", "enter")
        await eventually(lambda: app.current.last is not None, "the step answered")
        app.query_one(TabbedContent).active = TimelineTab.TAB_ID
        await settle(pilot)
        tab = app.query_one(TimelineTab)
        tab.query_one("#timeline-table").focus()
        await pilot.press("c")
        await eventually(
            lambda: tab.detail_text.startswith("# Changes: the page it opened on"), "diff"
        )
        assert "/shop" in tab.detail_text and "/checkout" in tab.detail_text  # it navigated


async def test_a_look_a_step_overtook_never_replaces_the_steps_page():
    # Another client's event made the app look at the page; the person's step began and
    # answered (a new page) while that look was on its way, and the look, older, replaced
    # the step's page: the header went back to the url before the step.
    class Followed(StaticProvider):
        capabilities = Capabilities(events=True)

        def __init__(self) -> None:
            super().__init__()
            self.feed: asyncio.Queue = asyncio.Queue()
            self.looking = asyncio.Event()
            self.release = asyncio.Event()
            self.hold = False

        async def events(self, session_id: str | None = None):
            while True:
                yield await self.feed.get()

        async def observe(self, session_id: str, *, screenshot: bool = True):
            page = await super().observe(session_id, screenshot=screenshot)
            if self.hold:  # the live look: the page as it was, handed back late
                self.hold = False
                self.looking.set()
                await self.release.wait()
            return page

        async def step(self, session_id: str, request: StepRequest) -> StepResult:
            self.sessions[session_id].url = "http://127.0.0.1:8000/checkout"
            return await super().step(session_id, request)

    provider = Followed()
    app = StepdeckApp([provider], images="none")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        key = app.selected
        provider.hold = True
        session_id = key.split("/", 1)[1]
        provider.feed.put_nowait(
            Event(kind="tab", session_id=session_id, data={"action": "opened"})
        )
        await provider.looking.wait()  # the look has read the old page and is on its way
        app.command_bar.focus()
        await pilot.press(*"L2", "enter")
        await eventually(lambda: app.current.url.endswith("/checkout"), "the step's page")
        provider.release.set()
        await settle(pilot)
        assert app.current.url.endswith("/checkout")
