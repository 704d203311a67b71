"""The notte_env client against the official first-API SDKs' own models (notte 1.3.0, 1.1.1).

Answers built from the SDK's response models (and seed 003's flat body) are served on
loopback; every request the client sends is parsed by the SDK's request models in
.venv-notte-env (tests/sdk/notte_env_driver.py).
"""

from __future__ import annotations

import pytest

from tests.dialects.conftest import Reply
from tests.sdk.oracle import run_driver
from tui.dialects import build_provider
from tui.errors import Unsupported
from tui.model import CreateSession, StepRequest

VERSIONS = {"1.3.0": [], "1.1.1": ["--v111"]}

SEED_FLAT = {  # seed 003's documented answer
    "session_id": "s-1",
    "title": "Form page",
    "url": "https://example.com/form",
    "timestamp": "2025-01-10T10:00:00Z",
    "screenshot": None,
    "data": {"markdown": "# Sign up"},
    "space": {
        "description": "A sign-up form",
        "actions": [
            {"id": "I1", "description": "Your name", "category": "Form"},
            {"id": "S1", "description": "Goto", "category": "Special Browser Actions"},
        ],
    },
}


def sdk_bodies(version: str) -> dict:
    return run_driver("notte-env", "notte_env_driver", "responses", *VERSIONS[version])


def sdk_parses(version: str, bodies: dict[str, list]) -> dict[str, list]:
    """Each body parsed by the named SDK request model: None, or the SDK's error."""
    return run_driver("notte-env", "notte_env_driver", "validate", *VERSIONS[version], stdin=bodies)


async def _client(misbehaving, provider_config, observe_body):
    misbehaving.on("POST", "/session/start", Reply(body=observe_body["session"]))
    misbehaving.on("POST", "/env/", Reply(body=observe_body))
    misbehaving.on("POST", "/session/close", Reply(body=observe_body["session"]))
    client = build_provider(provider_config("notte_env", misbehaving.url))
    session = await client.create_session(CreateSession(url="https://example.com/form"))
    return client, session


@pytest.mark.parametrize("version", list(VERSIONS))
async def test_the_client_reads_the_sdks_nested_answers_and_the_seeds_flat_one(
    misbehaving, provider_config, version
):
    bodies = sdk_bodies(version)
    client, session = await _client(misbehaving, provider_config, bodies["observe"])
    try:
        obs = await client.observe(session.id)
        assert obs.metadata.title == "Form page"
        assert [a.id for a in obs.actions] == ["I1"]
        assert obs.description == "A sign-up form"
        assert obs.markdown == "# Sign up"
        # every optional part null: still an observation
        misbehaving.on("POST", "/env/observe", Reply(body=bodies["minimal"]))
        obs = await client.observe(session.id)
        assert obs.metadata.title == "Form page" and obs.actions == []
        misbehaving.on("POST", "/env/observe", Reply(body=SEED_FLAT))
        obs = await client.observe(session.id)
        assert obs.metadata.url == "https://example.com/form"
        assert [a.id for a in obs.actions] == ["I1"]
    finally:
        await client.aclose()


@pytest.mark.parametrize("version", list(VERSIONS))
async def test_every_request_the_client_sends_parses_with_the_sdks_request_models(
    misbehaving, provider_config, version
):
    bodies = sdk_bodies(version)
    client, session = await _client(misbehaving, provider_config, bodies["observe"])
    v13 = version == "1.3.0"
    try:
        await client.observe(session.id)
        await client.step(session.id, StepRequest(id="I1", value="Ada", enter=True))
        await client.step(session.id, StepRequest(type="check", id="B2"))
        await client.step(session.id, StepRequest(type="uncheck", id="B2"))
        await client.step(session.id, StepRequest(type="wait", value="500"))
        await client.step(session.id, StepRequest(type="goto", url="https://example.com/b"))
        if v13:
            await client.step(session.id, StepRequest(type="scroll_down"))
            await client.step(session.id, StepRequest(type="press_key", key="Enter"))
            await client.step(session.id, StepRequest(type="switch_tab", index=1))
        else:  # seed 003 / 1.1.1 have no such actions: refused, not sent by name
            for step in (StepRequest(type="scroll_down"), StepRequest(type="press_key", key="a")):
                with pytest.raises(Unsupported):
                    await client.step(session.id, step)
        with pytest.raises(Unsupported):
            await client.step(session.id, StepRequest(type="click_xy", x=3, y=4))
        misbehaving.on("POST", "/env/scrape", Reply(body=bodies["observe"]))
        await client.scrape(session.id)
        if v13:
            schema = {
                "$defs": {"P": {"properties": {"name": {"type": "string"}}, "type": "object"}},
                "properties": {"products": {"items": {"$ref": "#/$defs/P"}, "type": "array"}},
                "type": "object",
            }
            with pytest.raises(Unsupported):  # this canned answer has no structured data
                await client.scrape(session.id, schema=schema)
    finally:
        await client.aclose()
    sent = {path: [] for path in ("/session/start", "/env/observe", "/env/step", "/env/scrape")}
    for _method, path, body in misbehaving.bodies:
        if path in sent:
            sent[path].append(body)
    steps = sent["/env/step"]
    by_action = [(s["action_id"], s.get("value")) for s in steps]
    wait_id = "S11" if v13 else "S7"
    assert (wait_id, "500" if v13 else "0.5") in by_action  # S7 waits seconds, S11 ms
    assert ("B2", "true") in by_action and ("B2", "false") in by_action
    assert ("S1", "https://example.com/b") in by_action
    if v13:
        assert ("S10", None) in by_action and ("S8", "Enter") in by_action
        assert ("S7", "1") in by_action  # switch tab
        assert all(s.get("max_steps") for s in steps)
        assert "$defs" not in str(sent["/env/scrape"][-1]["response_format"])
    else:
        assert all("max_steps" not in s for s in steps)
    models = {
        "/session/start": "SessionRequest",
        "/env/observe": "ObserveRequest",
        "/env/step": "StepRequest",
        "/env/scrape": "ScrapeRequest",
    }
    assert all(sent[path] for path in models), sent
    errors = sdk_parses(version, {model: sent[path] for path, model in models.items()})
    for path, model in models.items():
        assert errors[model] == [None] * len(sent[path]), (path, errors[model])


def test_the_server_reads_s_ids_in_the_numbering_of_the_sdk_that_sent_them():
    from tui.dialects.notte_env.routes import neutral_step

    assert neutral_step("S7", "2", None).value == "2000"  # seed / 1.1.1: seconds
    assert neutral_step("S11", "300", None, "v13").value == "300"  # 1.3.0: ms
    assert neutral_step("S7", "1", None, "v13").type == "switch_tab"
    assert neutral_step("S10", None, None, "v13").type == "scroll_down"
    assert neutral_step("B2", "false", None).type == "uncheck"
    assert neutral_step("B2", "true", None).type == "check"
