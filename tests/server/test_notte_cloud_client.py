"""NotteClient against a fake Notte cloud on loopback: the cloud's shapes, and every failure.

The fake answers in Notte's wire format as notte-sdk 1.10 reads it; faults show
the typed error a person sees, and that a step is never sent twice.
"""

from __future__ import annotations

import base64

import pytest

from tui.dialects.notte.client import NotteClient
from tui.errors import (
    AuthError,
    BadResponse,
    BillingError,
    InvalidRequest,
    RateLimited,
    ServerError,
    SessionGone,
    SessionNotFound,
    StepTimeout,
    Unreachable,
    Unsupported,
)
from tui.model import CreateSession, SessionStatus, StepRequest
from tui.settings import ProviderConfig

from .conftest import Reply

SID = "7c1e-cloud"
SESSION = {
    "session_id": SID,
    "idle_timeout_minutes": 3,
    "max_duration_minutes": 15,
    "created_at": "2026-01-02T03:04:05Z",
    "last_accessed_at": "2026-01-02T03:05:05Z",
    "status": "active",
    "steps": [{"type": "goto", "url": "https://example.com", "success": True}],
    "viewer_url": "https://console.notte.cc/viewer/7c1e-cloud",
    "timeout_minutes": 3,
}
JPEG = b"\xff\xd8\xff\xe0fake-jpeg"
OBSERVATION = {
    "started_at": "2026-01-02T03:05:00Z",
    "ended_at": "2026-01-02T03:05:01Z",
    "metadata": {
        "title": "Example Domain",
        "url": "https://example.com/",
        "viewport": {
            "scroll_x": 0,
            "scroll_y": 0,
            "viewport_width": 1280,
            "viewport_height": 1080,
            "total_width": 1280,
            "total_height": 1080,
        },
        "tabs": [{"tab_id": 0, "title": "Example Domain", "url": "https://example.com/"}],
        "timestamp": "2026-01-02T03:05:01Z",
    },
    "screenshot": {"raw": base64.b64encode(JPEG).decode(), "bboxes": []},
    "space": {
        "description": "A page with one link",
        "category": "other",
        "interaction_actions": [
            {
                "type": "click",
                "id": "L1",
                "category": "Interaction Actions",
                "description": "More information",
            },
            {"type": "fill", "id": "I1", "value": "", "description": "Search"},
        ],
    },
}
EXECUTED = {
    "started_at": "2026-01-02T03:05:00Z",
    "ended_at": "2026-01-02T03:05:00.250000Z",
    "action": {"type": "click", "id": "L1"},
    "success": True,
    "message": "Clicked on the element",
    "data": None,
    "exception": None,
}


def make_client(fake, *, key: str | None = "sk-test", timeout: float = 30.0) -> NotteClient:
    config = ProviderConfig(
        name="notte",
        dialect="notte",
        base_url=fake.url,
        key_env="NOTTE_API_KEY",
        label="Notte",
        timeout=timeout,
    )
    return NotteClient(config, token=key, stepdeck=False)


async def test_cloud_session_flow(fake_notte):
    fake_notte.on("POST", "/sessions/start", SESSION)
    fake_notte.on("POST", f"/sessions/{SID}/page/execute", EXECUTED)
    fake_notte.on("POST", f"/sessions/{SID}/page/observe", OBSERVATION)
    fake_notte.on("POST", f"/sessions/{SID}/page/scrape", {"markdown": "# Example Domain"})
    fake_notte.on("GET", f"/sessions/{SID}", SESSION)
    fake_notte.on(
        "DELETE",
        f"/sessions/{SID}/stop",
        SESSION | {"status": "closed", "closed_at": "2026-01-02T03:06:00Z"},
    )
    fake_notte.on("GET", "/sessions/", {"items": [SESSION], "page": 1, "has_next": False})
    client = make_client(fake_notte)
    await client.start()

    session = await client.create_session(CreateSession(url="https://example.com", label="docs"))
    assert session.viewer_url == "https://console.notte.cc/viewer/7c1e-cloud"
    assert session.label == "docs"
    # Notte has no start url: the client goes there with a goto step
    assert fake_notte.bodies[1][2] == {"type": "goto", "url": "https://example.com"}
    assert "url" not in fake_notte.bodies[0][2]

    result = await client.step(SID, StepRequest(type="click", id="L1"))
    assert result.success and result.message == "Clicked on the element"
    assert result.duration_ms == pytest.approx(250)
    # the cloud answers without the page: the client observed, and scraped the markdown
    obs = result.observation
    assert obs.metadata.title == "Example Domain" and obs.markdown == "# Example Domain"
    assert [a.id for a in obs.actions] == ["L1", "I1"]
    assert obs.action("I1").takes_value and obs.screenshot == JPEG
    assert obs.metadata.tabs[0].active

    assert [s.id for s in await client.list_sessions()] == [SID]
    log = await client.action_log(SID)
    assert log[0].type == "goto" and log[0].params["url"] == "https://example.com"
    assert (await client.health(SID)).ok
    closed = await client.close_session(SID)
    assert closed.status is SessionStatus.CLOSED
    assert set(fake_notte.auth) == {"Bearer sk-test"}
    await client.aclose()


