"""The MultiOn client against the official `multion` 1.3.8 SDK (in .venv-multion).

Answers the SDK reads (nulls, extra fields) are served on loopback; every request the
client sends is made again through the SDK with the same arguments, and must be the
body the SDK itself sends (an argument the SDK does not take fails there).
"""

from __future__ import annotations

import pytest

from tests.dialects.conftest import Reply
from tests.sdk.oracle import run_driver
from tui.dialects import build_provider
from tui.model import CreateSession, StepRequest, StepStatus

pytestmark = pytest.mark.asyncio


async def test_the_client_reads_null_screenshots_and_extra_fields(misbehaving, provider_config):
    bodies = run_driver("multion", "multion_driver", "responses")
    misbehaving.on("POST", "/session", Reply(body=bodies["created"]))
    misbehaving.on("POST", "/session/s-1", Reply(body=bodies["step"]))  # first match wins
    client = build_provider(provider_config("multion", misbehaving.url))
    try:
        session = await client.create_session(CreateSession(url="https://a.b/"))
        assert session.id == "s-1"
        result = await client.step(session.id, StepRequest(type="command", cmd="buy it"))
        assert result.status == StepStatus.ASK_USER
        assert result.message == "Which size?"
        misbehaving.on("GET", "/screenshot/s-1", Reply(body={"screenshot": None}))
        obs = await client.observe(session.id)  # no screenshot: said, not a parse error
        assert obs.screenshot is None and "no screenshot" in obs.note
    finally:
        await client.aclose()


async def test_every_request_the_client_sends_is_the_one_the_sdk_sends(
    misbehaving, provider_config
):
    ok = {"status": "DONE", "message": "done", "session_id": "s-1", "url": "https://a.b/"}
    misbehaving.on("POST", "/session", Reply(body={**ok, "status": "CONTINUE", "screenshot": ""}))
    misbehaving.on("POST", "/session/s-1", Reply(body={**ok, "screenshot": ""}))
    misbehaving.on("POST", "/retrieve", Reply(body={**ok, "data": [{"title": "A"}]}))
    misbehaving.on("POST", "/browse", Reply(body={**ok, "screenshot": ""}))
    client = build_provider(provider_config("multion", misbehaving.url))
    try:
        session = await client.create_session(
            CreateSession(url="https://a.b/", viewport_width=1024, viewport_height=700)
        )
        await client.step(session.id, StepRequest(type="command", cmd="open the cart"))
        await client.step(session.id, StepRequest(type="goto", url="https://a.b/c"))
        await client.scrape(session.id, schema={"type": "object", "properties": {"title": {}}})
    finally:
        await client.aclose()
    calls = []
    for method, path, body in misbehaving.bodies:
        if method != "POST" or not isinstance(body, dict):
            continue
        if path.endswith("/session"):
            calls.append(["create", body])
        elif "/session/" in path:
            name = "step_stream" if body.get("stream") else "step"
            sent = {k: v for k, v in body.items() if k != "stream"}
            calls.append([name, {"session_id": path.rsplit("/", 1)[1], **sent}])
        elif path.endswith(("/retrieve", "/browse")):
            calls.append([path.rsplit("/", 1)[1], body])
    assert {c[0] for c in calls} >= {"create", "step", "retrieve"}
    out = run_driver("multion", "multion_driver", "resend", stdin={"calls": calls})
    for (name, ours), theirs in zip(calls, out["results"], strict=True):
        assert "error" not in theirs, (name, ours, theirs)
        ours = {k: v for k, v in ours.items() if v is not None and k != "session_id"}
        sdk = {
            k: v
            for k, v in theirs["body"].items()
            if v is not None and k not in ("stream", "session_id")
        }
        assert ours == sdk, name
