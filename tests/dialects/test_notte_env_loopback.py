"""Notte's first API end to end: the client against `stepdeck serve` over loopback.

A real LocalProvider (headless Chromium) behind the real server app; the
pages are fixture files served on 127.0.0.1.
"""

from __future__ import annotations

import dataclasses

import httpx
import pytest

from tests.dialects.conftest import TOKEN
from tui.dialects import build_provider
from tui.errors import AuthError, InvalidRequest, SessionGone, SessionNotFound, Unsupported
from tui.model import CreateSession, SessionStatus, StepRequest

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_a_session_observed_stepped_scraped_and_closed(served, pages_server, provider_config):
    client = build_provider(provider_config("notte_env", served))
    try:
        session = await client.create_session(CreateSession(url=f"{pages_server}/form.html"))
        assert session.status == SessionStatus.ACTIVE
        assert session.title == "Form page"
        assert [s.id for s in await client.list_sessions()] == [session.id]

        obs = await client.observe(session.id)
        assert obs.metadata.title == "Form page"
        assert obs.screenshot and obs.screenshot.startswith(b"\x89PNG")
        assert "Sign up" in obs.markdown
        name = next(
            a for a in obs.actions if a.id.startswith("I") and "name" in a.description.lower()
        )
        assert obs.action("B1") is not None

        result = await client.step(session.id, StepRequest(id=name.id, value="Ada", enter=True))
        assert result.success
        assert result.observation.metadata.title == "Entered Ada"

        result = await client.step(
            session.id, StepRequest(type="goto", url=f"{pages_server}/links.html")
        )
        assert result.observation.metadata.title == "Links page"
        result = await client.step(session.id, StepRequest(type="back"))
        assert result.observation.metadata.url.endswith("/form.html")
        result = await client.step(session.id, StepRequest(type="forward"))
        assert result.observation.metadata.url.endswith("/links.html")

        markdown = await client.scrape(session.id)
        assert "Links" in markdown and "Section 2" in markdown
        assert len(await client.screenshot(session.id)) > 100
        log = await client.action_log(session.id)
        assert [e.type for e in log] == ["auto", "goto", "back", "forward"]

        closed = await client.close_session(session.id)
        assert closed.status == SessionStatus.CLOSED
        with pytest.raises((SessionGone, SessionNotFound)):
            await client.observe(session.id)
    finally:
        await client.aclose()


async def test_an_unknown_action_id_is_a_400_naming_the_known_ones(
    served, pages_server, provider_config
):
    client = build_provider(provider_config("notte_env", served))
    try:
        session = await client.create_session(CreateSession(url=f"{pages_server}/form.html"))
        with pytest.raises(InvalidRequest) as caught:
            await client.step(session.id, StepRequest(id="B99"))
        assert "(400)" in caught.value.message
        assert "B99" in caught.value.message
        with pytest.raises(Unsupported):
            await client.step(session.id, StepRequest(type="command", cmd="sign me up"))
    finally:
        await client.aclose()


async def test_the_wire_format_as_notte_sent_it(served, pages_server):
    """Raw requests, field names as in Notte's SDK of that time."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(base_url=served, headers=headers) as http:
        # No session_id and no keep_alive: a session for this one call, closed after.
        r = await http.post("/env/observe", json={"url": f"{pages_server}/form.html"})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["title"] == "Form page"
        assert body["url"].endswith("/form.html")
        assert body["session"]["status"] == "closed"
        assert "status" not in body  # the SDKs read a top-level status as an HTTP one
        assert isinstance(body["screenshot"], str)
        assert {"description", "actions"} <= set(body["space"])
        assert {"id", "description", "category"} <= set(body["space"]["actions"][0])

        r = await http.post("/session/start", json={"session_timeout": 10})
        sid = r.json()["session_id"]
        assert r.json()["timeout_minutes"] == 10
        r = await http.post(
            "/env/step",
            json={
                "session_id": sid,
                "action_id": "S1",
                "value": f"{pages_server}/links.html",
                "keep_alive": True,
                "screenshot": False,
                "max_nb_actions": 2,
            },
        )
        assert r.status_code == 200, r.text
        assert r.json()["title"] == "Links page"
        assert r.json()["screenshot"] is None
        assert len(r.json()["space"]["actions"]) == 2

        r = await http.post("/env/scrape", json={"session_id": sid, "keep_alive": True})
        assert "Section 2" in r.json()["data"]["markdown"]

        # Bad input is a 400, as the first API answered it.
        for bad in ({"session_id": sid}, {"session_id": sid, "action_id": ""}, "not an object"):
            r = await http.post("/env/step", json=bad)
            assert r.status_code == 400, (bad, r.text)
        r = await http.post(
            "/env/step", content=b"{broken", headers={"content-type": "application/json"}
        )
        assert r.status_code == 400
        r = await http.post("/session/start", json={"session_timeout_minutes": 99})
        assert r.status_code == 400
        r = await http.post("/env/scrape", json={})
        assert r.status_code == 400

        # A session made for one failed call does not outlive it.
        live = {"X_MULTION_API_KEY": TOKEN}  # the same engine, listed through MultiOn's routes
        before = (await http.get("/v1/web/sessions", headers=live)).json()["session_ids"]
        r = await http.post("/env/step", json={"action_id": "B99"})
        assert r.status_code == 400 and "B99" in r.json()["detail"]
        assert (await http.get("/v1/web/sessions", headers=live)).json()["session_ids"] == before

        r = await http.post("/env/step", json={"session_id": "nope", "action_id": "B1"})
        assert r.status_code == 404
        r = await http.post("/session/close", json={"session_id": sid})
        assert r.json()["status"] == "closed"
        r = await http.post("/env/observe", json={"session_id": sid, "keep_alive": True})
        assert r.status_code in (404, 410)


async def test_a_wrong_token_is_refused_with_the_key_variable_named(served, provider_config):
    config = provider_config("notte_env", served)
    client = build_provider(dataclasses.replace(config, key_env="NOTTE_WRONG_KEY"))
    try:
        with pytest.raises(AuthError) as caught:
            await client.create_session(CreateSession())
    finally:
        await client.aclose()
    assert "NOTTE_WRONG_KEY" in caught.value.hint


async def test_structured_scrape_through_the_first_api(served, demo_server, provider_config):
    client = build_provider(provider_config("notte_env", served))
    schema = {
        "$defs": {
            "Product": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "price": {"type": "number"}},
            }
        },
        "type": "array",
        "items": {"$ref": "#/$defs/Product"},
    }
    try:
        session = await client.create_session(CreateSession(url=f"{demo_server}/shop"))
        await client.observe(session.id)  # the server's space says which S-ids it speaks
        rows = await client.scrape(session.id, schema=schema)
        assert any(r.get("name") == "AirPods Pro" for r in rows), rows
    finally:
        await client.aclose()
