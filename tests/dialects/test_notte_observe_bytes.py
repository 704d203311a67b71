"""The observe answer is serialised once, straight from the observation: the same JSON as
the model built action by action, and valid for notte-sdk 1.10's own Observation model."""

from __future__ import annotations

import json
from typing import Any

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


def step_result(message: str, request: Any, obs: Any = None) -> Any:
    """A successful step's result, answered now."""
    from datetime import UTC, datetime

    from tui.model import StepResult, StepStatus

    now = datetime.now(UTC)
    return StepResult(
        status=StepStatus.CONTINUE,
        success=True,
        message=message,
        request=request,
        observation=obs,
        started_at=now,
        ended_at=now,
    )


def test_execute_bytes_match_the_model_answer():
    from tui.dialects.notte.actions import ExecutionRequest, ExecutionResponse
    from tui.model import StepRequest

    body = ExecutionRequest(type="click", id="B1")
    for obs in (observation(), None):
        result = step_result("clicked B1", StepRequest(id="B1"), obs)
        built = json.loads(ExecutionResponse.from_result(result, body).model_dump_json())
        fast = json.loads(ExecutionResponse.json_bytes(result, body))
        if obs is not None:  # the page's own timestamps are when it was answered
            built["observation"] = comparable(built["observation"])
            fast["observation"] = comparable(fast["observation"])
        assert fast == built
        assert (fast["observation"] is None) == (obs is None)


def test_a_big_page_goes_out_whole_and_in_order():
    """Thousands of actions, and page text that spells the key the actions are put under."""
    obs = observation()
    many = 1203
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


# Page text as pages write it: every control character, quotes, backslashes, JSON-looking
# text, line and paragraph separators, non-Latin text and emoji.
AWKWARD = [
    "",
    "".join(chr(c) for c in range(0x20)) + "\x7f",
    'say "hi" \\ back\\slash \\"',
    '{"type":"click","id":"B9"}',
    "line\u2028para\u2029end",
    "Kindle 🔥 日本語 ünïcödé",
    " padded ",
]


def awkward_actions() -> list[Action]:
    """Every way an element maps to Notte's action kinds, with awkward text in every field."""
    actions = []
    roles = ["link", "button", "checkbox", "Switch", "radio", "RADIO", "", "combobox", "textbox"]
    for i, text in enumerate(AWKWARD * 3):
        role = roles[i % len(roles)]
        checked = (None, True, False)[i % 3]
        params: list[Param] = []
        if i % 4 == 1:
            params = [Param(name=text or "value", type="text", default=text or None)]
        elif i % 4 == 2:
            params = [
                Param(name="value", type="options", values=[text, "Large"]),
                Param(name=text, type=text),
            ]
        actions.append(
            Action(
                id=f"{'LBIM'[i % 4]}{i}{text[:2]}",
                description=text,
                category=AWKWARD[(i + 1) % len(AWKWARD)],
                role=role,
                checked=checked,
                value=[None, "", text][i % 3],
                params=params,
            )
        )
    return actions


def test_the_written_actions_are_pydantics_json_byte_for_byte():
    """`actions_json` writes Notte's actions itself (faster than a dict per action): the
    same bytes as pydantic's JSON of `interaction_fields`, for awkward text in every field."""
    import pydantic_core

    from tui.dialects.notte.models import actions_json, interaction_fields

    actions = awkward_actions()
    assert actions_json(actions) == pydantic_core.to_json([interaction_fields(a) for a in actions])
    assert actions_json([]) == b"[]"
    kinds = {a["type"] for a in json.loads(actions_json(actions))}
    assert kinds == {"click", "check", "fill", "select_dropdown_option"}


def test_awkward_actions_are_a_notte_sdk_observation():
    from notte_core.browser.observation import Observation as SdkObservation

    obs = observation()
    obs.actions = awkward_actions()
    obs.markdown = AWKWARD[1] + AWKWARD[2]
    sdk = SdkObservation.model_validate_json(ObserveResponse.json_bytes(obs))
    assert [a.id for a in sdk.space.interaction_actions] == [a.id for a in obs.actions]
    assert [a.text_label for a in sdk.space.interaction_actions] == [
        a.description or None for a in obs.actions
    ]


def test_the_space_description_counts_each_kind():
    from tui.dialects.notte.models import describe_space

    obs = observation()
    obs.actions = [Action(id=i) for i in ["L1", "l2", "B1", "I1", "F1", "O1", "M1", "X1", "M2"]]
    assert describe_space(obs) == (
        "Shop: 9 actions (2 links, 1 button, 1 input, 1 figure, 1 option, 3 others)"
    )


def test_page_step_bytes_match_the_model_answer():
    """Notte's 2025 `page/step` answer, its actions written directly: the same JSON as the
    model built action by action, awkward text and all."""
    from tui.dialects.notte.pages import PageStepResponse
    from tui.model import BROWSER_ACTIONS, Session, StepRequest

    session = Session(id="s1", steps=3)
    result = step_result("scrolled", StepRequest(type="scroll_down"))
    obs = observation()
    obs.actions = awkward_actions()
    obs.browser_actions = list(BROWSER_ACTIONS)
    for description in ("A shop", ""):
        obs.description = description
        built = json.loads(PageStepResponse.build(session, result, obs).model_dump_json())
        fast = json.loads(PageStepResponse.json_bytes(session, result, obs))
        fast["metadata"].pop("timestamp"), built["metadata"].pop("timestamp")
        assert fast == built
        assert [a["id"] for a in fast["space"]["actions"]] == [a.id for a in obs.actions]
        assert fast["space"]["browser_actions"]
    assert fast["space"]["description"].startswith("Shop: 21 actions")
    obs.actions = []
    assert json.loads(PageStepResponse.json_bytes(session, result, obs))["space"]["actions"] == []


def test_notte_env_answers_serialise_as_fastapi_did():
    """Notte's first API (`/env/observe`, `/env/step`) is now serialised in a worker thread
    with pydantic's `to_json` instead of FastAPI's encoder on the event loop: the same JSON."""
    from fastapi.encoders import jsonable_encoder
    from pydantic_core import to_json

    from tui.dialects.notte_env.routes import observe_response
    from tui.model import Session

    obs = observation()
    obs.actions = awkward_actions()
    obs.markdown = AWKWARD[1] + AWKWARD[2]
    for space in (True, False):
        body = observe_response(Session(id="s1", steps=2), obs, screenshot=True, space=space)
        assert json.loads(to_json(body)) == jsonable_encoder(body)
    served = json.loads(to_json(observe_response(Session(id="s1"), obs, screenshot=False)))
    assert [a["id"] for a in served["space"]["actions"]] == [a.id for a in obs.actions]
