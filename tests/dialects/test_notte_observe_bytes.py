"""The observe answer is serialised once, straight from the observation: the same JSON as
the model built action by action, and valid for notte-sdk 1.10's own Observation model."""

from __future__ import annotations

import json

from tui.dialects.notte.models import ObserveResponse
from tui.model import Action, Observation, PageMeta, Param, Tab, Viewport


def observation() -> Observation:
    return Observation(
        metadata=PageMeta(
            title="Shop",
            url="http://shop.test/",
            viewport=Viewport(scroll_y=40, page_height=3000),
            tabs=[Tab(index=0, url="http://shop.test/", title="Shop", active=True)],
        ),
        actions=[
            Action(id="L1", description="AirPods Pro", role="link", href="http://shop.test/p/1"),
            Action(id="B1", description="Add to cart", role="button", category="Form: cart"),
            Action(id="B2", description="Remember me", role="checkbox", checked=True),
            Action(id="B3", description="Standard", role="radio", checked=False),
            Action(
                id="I1",
                description="Search",
                role="searchbox",
                value="kindle",
                params=[Param(name="value", type="search")],
            ),
            Action(
                id="I2",
                description="Size",
                role="combobox",
                value="Small",
                params=[
                    Param(name="value", type="options", default="Small", values=["Small", "Large"])
                ],
            ),
            Action(id="M1", role="generic"),
        ],
        markdown="[L1 AirPods Pro] [B1 Add to cart]",
        screenshot=b"\x89PNG fake",
        description="A shop",
    )


def comparable(data: dict) -> dict:
    return {k: v for k, v in data.items() if k not in ("started_at", "ended_at")}


def test_bytes_match_the_model_answer():
    obs = observation()
    built = json.loads(ObserveResponse.from_observation(obs).model_dump_json())
    fast = json.loads(ObserveResponse.json_bytes(obs))
    assert comparable(fast) == comparable(built)
    assert [a["type"] for a in fast["space"]["interaction_actions"]] == [
        "click",
        "click",
        "check",
        "click",
        "fill",
        "select_dropdown_option",
        "click",
    ]
    limited = json.loads(ObserveResponse.json_bytes(obs, max_actions=2))
    assert [a["id"] for a in limited["space"]["interaction_actions"]] == ["L1", "B1"]
    # and it reads back as the same observation
    back = ObserveResponse.model_validate_json(ObserveResponse.json_bytes(obs)).to_observation()
    assert [a.id for a in back.actions] == [a.id for a in obs.actions]
    assert back.actions[5].params[0].values == ["Small", "Large"]


def test_bytes_are_a_notte_sdk_observation():
    from notte_core.browser.observation import Observation as SdkObservation

    sdk = SdkObservation.model_validate(json.loads(ObserveResponse.json_bytes(observation())))
    assert [a.id for a in sdk.space.interaction_actions] == [
        "L1",
        "B1",
        "B2",
        "B3",
        "I1",
        "I2",
        "M1",
    ]
    assert sdk.metadata.url == "http://shop.test/"


def test_execute_bytes_match_the_model_answer():
    from datetime import UTC, datetime

    from tui.dialects.notte.actions import ExecutionRequest, ExecutionResponse
    from tui.model import StepRequest, StepResult, StepStatus

    now = datetime.now(UTC)
    body = ExecutionRequest(type="click", id="B1")
    for obs in (observation(), None):
        result = StepResult(
            status=StepStatus.CONTINUE,
            success=True,
            message="clicked B1",
            request=StepRequest(id="B1"),
            observation=obs,
            started_at=now,
            ended_at=now,
        )
        built = json.loads(ExecutionResponse.from_result(result, body).model_dump_json())
        fast = json.loads(ExecutionResponse.json_bytes(result, body))
        if obs is not None:  # the page's own timestamps are when it was answered
            built["observation"] = comparable(built["observation"])
            fast["observation"] = comparable(fast["observation"])
        assert fast == built
        assert (fast["observation"] is None) == (obs is None)


def test_a_big_page_goes_out_whole_and_in_order():
    """More actions than one serialisation call takes, and page text that spells the key."""
    from tui.dialects.notte.models import ACTIONS_PER_CALL

    obs = observation()
    many = ACTIONS_PER_CALL * 2 + 3
    obs.actions = [
        Action(id=f"B{i}", description=f"Row {i}", role="button") for i in range(1, many + 1)
    ]
    obs.markdown = 'He typed "interaction_actions":[] and {"interaction_actions":[]}'
    built = json.loads(ObserveResponse.from_observation(obs).model_dump_json())
    fast = json.loads(ObserveResponse.json_bytes(obs))
    assert comparable(fast) == comparable(built)
    assert [a["id"] for a in fast["space"]["interaction_actions"]] == [
        f"B{i}" for i in range(1, many + 1)
    ]
    assert fast["markdown"] == obs.markdown
    obs.actions = []
    assert json.loads(ObserveResponse.json_bytes(obs))["space"]["interaction_actions"] == []
