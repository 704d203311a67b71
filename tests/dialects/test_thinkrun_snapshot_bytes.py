"""ThinkRun's snapshot is built and serialised in a worker thread (issue 15: serve's event
loop never waits on a big page's models): the same bytes FastAPI wrote from the route's
response model, awkward text and all, for the POST (nulls left out) and the older GET."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.dialects.conftest import serving
from tests.dialects.test_notte_observe_bytes import AWKWARD, awkward_actions, observation
from tui.dialects.thinkrun.models import SnapshotResponse
from tui.dialects.thinkrun.routes import router, snapshot_json, snapshot_response
from tui.model import Observation


class OnePage:
    """A provider whose every session shows `obs` (no browser: only the answer's bytes are
    under test here; tests/server/test_serve_busy.py serves a real big page)."""

    def __init__(self, obs: Observation) -> None:
        self.obs = obs

    async def observe(self, session_id: str, screenshot: bool = True) -> Observation:
        return self.obs.model_copy(deep=True)


def awkward_page() -> Observation:
    obs = observation()
    obs.actions = awkward_actions()
    for i, action in enumerate(obs.actions):  # the selectors ThinkRun clients address
        action.selector = f"#{AWKWARD[i % len(AWKWARD)]}" if i % 2 else f"[data-x='{i}']"
        action.selector = {0: None, 4: ""}.get(i % 5, action.selector)  # none: the id
        action.href = AWKWARD[i % len(AWKWARD)] if i % 3 == 0 else None
        action.tag = AWKWARD[(i + 2) % len(AWKWARD)]
    obs.metadata.title = AWKWARD[2] + AWKWARD[5]
    obs.metadata.url = "http://shop.test/?q=" + AWKWARD[5]
    obs.markdown = AWKWARD[1] + AWKWARD[3] + AWKWARD[4]
    return obs


def model_answers(obs: Observation) -> FastAPI:
    """The routes as they were: the response model built and returned on the event loop."""
    app = FastAPI()

    @app.post("/snapshot", response_model=SnapshotResponse, response_model_exclude_none=True)
    async def post() -> SnapshotResponse:
        return snapshot_response(obs)

    @app.get("/snapshot", response_model=SnapshotResponse)
    async def get() -> SnapshotResponse:
        return snapshot_response(obs)

    return app


async def test_the_snapshot_is_the_models_json_byte_for_byte():
    obs = awkward_page()
    served = FastAPI()
    served.include_router(router(OnePage(obs)), prefix="/api")
    async with (
        serving(served) as base,
        serving(model_answers(obs)) as old,
        httpx.AsyncClient() as http,
    ):
        for method in ("POST", "GET"):
            now = await http.request(method, f"{base}/api/sessions/s1/snapshot")
            before = await http.request(method, f"{old}/snapshot")
            assert now.status_code == before.status_code == 200, now.text
            assert now.headers["content-type"] == before.headers["content-type"]
            assert now.content == before.content, method
            body = now.json()
            assert [e["id"] for e in body["elements"]] == [a.id for a in obs.actions]
            assert body["markdown"] == obs.markdown
            nulls = "null" in now.text
            assert nulls == (method == "GET")  # the POST leaves nulls out, as it did


def test_a_page_without_actions():
    obs = awkward_page()
    obs.actions = []
    for exclude_none in (True, False):
        fast = snapshot_json(obs, exclude_none=exclude_none)
        model = snapshot_response(obs).model_dump_json(exclude_none=exclude_none)
        assert fast == model.encode()
