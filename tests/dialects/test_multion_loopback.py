"""MultiOn end to end: the client against `stepdeck serve`'s /v1/web over loopback.

A real LocalProvider behind the server: `cmd` steps run the local agent,
`retrieve` its extraction, screenshots are real PNGs.
"""

from __future__ import annotations

import dataclasses

import httpx
import pytest

from tests.dialects.conftest import TOKEN
from tui.dialects import build_provider
from tui.errors import AuthError, SessionNotFound, Unsupported
from tui.model import CreateSession, StepRequest, StepStatus

pytestmark = pytest.mark.asyncio(loop_scope="module")


def _client(provider_config, served):
    return build_provider(provider_config("multion", f"{served}/v1/web"))


async def test_a_session_created_stepped_by_words_and_closed(served, pages_server, provider_config):
    client = _client(provider_config, served)
    try:
        assert client.capabilities.action_space is False
        assert "no action ids" in client.capabilities.reason("action_space")

        session = await client.create_session(CreateSession(url=f"{pages_server}/form.html"))
        assert session.url.endswith("/form.html")
        assert session.id in [s.id for s in await client.list_sessions()]

        obs = await client.observe(session.id)
        assert obs.actions == []
        assert obs.screenshot.startswith(b"\x89PNG")

        result = await client.step(
            session.id, StepRequest(type="command", cmd="type Ada into your name")
        )
        assert result.status == StepStatus.DONE, result.message
        assert result.observation.screenshot.startswith(b"\x89PNG")
        assert result.observation.metadata.url.endswith("/form.html")

        result = await client.step(
            session.id, StepRequest(type="goto", url=f"{pages_server}/links.html")
        )
        assert result.observation.metadata.url.endswith("/links.html")
        assert (await client.health(session.id)).ok
        assert [e.type for e in await client.action_log(session.id)] == ["command", "goto"]

        with pytest.raises(Unsupported, match="no action ids"):
            await client.step(session.id, StepRequest(id="B1"))
        with pytest.raises(Unsupported):
            await client.console(session.id)

        await client.close_session(session.id)
        assert session.id not in [s.id for s in await client.list_sessions()]
        with pytest.raises(SessionNotFound):
            await client.get_session(session.id)
    finally:
        await client.aclose()


async def test_a_streamed_step_reports_progress_then_the_result(
    served, pages_server, provider_config
):
    client = _client(provider_config, served)
    seen = []
    try:
        session = await client.create_session(CreateSession(url=f"{pages_server}/form.html"))
        result = await client.step(
            session.id,
            StepRequest(type="command", cmd="type Ada into your name, then click Click me"),
            on_progress=seen.append,
        )
        # The stream's response was closed with the step, not left to the collector (which
        # closes it later, maybe after its loop has ended): before this test yields to the
        # loop once, no connection is still busy with it (closed early, it may be closed).
        pool = client._http.client._transport._pool
        assert all(c.is_idle() or c.is_closed() for c in pool.connections), pool
    finally:
        await client.aclose()
    assert result.status == StepStatus.DONE, result.message
    # One event per action the agent ran, as it ran it: the fill, then the click.
    assert len(seen) == 2, [e.message for e in seen]
    assert seen[0].message.startswith("I") and seen[0].message.endswith("Ada")
    assert seen[1].message.startswith("B")
    assert [s.message for s in result.steps] == [e.message for e in seen]
    assert result.observation.screenshot.startswith(b"\x89PNG")


async def test_browse_and_retrieve(served, pages_server, provider_config):
    client = _client(provider_config, served)
    try:
        session = await client.create_session(CreateSession(url=f"{pages_server}/links.html"))
        result = await client.browse("click Controls", session_id=session.id, max_steps=3)
        assert result.observation.metadata.url.endswith("/controls.html"), result.message
        assert result.data["step_count"] >= 1
        markdown = await client.scrape(session.id)
        assert isinstance(markdown, str) and markdown.strip()

        reply = await client.retrieve(
            cmd="the page text", url=f"{pages_server}/form.html", format="markdown"
        )
        assert "Sign up" in reply.data[0]["markdown"]
        assert reply.session_id is None  # a one-off session, closed after
    finally:
        await client.aclose()


async def test_retrieve_fields_uses_the_local_extraction(served, demo_server, provider_config):
    pytest.importorskip("tui.engine.extract")
    client = _client(provider_config, served)
    try:
        session = await client.create_session(CreateSession(url=f"{demo_server}/catalog"))
        items = await client.scrape(
            session.id,
            schema={"type": "object", "properties": {"title": {"type": "string"}}},
            max_items=3,
        )
    finally:
        await client.aclose()
    assert isinstance(items, list) and 0 < len(items) <= 3
    assert all("title" in item for item in items)


async def test_the_wire_format_as_multion_sends_it(served, pages_server):
    headers = {"X_MULTION_API_KEY": TOKEN}
    async with httpx.AsyncClient(base_url=f"{served}/v1/web", headers=headers) as http:
        r = await http.post(
            "/session", json={"url": f"{pages_server}/form.html", "include_screenshot": True}
        )
        assert r.status_code == 200, r.text
        created = r.json()
        assert set(created) >= {"status", "message", "session_id", "url", "screenshot"}
        assert created["screenshot"].startswith("data:image/png;base64,")
        sid = created["session_id"]

        r = await http.post(
            f"/session/{sid}", json={"cmd": "click Click me", "include_screenshot": False}
        )
        assert r.json()["status"] in ("CONTINUE", "ASK_USER", "DONE")
        assert r.json()["screenshot"] == ""

        r = await http.get(f"/screenshot/{sid}")
        assert r.json()["screenshot"].startswith("data:image/png;base64,")
        assert sid in (await http.get("/sessions")).json()["session_ids"]

        r = await http.post(f"/session/{sid}", json={"include_screenshot": False})
        assert r.status_code == 422  # cmd is required, as MultiOn's validation says
        r = await http.post("/retrieve", json={"cmd": "text"})
        assert r.status_code == 422
        assert r.json()["message"]

        r = await http.delete(f"/session/{sid}")
        assert r.json() == {"status": "closed", "session_id": sid}
        r = await http.post(f"/session/{sid}", json={"cmd": "click Click me"})
        assert r.status_code in (404, 410)

    async with httpx.AsyncClient(base_url=f"{served}/v1/web") as http:
        r = await http.get("/sessions", headers={"X_MULTION_API_KEY": "wrong"})
        assert r.status_code == 401
        r = await http.get("/sessions", headers={"Authorization": f"Bearer {TOKEN}"})
        assert r.status_code == 401  # MultiOn's clients send their own header, not a bearer


async def test_a_missing_key_names_the_variable(served, provider_config):
    config = provider_config("multion", f"{served}/v1/web")
    client = build_provider(dataclasses.replace(config, key_env="MULTION_API_KEY_UNSET"))
    try:
        with pytest.raises(AuthError) as caught:
            await client.list_sessions()
    finally:
        await client.aclose()
    assert "MULTION_API_KEY_UNSET" in caught.value.hint