async def test_cloud_says_what_it_lacks(fake_notte):
    client = make_client(fake_notte)
    await client.start()
    assert not client.capabilities.console and "console" in client.capabilities.reason("console")
    for call in (
        client.console(SID),
        client.network(SID),
        client.set_paused(SID, True),
        client.step(SID, StepRequest(type="command", cmd="buy shoes")),
    ):
        with pytest.raises(Unsupported):
            await call
    with pytest.raises(Unsupported):
        async for _ in client.events(SID):
            pass
    assert not fake_notte.hits  # nothing was sent
    await client.aclose()


async def test_missing_key_names_the_variable(fake_notte, monkeypatch):
    monkeypatch.delenv("NOTTE_API_KEY", raising=False)
    client = make_client(fake_notte, key=None)
    with pytest.raises(AuthError) as err:
        await client.start()
    assert "NOTTE_API_KEY" in err.value.hint


STEP = ("POST", f"/sessions/{SID}/page/execute")
READ = ("GET", f"/sessions/{SID}")


@pytest.mark.parametrize(
    ("route", "reply", "error", "hits"),
    [
        (STEP, Reply(401, {"detail": "Invalid API key"}), AuthError, 1),
        (STEP, Reply(403, {"detail": "Forbidden"}), AuthError, 1),
        (STEP, Reply(402, {"detail": "Out of credits"}), BillingError, 1),
        (STEP, Reply(404, {"detail": "Session not found"}), SessionNotFound, 1),
        (STEP, Reply(410, {"detail": "Session closed"}), SessionGone, 1),
        (
            STEP,
            Reply(422, {"detail": [{"loc": ["body", "id"], "msg": "bad id"}]}),
            InvalidRequest,
            1,
        ),
        (STEP, Reply(400, {"message": "bad input"}), InvalidRequest, 1),
        (STEP, Reply(429, {"detail": "slow down"}, headers={"retry-after": "0"}), RateLimited, 1),
        (STEP, Reply(500, {"detail": "boom"}), ServerError, 1),
        (STEP, Reply(503, b"<html>down</html>"), ServerError, 1),
        (STEP, Reply(drop=True), Unreachable, 1),
        (STEP, Reply(200, b'{"started_at": "2026-01-0'), BadResponse, 1),
        (STEP, Reply(200, b"not json"), BadResponse, 1),
        (STEP, Reply(200, {"unexpected": True}), BadResponse, 1),
        (READ, Reply(404, {"detail": "Session not found"}), SessionNotFound, 1),
        (READ, Reply(429, {"detail": "slow down"}, headers={"retry-after": "0"}), RateLimited, 3),
        (READ, Reply(502, {"detail": "bad gateway"}), ServerError, 3),
        (READ, Reply(drop=True), Unreachable, 3),
        (READ, Reply(200, b"{truncated"), BadResponse, 1),
    ],
)
async def test_faults_become_typed_errors(fake_notte, route, reply, error, hits):
    fake_notte.on(*route, reply)
    client = make_client(fake_notte)
    await client.start()
    with pytest.raises(error) as err:
        if route is STEP:
            await client.step(SID, StepRequest(type="click", id="L1"))
        else:
            await client.get_session(SID)
    assert fake_notte.hits[route] == hits  # a step is never sent twice
    assert err.value.message
    if error is AuthError:
        assert "NOTTE_API_KEY" in err.value.hint
    if reply.status == 422:
        assert "id: bad id" in err.value.message
    await client.aclose()


async def test_slow_step_times_out_once(fake_notte):
    fake_notte.on(
        *STEP, Reply(body=EXECUTED, delay=10.0)
    )  # far past the timeout, even on a loaded machine
    client = make_client(fake_notte, timeout=0.3)
    client.step_timeout = 0.3
    await client.start()
    with pytest.raises(StepTimeout):
        await client.step(SID, StepRequest(type="click", id="L1"))
    assert fake_notte.hits[STEP] == 1
    await client.aclose()


async def test_slow_read_is_retried_then_times_out(fake_notte):
    fake_notte.on(*READ, Reply(body=SESSION, delay=10.0))
    client = make_client(fake_notte, timeout=0.2)
    await client.start()
    with pytest.raises(StepTimeout):
        await client.get_session(SID)
    assert fake_notte.hits[READ] == 3
    await client.aclose()
