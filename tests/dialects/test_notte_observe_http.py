"""Notte's observe over real HTTP: the page goes out first and the actions after it (written
while the page is on its way); the answer the client reads is still one Observation, the
same as the model would write, and notte-sdk 1.10's own model reads it."""

from __future__ import annotations

import json

import httpx

from tests.dialects.conftest import serving
from tests.dialects.test_notte_observe_bytes import AWKWARD, awkward_actions, observation
from tui.dialects.notte.models import ObserveResponse
from tui.model import Action, Observation
from tui.server import DIALECTS, create_app


class OnePage:
    """A provider whose every session shows the same page (enough for the observe route)."""

    name = "one-page"
    label = "One page"

    def __init__(self, page: Observation) -> None:
        self.page = page

    async def observe(self, session_id: str, *, screenshot: bool = True) -> Observation:
        return self.page


def big_page() -> Observation:
    page = observation()
    page.actions = awkward_actions() + [
        Action(id=f"B{i}", description=f"Row {i}", role="button") for i in range(100, 3100)
    ]
    page.markdown = (AWKWARD[1] + AWKWARD[2] + '"interaction_actions":[]\n') * 20_000
    return page


def without_times(data: dict) -> dict:
    return {k: v for k, v in data.items() if k not in ("started_at", "ended_at")}


async def test_observe_over_http_is_one_whole_notte_observation():
    from notte_core.browser.observation import Observation as SdkObservation

    page = big_page()
    app = create_app(
        OnePage(page),
        "t",
        manage_provider=False,
        dialects=[d for d in DIALECTS if d.name == "notte"],
    )
    async with (
        serving(app) as base,
        httpx.AsyncClient(base_url=base, headers={"Authorization": "Bearer t"}) as http,
    ):
        reply = await http.post("/sessions/s1/page/observe")
        assert reply.status_code == 200, reply.text
        assert reply.headers["content-type"] == "application/json"
        served = reply.json()
        assert without_times(served) == without_times(json.loads(ObserveResponse.json_bytes(page)))
        built = json.loads(ObserveResponse.from_observation(page).model_dump_json())
        assert without_times(served) == without_times(built)
        sdk = SdkObservation.model_validate_json(reply.content)
        assert [a.id for a in sdk.space.interaction_actions] == [a.id for a in page.actions]
        assert served["markdown"] == page.markdown

        fewer = await http.post("/sessions/s1/page/observe", json={"max_nb_actions": 5})
        assert [a["id"] for a in fewer.json()["space"]["interaction_actions"]] == [
            a.id for a in page.actions[:5]
        ]
        page.actions = []
        empty = await http.post("/sessions/s1/page/observe")
        assert empty.json()["space"]["interaction_actions"] == []
        assert SdkObservation.model_validate_json(empty.content).space.interaction_actions == []
