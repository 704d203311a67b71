"""One registry of actions, one set of url rules, and steps that carry their client's id."""

from __future__ import annotations

from typing import get_args

import pytest

from tui.engine import actions, registry
from tui.engine.urls import complete_url, normalize_url
from tui.errors import InvalidRequest
from tui.model import BROWSER_ACTIONS, CreateSession, StepRequest, StepType

from .conftest import eventually, find

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_the_registry_names_every_step_type_and_the_engine_handles_each():
    assert set(get_args(StepType)) - {"command"} == set(registry.ACTIONS)
    assert set(actions.BROWSER_HANDLERS) == registry.BROWSER_NAMES
    # the space lists exactly the model's browser actions, in their order
    listed = [a.name for a in registry.ACTIONS.values() if a.in_space]
    assert listed == [a.name for a in BROWSER_ACTIONS]
    lines = registry.prompt_lines()
    assert (
        "goto(url): Go to a url" in lines and "fill(id, value): Type a value into an input" in lines
    )
    assert registry.spec("scroll_down").typed[0] == "scroll down"


async def test_url_rules_are_the_same_for_the_person_and_the_engine():
    for typed, full in [
        ("example.com", "https://example.com"),
        ("localhost:8000/x", "http://localhost:8000/x"),
        ("127.0.0.1:8390", "http://127.0.0.1:8390"),
        ("example.com:8080/x", "https://example.com:8080/x"),
        ("https://a.test/p", "https://a.test/p"),
    ]:
        assert complete_url(typed) == full
        assert normalize_url(typed) == full
    assert complete_url("/shop") == "/shop"  # the engine resolves it against the page
    assert normalize_url("/shop", base="http://h.test/a") == "http://h.test/shop"
    assert complete_url("javascript:alert(1)") == "javascript:alert(1)"  # refused by the engine
    with pytest.raises(InvalidRequest):
        normalize_url("javascript:alert(1)")


async def test_a_steps_events_carry_its_request_id(provider, pages_server):
    events = []
    unsubscribe = provider.engine.subscribe(events.append)
    try:
        s = await provider.create_session(CreateSession(url=f"{pages_server}/form.html"))
        obs = await provider.observe(s.id, screenshot=False)
        await provider.step(s.id, StepRequest(id=find(obs, "Click me").id, request_id="app-1"))
        await provider.step(s.id, StepRequest(type="scroll_down", request_id="other-7"))
        with pytest.raises(InvalidRequest):
            await provider.step(s.id, StepRequest(id="B99", request_id="app-2"))
        await eventually(lambda: len([e for e in events if e.kind == "step"]) >= 3, "3 steps")
    finally:
        unsubscribe()
    steps = [e for e in events if e.kind == "step" and e.session_id == s.id]
    assert [e.data["request_id"] for e in steps] == ["app-1", "other-7", "app-2"]
    assert [e.data["success"] for e in steps] == [True, True, False]
    log = await provider.action_log(s.id)
    assert all("request_id" not in entry.params for entry in log)  # not a parameter of the step
