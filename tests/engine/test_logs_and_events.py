"""Per-session logs (actions, console, network), dialogs, popups, health, events, pause."""

from __future__ import annotations

import asyncio

import pytest

from tests.engine.conftest import eventually, find, open_page, until_delivering
from tui.errors import ActionNotFound, SessionGone
from tui.model import CreateSession, StepRequest

pytestmark = pytest.mark.asyncio(loop_scope="module")


def held_steps(events, session_id: str) -> list[str]:
    """What the engine announced it holds for `session_id` (a paused session's "held" events)."""
    return [e.data["held"] for e in events if e.session_id == session_id and "held" in e.data]


async def test_action_log(provider, pages_server):
    sid, _obs = await open_page(provider, f"{pages_server}/form.html")
    await provider.step(sid, StepRequest(id="I1", value="Ada"))
    with pytest.raises(ActionNotFound):
        await provider.step(sid, StepRequest(id="L42"))
    await provider.step(sid, StepRequest(type="scroll_down"))
    log = await provider.action_log(sid)
    assert [(e.index, e.type, e.success) for e in log] == [
        (0, "auto", True),
        (1, "auto", False),
        (2, "scroll_down", True),
    ]
    assert log[0].params == {"id": "I1", "value": "Ada"}
    assert log[0].duration_ms > 0 and log[0].url.endswith("/form.html")
    assert "L42" in log[1].error
    assert (await provider.get_session(sid)).steps == 2


async def test_console_and_network(provider, pages_server):
    sid, _ = await open_page(provider, f"{pages_server}/form.html")
    console = await provider.console(sid)
    assert ("log", "form page ready") in [(c.level, c.text) for c in console]
    assert ("error", "a console error") in [(c.level, c.text) for c in console]
    network = await provider.network(sid)
    doc = next(n for n in network if n.url.endswith("/form.html"))
    assert (doc.method, doc.status, doc.resource_type) == ("GET", 200, "document")
    assert doc.size and doc.size > 500
    assert doc.duration_ms is not None and doc.duration_ms >= 0
    await provider.step(sid, StepRequest(type="goto", url=f"{pages_server}/missing.html"))
    network = await provider.network(sid)
    assert [n.status for n in network if n.url.endswith("/missing.html")] == [404]
    # half an emoji logged (a lone surrogate) is kept as a browser draws it: no store,
    # JSON answer or terminal would take it
    page = provider.session_target(sid).page
    await page.evaluate(r"() => console.log('half \ud83d logged')")
    await eventually(
        lambda: any("logged" in c.text for c in provider.session_target(sid).logs.console),
        "the page's console line",
    )
    logged = [c for c in await provider.console(sid) if "logged" in c.text]
    assert logged[0].text == "half \ufffd logged"
    logged[0].model_dump_json()


async def test_dialogs_are_dismissed_and_recorded(provider, pages_server):
    sid, obs = await open_page(provider, f"{pages_server}/dialogs.html")
    await provider.step(sid, StepRequest(id=find(obs, "Alert").id))
    r = await provider.step(sid, StepRequest(id=find(obs, "Confirm").id))
    assert "confirm=false" in r.observation.markdown
    r = await provider.step(sid, StepRequest(id=find(obs, "Prompt").id))
    assert "prompt=null" in r.observation.markdown
    dialogs = [c.text for c in await provider.console(sid) if c.level == "dialog"]
    assert dialogs == ["alert: Hello from alert", "confirm: Sure?", "prompt: Your name?"]


async def test_a_leave_page_guard_does_not_trap_the_session(provider, pages_server):
    sid, obs = await open_page(provider, f"{pages_server}/dialogs.html")
    await provider.step(sid, StepRequest(id=find(obs, "Guard").id))
    r = await provider.step(sid, StepRequest(id=find(obs, "Leave").id))
    assert r.observation.metadata.title == "Form page"
    dialogs = [c.text for c in await provider.console(sid) if c.level == "dialog"]
    assert [d.split(":")[0] for d in dialogs] == ["beforeunload"]


