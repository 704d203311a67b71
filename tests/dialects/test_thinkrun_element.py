"""ThinkRun's browser controls address an element by CSS selector: a selector the page's
observation already carries (`#id`) or an action id finds it without writing every other
action's selector (hundreds of ms on a big page, part of it on serve's event loop); any
other selector is matched once they are written."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.dialects.conftest import serving
from tui.dialects.thinkrun.routes import router
from tui.model import Action, Observation, PageMeta, StepRequest, StepResult, StepStatus, utcnow


class Written:
    """The engine session's side: writes the missing selectors, counting each time."""

    def __init__(self) -> None:
        self.times = 0

    async def fill_selectors(self, actions: list[Action]) -> None:
        self.times += 1
        for i, action in enumerate(actions):
            action.selector = action.selector or f"main > button:nth-of-type({i + 1})"


class Page:
    """A provider of one page: B1 has a plain id, B2 and B3 do not."""

    def __init__(self) -> None:
        self.engine = Written()
        self.clicked: list[str | None] = []

    def session_target(self, session_id: str) -> Written:
        return self.engine

    async def observe(self, session_id: str, screenshot: bool = True) -> Observation:
        return Observation(
            metadata=PageMeta(title="Buttons", url="http://page.test/"),
            actions=[
                Action(id="B1", description="Buy", role="button", selector="#buy"),
                Action(id="B2", description="Sell", role="button"),
                Action(id="B3", description="Hold", role="button"),
            ],
        )

    async def step(self, session_id: str, request: StepRequest) -> StepResult:
        self.clicked.append(request.id)
        now = utcnow()
        return StepResult(
            status=StepStatus.CONTINUE,
            success=True,
            message="clicked",
            request=request,
            started_at=now,
            ended_at=now,
        )


async def test_an_element_is_found_writing_selectors_only_when_needed():
    page = Page()
    app = FastAPI()
    app.include_router(router(page), prefix="/api")
    async with serving(app) as base, httpx.AsyncClient(base_url=f"{base}/api") as http:
        for selector in ("#buy", "B3"):
            r = await http.post("/sessions/s1/click", json={"selector": selector})
            assert r.status_code == 200 and r.json()["selector"] == selector, r.text
        assert page.clicked == ["B1", "B3"] and page.engine.times == 0
        r = await http.post("/sessions/s1/click", json={"selector": "main > button:nth-of-type(2)"})
        assert r.status_code == 200, r.text
        assert page.clicked[-1] == "B2" and page.engine.times == 1
        r = await http.post("/sessions/s1/click", json={"selector": "#nothing"})
        assert r.status_code == 404 and page.engine.times == 2
        assert page.clicked == ["B1", "B3", "B2"]
