"""One registry of actions, read by everything that names an action.

Every action in `tui.engine.registry` is: typed in the command bar (each of its forms
parses back to it), offered to the model (its example answer becomes that step),
dispatched by the engine (a handler), repeated by replay or explicitly not, and on
every dialect's wire either mapped or refused with a clear error. An action added to
the registry without all of these fails here.
"""

from __future__ import annotations

import json
import re

import pytest

from tui.dialects.multion.client import MultionClient
from tui.dialects.notte.actions import STEP_TO_NOTTE, ExecutionRequest
from tui.dialects.notte.pages import BROWSER_ACTION_IDS
from tui.dialects.notte_env.client import step_fields
from tui.dialects.notte_env.models import BROWSER_ACTIONS_V13, SPECIAL_ACTIONS
from tui.dialects.notte_env.routes import neutral_step
from tui.dialects.thinkrun.client import ThinkRunClient
from tui.engine import actions, registry
from tui.engine.agent.model_loop import MODEL_SYSTEM, _to_request
from tui.errors import InvalidRequest, Unsupported
from tui.model import Action, Observation, Param, StepRequest
from tui.records.export import REPLAYABLE
from tui.settings import ProviderConfig
from tui.ui.parse import parse_command

# What each placeholder of a typed form stands for in these tests.
_SAMPLES = {
    "ID": "B3",
    "VALUE": "hello",
    "OPTION": "Blue",
    "URL": "example.com",
    "ADDRESS": "example.com",
    "KEY": "Enter",
    "N": "2",
    "MS": "500",
}
# Actions deliberately absent from a place, and why (anything else must be there).
NOT_TYPED = {"click_xy"}  # a person clicks the screenshot
NOT_FOR_THE_MODEL = {"auto", "click_xy"}  # the model names click/fill/select; it sees no pixels
NOT_REPLAYED = {"scrape", "done"}  # they change nothing a replay must repeat


def _sample(name: str) -> StepRequest:
    """A complete step of each action, as a client would send it."""
    spec = registry.ACTIONS[name]
    fields: dict = {"type": name}
    if spec.element:
        fields["id"] = "B3"
    if spec.arg == "url":
        fields["url"] = "https://example.com/"
    elif spec.arg == "key":
        fields["key"] = "Enter"
    elif spec.arg == "index":
        fields["index"] = 1
    elif spec.arg == "value":
        fields["value"] = "500" if name == "wait" else "hello"
    if name == "click_xy":
        fields["x"], fields["y"] = 10.0, 20.0
    return StepRequest(**fields)


def test_every_typed_form_of_every_action_parses_back_to_it():
    for spec in registry.ACTIONS.values():
        if spec.name in NOT_TYPED:
            assert not spec.typed, spec.name
            continue
        assert spec.typed, f"{spec.name} has no command-bar form"
        for form in spec.typed:
            line = " ".join(_SAMPLES.get(w.strip("[]"), w.strip("[]")) for w in form.split())
            request = parse_command(line)
            assert request is not None and request.type == spec.name, (form, line, request)
            if spec.arg and any(w.strip("[]").isupper() and w != "ID" for w in form.split()):
                assert getattr(request, spec.arg) is not None, (form, request)
    # a form's optional part may be left out; a placeholder that does not fit is a command
    assert parse_command("close tab").type == "close_tab"
    assert parse_command("close tab x").type == "command"
    assert parse_command("open airpods").type == "command"


