"""ThinkRun's client against seed 004's documented bodies, served on loopback.

Health, artifacts, the accessibility-tree snapshot (POST), select/press/scroll, and a
404 for a selector that matches nothing (a failed step, not a lost session).
"""

from __future__ import annotations

import pytest

from tests.dialects.conftest import Reply
from tui.dialects import build_provider
from tui.model import SessionStatus, StepRequest

pytestmark = pytest.mark.asyncio

SID = "session-abc123"
DETAIL = {
    "sessionId": SID,
    "status": "running",
    "currentUrl": "https://example.com/",
    "title": "Example Domain",
    "actionCount": 15,
    "screenshotCount": 3,
    "duration": 45000,
}
HEALTH = {
    "status": "healthy",
    "sessionState": "running",
    "browserResponsive": True,
    "currentUrl": "https://example.com/",
}
ARTIFACTS = {
    "artifacts": [
        {
            "objectId": "obj-1",
            "type": "screenshot",
            "publicUrl": "https://cdn.example/1.png",
            "timestamp": "2026-03-01T10:00:00Z",
        },
        {
            "objectId": "obj-2",
            "type": "recording",
            "publicUrl": "https://cdn.example/r.webm",
            "timestamp": "2026-03-01T10:05:00Z",
        },
    ]
}
TREE = {
    "success": True,
    "url": "https://example.com/",
    "title": "Example Domain",
    "snapshot": {
        "role": "RootWebArea",
        "name": "Example Domain",
        "children": [
            {"role": "heading", "name": "Example Domain"},
            {"role": "link", "name": "More information..."},
            {"role": "combobox", "name": "Size", "value": "M"},
            {"role": "button", "name": 'Say "hi"'},
        ],
    },
}
OK = {"success": True, "url": "https://example.com/", "title": "Example Domain"}


@pytest.fixture
def thinkrun(misbehaving, provider_config):
    # the last registered of overlapping paths wins
    for path, body in (("", DETAIL), ("/health", HEALTH), ("/artifacts", ARTIFACTS)):
        misbehaving.on("GET", f"/api/sessions/{SID}{path}", Reply(body=body))
    misbehaving.on("POST", "/snapshot", Reply(body=TREE))
    misbehaving.on("POST", "/screenshot", Reply(body={"success": True, "screenshot": ""}))
    for endpoint in ("select", "press", "scroll", "fill"):
        misbehaving.on("POST", f"/{endpoint}", Reply(body=OK))
    misbehaving.on("POST", "/click", Reply(404, {"success": False, "error": "Element not found"}))
    return misbehaving, build_provider(provider_config("thinkrun", misbehaving.url))


async def test_the_seeds_health_and_artifacts_read_right(thinkrun):
    _, client = thinkrun
    try:
        health = await client.health(SID)
        assert health.ok and health.status is SessionStatus.ACTIVE
        assert health.checks["browser_responsive"] is True
        artifacts = await client.artifacts(SID)
        assert [(a.objectId, a.type) for a in artifacts.artifacts] == [
            ("obj-1", "screenshot"),
            ("obj-2", "recording"),
        ]
        assert artifacts.artifacts[0].publicUrl == "https://cdn.example/1.png"
    finally:
        await client.aclose()


async def test_steps_go_to_select_press_scroll_and_a_missing_selector_fails_the_step(thinkrun):
    server, client = thinkrun
    try:
        obs = await client.observe(SID, screenshot=False)
        assert [(a.id, a.selector) for a in obs.actions] == [
            ("L1", 'role=link[name="More information..."]'),
            ("I1", 'role=combobox[name="Size"]'),
            ("B1", 'role=button[name="Say \\"hi\\""]'),
        ]
        assert "# Example Domain" in obs.markdown
        assert (await client.step(SID, StepRequest(type="select", id="I1", value="XL"))).success
        assert (await client.step(SID, StepRequest(type="press_key", key="Escape"))).success
        assert (await client.step(SID, StepRequest(type="scroll_down"))).success
        failed = await client.step(SID, StepRequest(id="L1"))
        assert not failed.success and "Element not found" in failed.message
        assert (await client.get_session(SID)).status is SessionStatus.ACTIVE
    finally:
        await client.aclose()
    sent = [(m, p.rsplit("/", 1)[-1], b) for m, p, b in server.bodies if m == "POST"]
    assert ("POST", "select", {"selector": 'role=combobox[name="Size"]', "value": "XL"}) in sent
    assert ("POST", "press", {"key": "Escape"}) in sent
    assert ("POST", "scroll", {"direction": "down"}) in sent
    assert not any(p == "snapshot" and m == "GET" for m, p, _ in server.bodies)
