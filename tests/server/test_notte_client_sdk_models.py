"""The Notte client's wire checked by notte-sdk 1.10.0's own models (in .venv).

Every action the client executes is parsed by the SDK's `ActionValidation` (its
union of executable actions); the answers the fake cloud gives are built from
the SDK's own response models, with nulls and fields this client does not know.
"""

from __future__ import annotations

import base64
import datetime as dt

import pytest

from tui.dialects.notte.client import NotteClient
from tui.errors import InvalidRequest, Unsupported
from tui.model import CreateSession, StepRequest, StepStatus
from tui.settings import ProviderConfig

SID = "sdk-models-1"


def sdk_answers() -> dict:
    from notte_core.actions import ClickAction, FillAction, SelectDropdownOptionAction
    from notte_core.browser.observation import ExecutionResult, Observation, Screenshot
    from notte_core.browser.snapshot import SnapshotMetadata, TabsData, ViewportData
    from notte_core.space import ActionSpace
    from notte_sdk.types import SessionResponse

    now = dt.datetime.now(dt.UTC)
    session = SessionResponse(
        session_id=SID,
        idle_timeout_minutes=30,
        max_duration_minutes=30,
        created_at=now,
        last_accessed_at=now,
        status="active",
    )
    observation = Observation(
        started_at=now,
        ended_at=now,
        metadata=SnapshotMetadata(
            title="Shop",
            url="https://shop.example/",
            viewport=ViewportData(
                scroll_x=0,
                scroll_y=0,
                viewport_width=1280,
                viewport_height=800,
                total_width=1280,
                total_height=800,
            ),
            tabs=[TabsData(tab_id=0, title="Shop", url="https://shop.example/")],
        ),
        screenshot=Screenshot(raw=b"\xff\xd8fake", bboxes=[], last_action_id=None),
        space=ActionSpace(
            description="A shop",
            interaction_actions=[
                ClickAction(id="B1", description="Buy"),
                FillAction(id="I1", value="", description="Search"),
                SelectDropdownOptionAction(id="I2", value="", description="Size"),
            ],
        ),
    )
    executed = ExecutionResult(
        action=ClickAction(id="B1"), success=True, message="Clicked", started_at=now, ended_at=now
    )
    obs_json = observation.model_dump(mode="json")
    obs_json["screenshot"]["raw"] = base64.b64encode(b"\xff\xd8fake").decode()
    obs_json["from_a_newer_notte"] = {"x": 1}
    return {
        "session": session.model_dump(mode="json") | {"viewer_url": None, "unknown": 3},
        "observation": obs_json,
        "executed": executed.model_dump(mode="json") | {"data": None, "exception": None},
    }


@pytest.fixture
def cloud(fake_notte):
    answers = sdk_answers()
    fake_notte.on("POST", "/sessions/start", answers["session"])
    fake_notte.on("POST", f"/sessions/{SID}/page/observe", answers["observation"])
    fake_notte.on("POST", f"/sessions/{SID}/page/execute", answers["executed"])
    fake_notte.on("POST", f"/sessions/{SID}/page/scrape", {"markdown": "# Shop", "images": None})
    config = ProviderConfig(name="notte", dialect="notte", base_url=fake_notte.url, label="Notte")
    return fake_notte, NotteClient(config, token="sk-test", stepdeck=False)


async def test_every_executed_action_is_one_the_sdk_can_execute(cloud):
    from notte_core.actions import ActionValidation, BrowserAction

    fake, client = cloud
    await client.start()
    session = await client.create_session(CreateSession(idle_timeout_minutes=45))
    obs = await client.observe(session.id)
    assert [a.id for a in obs.actions] == ["B1", "I1", "I2"]
    steps = [
        StepRequest(id="B1"),  # typed `B1`
        StepRequest(id="I1", value="kindle", enter=True),  # `I1 kindle --enter`
        StepRequest(id="I2", value="XL"),
        StepRequest(type="check", id="B1"),
        StepRequest(type="uncheck", id="B1"),
        StepRequest(type="wait", value="200"),
        StepRequest(type="close_tab", index=1),
        StepRequest(type="goto", url="https://shop.example/cart"),
    ]
    for step in steps:
        assert (await client.step(session.id, step)).success
    done = await client.step(session.id, StepRequest(type="done", value="bought"))
    assert done.status is StepStatus.DONE
    scraped = await client.step(session.id, StepRequest(type="scrape"))
    assert scraped.data == "# Shop"
    with pytest.raises(Unsupported, match="no click at a point"):
        await client.step(session.id, StepRequest(type="click_xy", x=5, y=5))
    assert not client.capabilities.click_xy
    with pytest.raises(InvalidRequest, match="takes no value"):
        await client.step(session.id, StepRequest(id="B1", value="oops"))
    await client.aclose()

    start = next(b for m, p, b in fake.bodies if p == "/sessions/start")
    assert start["max_duration_minutes"] >= start["idle_timeout_minutes"] == 45
    executed = [b for m, p, b in fake.bodies if p.endswith("/page/execute")]
    kinds = [b["type"] for b in executed]
    assert "auto" not in kinds and "completion" not in kinds and "scrape" not in kinds
    assert kinds[:3] == ["click", "fill", "select_dropdown_option"]
    assert executed[3]["value"] is True and executed[4]["value"] is False
    # close tab 1: switch to it, then close the (now current) tab
    assert executed[6] == {"type": "switch_tab", "tab_index": 1}
    assert executed[7] == {"type": "close_tab"}
    for body in executed:
        action = ActionValidation.model_validate({"action": body}).action
        assert action.type not in BrowserAction.RECORD_ONLY_ACTION_TYPES
        assert action.type not in BrowserAction.LEGACY_AGENT_ACTION_TYPES
