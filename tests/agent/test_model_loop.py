"""The model loop against a scripted OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import dataclasses
import json

import pytest

from tests.agent.conftest import element_id
from tui.engine.llm import LLMConfig
from tui.model import StepStatus

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_model_drives_the_shop_and_bad_answers_are_retried_not_executed(shop, scripted_model):
    scripted_model.script = [
        "I think you should search for AirPods.",  # not JSON
        '{"action": "click", "id": "L99"}',  # no such element
        lambda m: json.dumps(
            {
                "action": "fill",
                "id": element_id(m, "Search products"),
                "value": "AirPods Pro",
                "enter": True,
            }
        ),
        lambda m: (
            "```json\n"
            + json.dumps({"action": "click", "id": element_id(m, "AirPods Pro", "L")})
            + "\n```"
        ),
        '{"action": "done", "message": "Opened the AirPods Pro page."}',
    ]
    r = await shop.command("find AirPods Pro and open its page")
    assert r.status == StepStatus.DONE, r.message
    assert r.observation.metadata.title == "AirPods Pro - Stepdeck Store"
    assert "Opened the AirPods Pro page." in r.message

    calls = [s for s in r.steps if s.type == "llm"]
    assert len(calls) == 5 and [c.success for c in calls] == [False, False, True, True, True]
    assert "no JSON" in calls[0].error and "'L99'" in calls[1].error
    assert [s.type for s in r.steps if s.type != "llm"] == ["fill", "click"]

    # What the model was told: the task and page first, then each problem with its answer.
    sent = scripted_model.received
    assert sent[0]["model"] == "scripted-1" and scripted_model.auth[0] == "Bearer test-key"
    first = sent[0]["messages"]
    assert first[0]["role"] == "system" and "Task: find AirPods Pro" in first[1]["content"]
    assert "Search products" in first[1]["content"]
    assert "not usable" in sent[1]["messages"][-1]["content"]
    assert "there is no element 'L99'" in sent[2]["messages"][-1]["content"]
    # The session's log holds every model call and only the two good actions.
    log = await shop.provider.action_log(shop.id)
    assert [e.type for e in log] == ["llm", "llm", "llm", "fill", "llm", "click", "llm"]
    assert [e.index for e in log] == list(range(7))


async def test_model_that_never_answers_json_gives_up(shop, scripted_model):
    scripted_model.script = ["nope", "[1, 2]", '{"id": "B1"}']
    r = await shop.command("buy me a laptop")
    assert r.status == StepStatus.ERROR and not r.success
    assert "3 unusable answers" in r.message
    assert [s.type for s in r.steps] == ["llm", "llm", "llm"]
    assert [e.type for e in await shop.provider.action_log(shop.id)] == ["llm"] * 3


async def test_model_can_ask_the_person_and_hears_the_answer(shop, scripted_model):
    scripted_model.script = [
        '{"action": "ask_user", "message": "Which colour do you want?"}',
        '{"action": "done", "message": "Noted: blue."}',
    ]
    r = await shop.command("buy headphones in my favourite colour")
    assert r.status == StepStatus.ASK_USER and "Which colour" in r.message
    r = await shop.command("blue")
    assert r.status == StepStatus.DONE and "Noted: blue." in r.message
    conversation = scripted_model.received[-1]["messages"]
    assert "Task: buy headphones" in conversation[1]["content"]  # the same conversation
    assert conversation[-1]["content"].startswith("The person answered: blue")


async def test_model_stops_at_max_steps(shop, scripted_model):
    shop.provider.llm = dataclasses.replace(scripted_model.config, max_steps=2)
    scripted_model.script = ['{"action": "scroll_down"}'] * 3
    r = await shop.command("read the whole page")
    assert r.status == StepStatus.CONTINUE and "after 2 steps" in r.message
    assert len(scripted_model.received) == 2
    # A request's own budget wins (MultiOn's browse sends max_steps).
    scripted_model.script = ['{"action": "scroll_up"}'] * 3
    r = await shop.command("read the whole page", max_steps=1)
    assert r.status == StepStatus.CONTINUE and "after 1 step (max_steps)" in r.message


async def test_destructive_step_from_the_model_waits_for_confirmation(shop, scripted_model):
    await shop.goto("/social")
    scripted_model.script = [
        lambda m: json.dumps(
            {"action": "fill", "id": element_id(m, "What's happening?"), "value": "Hi from a model"}
        ),
        lambda m: json.dumps({"action": "click", "id": element_id(m, "Publish")}),
        '{"action": "done", "message": "Posted."}',
    ]
    r = await shop.command("write something nice on my timeline")
    assert r.status == StepStatus.ASK_USER and r.candidates == ["yes", "no"]
    assert "Your post is published" not in r.observation.markdown
    r = await shop.command("yes")
    assert r.status == StepStatus.DONE, r.message
    assert "Hi from a model" in r.observation.markdown
    assert "The person confirmed" in scripted_model.received[-1]["messages"][-1]["content"]


async def test_unreachable_model_is_a_clear_error(shop):
    shop.provider.llm = LLMConfig("http://127.0.0.1:9/v1")
    r = await shop.command("open the cart")
    assert r.status == StepStatus.ERROR and "Cannot reach the model" in r.message