async def test_popups_become_tabs(provider, pages_server):
    sid, obs = await open_page(provider, f"{pages_server}/links.html")
    r = await provider.step(sid, StepRequest(id=find(obs, "Open in a new tab").id))
    sess = provider.session_target(sid)
    await eventually(lambda: len(sess.tabs.pages) == 2, "target=_blank opened a tab")
    r = await provider.step(sid, StepRequest(type="switch_tab", index=1))
    assert r.observation.metadata.url.endswith("/submitted.html")
    r = await provider.step(sid, StepRequest(type="switch_tab", index=0))
    r = await provider.step(sid, StepRequest(id=find(r.observation, "Popup").id))
    await eventually(lambda: len(sess.tabs.pages) == 3, "window.open opened a tab")
    obs = await provider.observe(sid, screenshot=False)
    assert [t.active for t in obs.metadata.tabs] == [False, False, True]
    assert [t.title for t in obs.metadata.tabs] == ["Links page", "Submitted", "Form page"]
    assert obs.metadata.url.endswith("/form.html")


async def test_health(provider, pages_server):
    sid, _ = await open_page(provider, f"{pages_server}/form.html")
    health = await provider.health(sid)
    assert health.ok and health.checks["browser_connected"] and health.checks["tabs"] == 1
    assert health.checks["console_errors"] == 1
    await provider.close_session(sid)
    health = await provider.health(sid)
    assert not health.ok and health.status == "closed"


async def test_events_follow_a_session(provider, pages_server):
    sid, _ = await open_page(provider, f"{pages_server}/form.html")
    seen = []

    async def follow():
        async for event in provider.events(sid):
            seen.append(event)
            if event.kind == "step":
                return

    follower = asyncio.create_task(follow())
    await until_delivering(provider, sid, seen)
    await provider.step(sid, StepRequest(type="goto", url=f"{pages_server}/links.html"))
    await asyncio.wait_for(follower, 30)
    kinds = {e.kind for e in seen}
    assert "network" in kinds and "step" in kinds
    assert all(e.session_id == sid for e in seen)
    assert seen[-1].data["action"] == f"goto {pages_server}/links.html"


async def test_pause_holds_agent_steps_not_the_person(provider, pages_server):
    sid, _ = await open_page(provider, f"{pages_server}/form.html")
    session = await provider.set_paused(sid, True)
    assert session.paused
    events = []
    unsubscribe = provider.engine.subscribe(events.append)
    held = asyncio.create_task(provider.step(sid, StepRequest(type="scroll_down", source="api")))
    await eventually(lambda: held_steps(events, sid), "the agent's step to be held")
    unsubscribe()
    assert held_steps(events, sid) == ["scroll_down"] and not held.done()
    # the person steps by hand meanwhile
    r = await provider.step(sid, StepRequest(id="I1", value="by hand"))
    assert r.success
    await provider.set_paused(sid, False)
    r = await asyncio.wait_for(held, 30)
    assert r.success and r.request.source == "api"
    log = await provider.action_log(sid)
    assert [e.type for e in log] == ["auto", "scroll_down"]


async def test_list_sessions_and_labels(provider, pages_server):
    s = await provider.create_session(
        CreateSession(url=f"{pages_server}/form.html", label="mine", viewport_width=800)
    )
    obs = await provider.observe(s.id, screenshot=False)
    assert obs.metadata.viewport.width == 800
    listed = {x.id: x for x in await provider.list_sessions()}
    assert listed[s.id].label == "mine"
    assert listed[s.id].url.endswith("/form.html")
    assert listed[s.id].title == "Form page"


async def test_closing_a_paused_session_releases_held_steps(provider, pages_server):
    sid, _ = await open_page(provider, f"{pages_server}/form.html")
    await provider.set_paused(sid, True)
    events = []
    unsubscribe = provider.engine.subscribe(events.append)
    held = asyncio.create_task(provider.step(sid, StepRequest(type="reload", source="agent")))
    await eventually(lambda: held_steps(events, sid), "the agent's step to be held")
    unsubscribe()
    await provider.close_session(sid)
    with pytest.raises(SessionGone):
        await asyncio.wait_for(held, 30)
