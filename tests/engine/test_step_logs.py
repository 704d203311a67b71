"""Each step carries the console messages and requests that happened while it ran; the
store keeps them with the step, so an ended session still shows them."""

from __future__ import annotations

import pytest

from tests.engine.conftest import find
from tui.model import CreateSession, StepRequest
from tui.store import Store

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_a_step_carries_its_own_console_and_network(provider, pages_server, tmp_path):
    s = await provider.create_session(CreateSession(url=f"{pages_server}/form.html"))
    obs = await provider.observe(s.id, screenshot=False)
    name = find(obs, "Your name")
    fill = await provider.step(s.id, StepRequest(id=name.id, value="Ada"))
    assert fill.network == []  # typing loads nothing
    # form.html logs on load: those messages belong to the goto that loaded it, not earlier.
    goto = await provider.step(s.id, StepRequest(type="goto", url=f"{pages_server}/form.html"))
    assert [c.text for c in goto.console] == ["form page ready", "a console error"]
    assert [n.url for n in goto.network] == [f"{pages_server}/form.html"]
    assert goto.network[0].status == 200
    after = await provider.step(s.id, StepRequest(type="scroll_down"))
    assert after.console == [] and after.network == []

    store = Store(tmp_path / "stepdeck.db")
    try:
        store.record_session(await provider.get_session(s.id))
        for r in (fill, goto, after):
            store.record_step("local", s.id, r)
        await provider.close_session(s.id)
        store.record_session(await provider.get_session(s.id))
        steps = store.steps("local", s.id)
        stored = store.session("local", s.id)
    finally:
        store.close()
    assert [len(st.console) for st in steps] == [0, 2, 0]
    assert steps[1].console[1].level == "error"
    assert steps[1].network[0].url == f"{pages_server}/form.html"
    assert stored.start_url == f"{pages_server}/form.html"
    assert stored.status == "closed"
    assert all(st.logs for st in steps)  # the steps' own logs, even the empty ones

    # Time travel in the app reads them from the store, for an ended session too.
    from tui.ui.tabs.timeline import Moment, moment_text

    moment = Moment.from_stored(steps[1])
    text = moment_text(moment, moment.console, moment.network)
    assert "## Console during this step (2)" in text
    assert "error: a console error" in text
    assert f"GET 200 {pages_server}/form.html" in text


async def test_a_step_without_its_own_logs_is_told_apart(tmp_path):
    from tui.model import StepResult

    store = Store(tmp_path / "stepdeck.db")
    try:
        remote = store.record_step("cloud", "s1", StepResult(request=StepRequest(type="back")))
        own = store.record_step("local", "s2", StepResult(console=[], network=[]))
        assert not remote.logs and own.logs
        assert [st.logs for st in store.steps("cloud", "s1")] == [False]
        assert [st.logs for st in store.steps("local", "s2")] == [True]
    finally:
        store.close()


async def test_a_command_carries_the_logs_of_all_its_actions(provider, pages_server):
    s = await provider.create_session(CreateSession(url=f"{pages_server}/links.html"))
    r = await provider.step(
        s.id, StepRequest(type="command", cmd=f"go to {pages_server}/form.html")
    )
    assert r.success, r.message
    assert "form page ready" in [c.text for c in r.console]
    assert any(n.url.endswith("/form.html") for n in r.network)
