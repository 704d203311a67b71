"""ThinkRun end to end: the client against `stepdeck serve`'s /api over loopback.

Sessions answer "creating" first and are polled until ready; steps go out as
navigate/go-back/go-forward/click/type/fill with the CSS selectors of the
page's elements; the inspection endpoints feed the app's log, console,
network and health views.
"""

from __future__ import annotations

import dataclasses

import httpx
import pytest

from tests.dialects.conftest import TOKEN
from tui.dialects import build_provider
from tui.errors import ActionNotFound, AuthError, SessionNotFound, Unsupported
from tui.model import CreateSession, SessionStatus, StepRequest

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_a_session_provisioned_stepped_inspected_and_closed(
    served, pages_server, provider_config
):
    client = build_provider(provider_config("thinkrun", served))
    try:
        session = await client.create_session(CreateSession(url=f"{pages_server}/form.html"))
        assert session.status == SessionStatus.CREATING  # the app shows it provisioning
        session = await client.wait_ready(session.id, timeout=10, interval=0.05)
        assert session.status == SessionStatus.ACTIVE
        assert session.url.endswith("/form.html")
        assert session.id in [s.id for s in await client.list_sessions()]

        obs = await client.observe(session.id)
        assert obs.metadata.title == "Form page"
        assert obs.screenshot.startswith(b"\x89PNG")
        assert all(a.selector for a in obs.actions)
        name = next(
            a for a in obs.actions if a.id.startswith("I") and "name" in a.description.lower()
        )
        click_me = next(a for a in obs.actions if "Click me" in a.description)

        result = await client.step(session.id, StepRequest(id=name.id, value="Ada", enter=True))
        assert result.success, result.message
        assert result.observation.metadata.title == "Entered Ada"
        result = await client.step(session.id, StepRequest(id=click_me.id))
        assert result.success
        assert "Clicked 1 times" in await client.scrape(session.id)

        result = await client.step(
            session.id, StepRequest(type="goto", url=f"{pages_server}/links.html")
        )
        assert result.observation.metadata.title == "Links page"
        result = await client.step(session.id, StepRequest(type="back"))
        assert result.observation.metadata.url.endswith("/form.html")
        result = await client.step(session.id, StepRequest(type="forward"))
        assert result.observation.metadata.url.endswith("/links.html")

        log = await client.action_log(session.id)
        assert len(log) >= 5
        console = await client.console(session.id)
        assert any("form page ready" in m.text for m in console)
        assert any(m.level == "error" for m in console)
        network = await client.network(session.id)
        assert any(n.url.endswith("/form.html") and n.status == 200 for n in network)
        health = await client.health(session.id)
        assert health.ok and health.status == SessionStatus.ACTIVE
        artifacts = await client.artifacts(session.id)
        assert artifacts.artifacts == []

        with pytest.raises(ActionNotFound):
            await client.step(session.id, StepRequest(id="B99"))
        assert (await client.step(session.id, StepRequest(type="scroll_down"))).success
        with pytest.raises(Unsupported):
            await client.scrape(session.id, schema={"type": "object"})

        await client.close_session(session.id)
        assert session.id not in [s.id for s in await client.list_sessions()]
        try:
            gone = await client.get_session(session.id)
            assert gone.status == SessionStatus.CLOSED
        except SessionNotFound:
            pass
    finally:
        await client.aclose()


async def test_the_wire_format_as_thinkrun_documents_it(served, pages_server):
    async with httpx.AsyncClient(base_url=f"{served}/api", headers={"X-API-Key": TOKEN}) as http:
        r = await http.post(
            "/sessions",
            json={
                "initialPrompt": f"{pages_server}/form.html",
                "options": {"browser": "chromium", "viewport": {"width": 800, "height": 600}},
            },
        )
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "creating"
        sid = r.json()["sessionId"]

        listed = (await http.get("/sessions", params={"limit": 1, "offset": 0})).json()
        assert set(listed) == {"sessions", "total", "hasMore"}
        assert len(listed["sessions"]) == 1
        assert listed["hasMore"] == (listed["total"] > 1)
        everything = (await http.get("/sessions", params={"limit": 100})).json()["sessions"]
        mine = next(s for s in everything if s["sessionId"] == sid)
        assert mine["status"] == "running" and mine["currentUrl"].endswith("/form.html")

        snap = (await http.get(f"/sessions/{sid}/snapshot")).json()
        field = next(
            e for e in snap["elements"] if e["takesValue"] and "name" in e["description"].lower()
        )
        r = await http.post(
            f"/sessions/{sid}/fill", json={"selector": field["selector"], "value": "Ada"}
        )
        assert r.json() == {
            "success": True,
            "url": f"{pages_server}/form.html",
            "title": "Form page",
            "navigated": None,
            "selector": field["selector"],
            "text": None,
            "value": "Ada",
            "error": None,
        }
        r = await http.post(
            f"/sessions/{sid}/type", json={"selector": field["selector"], "text": " L\n"}
        )
        assert r.json()["title"] == "Entered Ada L"
        r = await http.post(f"/sessions/{sid}/navigate", json={"url": f"{pages_server}/links.html"})
        assert r.json()["title"] == "Links page"
        r = await http.post(f"/sessions/{sid}/go-back", json={})
        assert r.json()["navigated"] is True
        r = await http.post(f"/sessions/{sid}/click", json={"selector": "#no-such-thing"})
        assert r.status_code == 404 and "snapshot" in r.json()["hint"]  # as ThinkRun answers
        assert r.json()["success"] is False
        r = await http.post(f"/sessions/{sid}/click", json={})
        assert r.status_code == 422

        detail = (await http.get(f"/sessions/{sid}")).json()
        assert detail["actionCount"] >= 3 and detail["currentUrl"].endswith("/form.html")
        actions = (await http.get(f"/sessions/{sid}/actions")).json()["actions"]
        assert actions[0]["type"] == "fill" and "success" in actions[0]
        shot = (await http.post(f"/sessions/{sid}/screenshot")).json()
        assert shot["success"] and len(shot["screenshot"]) > 100

        r = await http.delete(f"/sessions/{sid}")
        assert r.json() == {"success": True, "message": "Session terminated"}
        live = (await http.get("/sessions", params={"limit": 100})).json()["sessions"]
        assert sid not in [s["sessionId"] for s in live]
        ended = (
            await http.get("/sessions", params={"limit": 100, "includeTerminated": True})
        ).json()
        assert {"sessionId": sid, "status": "completed"}.items() <= next(
            s for s in ended["sessions"] if s["sessionId"] == sid
        ).items()
        r = await http.get("/sessions/nope")
        assert r.status_code == 404

    async with httpx.AsyncClient(base_url=f"{served}/api") as http:
        assert (await http.get("/sessions")).status_code == 401
        assert (await http.get("/sessions", headers={"X-API-Key": "wrong"})).status_code == 401
        ok = await http.get("/sessions", headers={"Authorization": f"Bearer {TOKEN}"})
        assert ok.status_code == 200


async def test_a_wrong_key_names_the_variable(served, provider_config):
    config = provider_config("thinkrun", served)
    client = build_provider(dataclasses.replace(config, key_env="THINKRUN_API_KEY_UNSET"))
    try:
        with pytest.raises(AuthError) as caught:
            await client.list_sessions()
    finally:
        await client.aclose()
    assert "THINKRUN_API_KEY_UNSET" in caught.value.hint