def test_every_action_for_the_model_is_in_its_prompt_and_its_answer_becomes_the_step():
    obs = Observation(
        actions=[
            Action(id="B3", description="Buy"),
            Action(id="I1", description="Search", params=[Param(name="value")]),
        ]
    )
    answers = {
        json.loads(m.group(1))["action"]: json.loads(m.group(1))
        for m in re.finditer(r"^(\{.*?\})(?:\s|$)", MODEL_SYSTEM, re.M)
    }
    for spec in registry.ACTIONS.values():
        if spec.name in NOT_FOR_THE_MODEL:
            assert not spec.model and spec.name not in answers, spec.name
            continue
        assert spec.name in answers, f"{spec.name} is not in the model's prompt"
        request, terminal, _ = _to_request(answers[spec.name], obs)
        if spec.name == "done":  # the model's done ends its loop
            assert terminal == "done"
            continue
        assert request is not None and request.type == spec.name, spec.name
        if spec.arg and spec.params:
            assert getattr(request, spec.arg) not in (None, ""), (spec.name, request)
    with pytest.raises(ValueError, match="unknown action"):
        _to_request({"action": "click_xy", "x": 1, "y": 2}, obs)


def test_the_engine_dispatches_every_action_and_replay_repeats_what_changes_the_page():
    dispatched = set(actions.BROWSER_HANDLERS) | registry.ELEMENT_NAMES
    assert dispatched == set(registry.ACTIONS)
    assert set(registry.ACTIONS) - REPLAYABLE == NOT_REPLAYED


async def test_every_dialect_maps_or_refuses_every_action():
    refused: dict[str, set[str]] = {"multion": set(), "thinkrun": set()}
    refused |= {"notte_env seed": set(), "notte_env v13": set()}
    multion = MultionClient(ProviderConfig(name="m", dialect="multion", base_url="http://x"))
    thinkrun = ThinkRunClient(ProviderConfig(name="t", dialect="thinkrun", base_url="http://x"))
    # ThinkRun addresses elements by selector: the last observation knows B3's
    thinkrun._has_snapshot = True
    thinkrun._pages["s1"] = Observation(actions=[Action(id="B3", selector="#buy")])
    try:
        for name in registry.ACTIONS:
            step = _sample(name)
            # Notte (current API): every action has a name on the wire, and comes back as itself
            wire = ExecutionRequest.from_step(step).wire()
            assert wire["type"] == STEP_TO_NOTTE[name]
            back = ExecutionRequest.model_validate(wire).to_step()
            assert back.type == name, (name, wire, back)
            # the others map it, or refuse it saying so (never a KeyError or a wrong step)
            try:
                body = multion._step_body(step)
                assert body["cmd"], name
            except Unsupported:
                refused["multion"].add(name)
            try:
                assert await thinkrun._control("s1", step), name
            except (Unsupported, InvalidRequest):
                refused["thinkrun"].add(name)
            for numbering in ("seed", "v13"):
                try:
                    fields = step_fields(step, numbering)
                except Unsupported:
                    refused[f"notte_env {numbering}"].add(name)
                    continue
                again = neutral_step(
                    fields["action_id"], fields.get("value"), fields.get("enter"), numbering
                )
                if again is not None and name not in ("click", "check", "uncheck", "fill"):
                    assert again.type in (name, "auto"), (name, numbering, fields, again)
    finally:
        await multion.aclose()
        await thinkrun.aclose()
    # What each dialect cannot do (its API has no such action) is refused, and only that.
    words = {"goto", "press_key", "back", "forward", "reload", "scroll_down", "scroll_up"}
    assert refused["multion"] == set(registry.ACTIONS) - words  # MultiOn takes words only
    tabs = {"new_tab", "switch_tab", "close_tab"}
    assert refused["thinkrun"] == tabs | {"click_xy", "reload", "wait", "scrape", "done"}
    assert refused["notte_env seed"] == tabs | {"click_xy", "scroll_up", "scroll_down", "press_key"}
    assert refused["notte_env v13"] == {"close_tab", "click_xy"}
    # the wire's own numberings name only registry actions (and seed 003's screenshot)
    assert set(BROWSER_ACTION_IDS) <= registry.BROWSER_NAMES
    assert set(BROWSER_ACTIONS_V13.values()) <= registry.BROWSER_NAMES
    assert set(SPECIAL_ACTIONS.values()) - {"screenshot"} <= registry.BROWSER_NAMES
