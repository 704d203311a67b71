"""The LocalProvider end to end: create, observe, step, close."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.support import SharedLocalProvider
from tui.errors import ActionNotFound, InvalidRequest, SessionGone
from tui.model import CreateSession, SessionStatus, StepRequest
from tui.providers.local import LocalProvider

pytestmark = pytest.mark.asyncio(loop_scope="module")  # the module's Chromium lives there


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser_owner() -> AsyncIterator[LocalProvider]:
    """One started engine (one Chromium) for the module: launching one per test cost ~1 s each."""
    async with LocalProvider(nav_timeout_ms=10_000, action_timeout_ms=3_000) as owner:
        yield owner


@pytest_asyncio.fixture(loop_scope="module")
async def local_provider(browser_owner) -> AsyncIterator[LocalProvider]:
    """A provider over the module's browser that sees only this test's sessions and closes them."""
    provider = SharedLocalProvider(browser_owner)
    try:
        yield provider
    finally:
        await provider.aclose()


async def test_observe_form_page(local_provider, pages_server):
    s = await local_provider.create_session(CreateSession(url=f"{pages_server}/form.html"))
    obs = await local_provider.observe(s.id)
    assert obs.metadata.title == "Form page"
    assert obs.metadata.url.endswith("/form.html")
    assert obs.screenshot and obs.screenshot.startswith(b"\x89PNG")
    by_desc = {a.description: a for a in obs.actions}
    assert by_desc["Your name"].id == "I1"
    assert by_desc["Your name"].params[0].name == "value"
    assert by_desc["Create account"].id.startswith("B")
    # passwords never show their value (masked); hidden elements are neither actions nor markdown
    assert by_desc["Password"].value == "••••••"
    assert "Hidden button" not in by_desc
    assert "Invisible text" not in obs.markdown
    assert "# Sign up" in obs.markdown
    assert obs.metadata.tabs[0].active


async def test_ids_are_stable_for_an_unchanged_page(local_provider, pages_server):
    s = await local_provider.create_session(CreateSession(url=f"{pages_server}/links.html"))
    first = await local_provider.observe(s.id, screenshot=False)
    second = await local_provider.observe(s.id, screenshot=False)
    assert [(a.id, a.description) for a in first.actions] == [
        (a.id, a.description) for a in second.actions
    ]
    prefixes = {a.id[0] for a in first.actions}
    assert {"L", "B", "F", "O", "M"} <= prefixes


async def test_fill_then_click_submits(local_provider, pages_server):
    s = await local_provider.create_session(CreateSession(url=f"{pages_server}/form.html"))
    await local_provider.observe(s.id)
    r = await local_provider.step(s.id, StepRequest(id="I1", value="Ada"))
    assert r.success
    assert "typed: Ada" in r.observation.markdown
    assert r.observation.action("I1").value == "Ada"
    submit = next(a for a in r.observation.actions if a.description == "Create account")
    r = await local_provider.step(s.id, StepRequest(id=submit.id))
    assert r.observation.metadata.title == "Submitted"
    assert "name=Ada" in r.observation.metadata.url


async def test_unknown_id_lists_what_exists(local_provider, pages_server):
    s = await local_provider.create_session(CreateSession(url=f"{pages_server}/form.html"))
    with pytest.raises(ActionNotFound) as err:
        await local_provider.step(s.id, StepRequest(id="B99"))
    assert "B99" in err.value.message
    assert "I1" in err.value.hint
    # the session stays usable
    r = await local_provider.step(s.id, StepRequest(id="I1", value="still here"))
    assert r.success


async def test_value_for_a_button_is_refused(local_provider, pages_server):
    s = await local_provider.create_session(CreateSession(url=f"{pages_server}/form.html"))
    obs = await local_provider.observe(s.id, screenshot=False)
    button = next(a for a in obs.actions if a.description == "Click me")
    with pytest.raises(InvalidRequest) as err:
        await local_provider.step(s.id, StepRequest(id=button.id, value="hello"))
    assert "does not take a value" in err.value.message


async def test_closed_session_refuses_steps(local_provider, pages_server):
    s = await local_provider.create_session(CreateSession(url=f"{pages_server}/form.html"))
    closed = await local_provider.close_session(s.id)
    assert closed.status == SessionStatus.CLOSED
    with pytest.raises(SessionGone):
        await local_provider.step(s.id, StepRequest(type="reload"))
    sessions = await local_provider.list_sessions()
    assert [x.status for x in sessions if x.id == s.id] == [SessionStatus.CLOSED]


async def test_scrape_markdown_and_scroll_to_bottom(local_provider, pages_server):
    s = await local_provider.create_session(CreateSession(url=f"{pages_server}/links.html"))
    md = await local_provider.scrape(s.id)
    assert "## Section 2" in md
    await local_provider.scrape(s.id, scroll_to_bottom=True)
    obs = await local_provider.observe(s.id, screenshot=False)
    vp = obs.metadata.viewport
    assert vp.scroll_y + vp.height >= vp.page_height - 1


async def test_sessions_step_in_parallel_in_one_browser(local_provider, pages_server):
    sessions = await asyncio.gather(
        *(
            local_provider.create_session(CreateSession(url=f"{pages_server}/form.html"))
            for _ in range(4)
        )
    )
    results = await asyncio.gather(
        *(
            local_provider.step(s.id, StepRequest(id="I1", value=f"user {i}"))
            for i, s in enumerate(sessions)
        )
    )
    for i, r in enumerate(results):
        assert f"typed: user {i}" in r.observation.markdown
    assert len({s.id for s in await local_provider.list_sessions()}) == 4
    assert len(local_provider.engine.host.browser.contexts) == 4


async def test_steps_on_one_session_run_one_at_a_time(local_provider, pages_server):
    s = await local_provider.create_session(CreateSession(url=f"{pages_server}/form.html"))
    obs = await local_provider.observe(s.id, screenshot=False)
    button = next(a for a in obs.actions if a.description == "Click me")
    await asyncio.gather(*(local_provider.step(s.id, StepRequest(id=button.id)) for _ in range(3)))
    final = await local_provider.observe(s.id, screenshot=False)
    assert "Clicked 3 times" in final.markdown
    log = await local_provider.action_log(s.id)
    assert [e.index for e in log] == [0, 1, 2] and all(e.success for e in log)
