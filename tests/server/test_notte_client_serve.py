"""NotteClient (what `stepdeck --connect` uses) against `stepdeck serve`, endpoint by endpoint."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from tests.support import until_delivering
from tui.dialects import connect_serve
from tui.dialects.notte.client import SERVE_PROVIDER, connect
from tui.errors import AuthError, SessionGone, SessionNotFound
from tui.model import CreateSession, SessionStatus, StepRequest
from tui.settings import Settings

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
async def client(serve):
    client = connect(serve.url, serve.token)
    await client.start()
    yield client
    await client.aclose()


async def test_connect_reads_the_token_from_env_or_data_dir(serve, stepdeck_home, monkeypatch):
    monkeypatch.delenv("STEPDECK_TOKEN", raising=False)
    with pytest.raises(AuthError):
        connect_serve(Settings(), serve.url)
    (stepdeck_home / "data").mkdir(parents=True)
    (stepdeck_home / "data" / "token").write_text(serve.token + "\n")
    from_file = connect_serve(Settings(), serve.url)
    await from_file.start()
    assert isinstance(await from_file.list_sessions(), list)
    await from_file.aclose()
    monkeypatch.setenv("STEPDECK_TOKEN", "wrong")
    wrong = connect_serve(Settings(), serve.url)
    await wrong.start()
    with pytest.raises(AuthError):
        await wrong.list_sessions()
    await wrong.aclose()


async def test_every_endpoint(client, demo_server):
    assert client.name == SERVE_PROVIDER and client.records_steps
    assert client.capabilities.events and client.capabilities.pause
    session = await client.create_session(CreateSession(url=f"{demo_server}/shop", label="watched"))
    sid = session.id
    assert session.label == "watched" and session.status is SessionStatus.ACTIVE
    assert sid in [s.id for s in await client.list_sessions()]
    assert (await client.get_session(sid)).url == f"{demo_server}/shop"

    obs = await client.observe(sid)
    assert obs.metadata.url == f"{demo_server}/shop" and obs.screenshot.startswith(PNG_MAGIC)
    assert "AirPods" in obs.markdown
    search = next(a for a in obs.actions if a.takes_value)
    assert (await client.observe(sid, screenshot=False)).screenshot is None

    result = await client.step(
        sid, StepRequest(type="fill", id=search.id, value="sony", enter=True)
    )
    assert result.success and result.observation.metadata.url.endswith("q=sony")
    assert result.request.id == search.id
    back = await client.step(sid, StepRequest(type="back"))
    assert back.observation.metadata.url == f"{demo_server}/shop"
    # an id not on the page: a failed step (as Notte answers it), not an HTTP error
    missing = await client.step(sid, StepRequest(type="click", id="B999"))
    assert not missing.success and "B999" in missing.message

    assert (await client.screenshot(sid)).startswith(PNG_MAGIC)
    assert "Sony WH-1000XM5" in await client.scrape(sid)
    schema = {
        "type": "array",
        "items": {"type": "object", "properties": {"name": {"type": "string"}}},
    }
    names = [item["name"] for item in await client.scrape(sid, schema=schema, max_items=2)]
    assert names == ["AirPods Pro", "MacBook Air 13-inch"]
    log = await client.action_log(sid)
    assert [e.type for e in log][-3:] == ["fill", "back", "click"]
    assert not log[-1].success  # the refused B999
    assert isinstance(await client.console(sid), list)
    assert any("/shop" in r.url for r in await client.network(sid))
    assert (await client.health(sid)).ok

    closed = await client.close_session(sid)
    assert closed.status is SessionStatus.CLOSED
    with pytest.raises(SessionGone):
        await client.step(sid, StepRequest(type="back"))
    with pytest.raises(SessionNotFound):
        await client.get_session("nope")


async def test_events_and_pause(client, serve, demo_server):
    sid = (await client.create_session(CreateSession(url=f"{demo_server}/shop"))).id
    events = []

    async def follow() -> None:
        # aclosing: leaving the loop early closes the stream now, not at garbage collection
        async with contextlib.aclosing(client.events(sid)) as stream:
            async for event in stream:
                events.append(event)
                if event.kind == "step":
                    return

    follower = asyncio.create_task(follow())
    await until_delivering(client, sid, events)  # the stream is subscribed before the step
    paused = await client.set_paused(sid, True)
    assert paused.paused
    # the person (the app) is never held by a pause
    await client.step(sid, StepRequest(type="scroll_down"))
    await asyncio.wait_for(follower, 60)
    assert events[-1].kind == "step" and events[-1].session_id == sid
    assert not (await client.set_paused(sid, False)).paused
    await client.close_session(sid)


async def test_events_of_every_session(client, demo_server):
    seen = []

    async def follow() -> None:
        async with contextlib.aclosing(client.events()) as stream:
            async for event in stream:
                seen.append(event)
                if event.kind == "step":
                    return

    follower = asyncio.create_task(follow())
    sid = (await client.create_session(CreateSession(url=f"{demo_server}/catalog"))).id
    await until_delivering(client, sid, seen)  # the stream (of every session) is subscribed
    await client.step(sid, StepRequest(type="scroll_down"))
    await asyncio.wait_for(follower, 60)
    assert seen[-1].session_id == sid
    await client.close_session(sid)
