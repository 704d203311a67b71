"""Notte's other page answers: `page/step` (its 2025 shape, seed 002), scrape, screenshot,
network logs, and stepdeck's action log and console.
"""

from __future__ import annotations

from datetime import datetime
from json.encoder import encode_basestring
from typing import Any

import pydantic_core
from pydantic import Field

from tui.dialects.notte.actions import DataSpace
from tui.dialects.notte.models import (
    Screenshot,
    SessionResponse,
    SnapshotMetadata,
    TabsData,
    ViewportData,
    _params_json,
    _Wire,
    describe_space,
)
from tui.model import (
    Action,
    ConsoleMessage,
    LogEntry,
    NetworkRequest,
    Observation,
    Session,
    StepResult,
    StepStatus,
    utcnow,
)

# -- page/step (2025) -----------------------------------------------------------------


class StepActionParam(_Wire):
    name: str
    type: str = "string"
    default: str | None = None
    values: list[str] = Field(default_factory=list)


class StepAction(_Wire):
    id: str
    description: str = ""
    category: str = ""
    status: str = "valid"
    params: list[StepActionParam] = Field(default_factory=list)


# The browser actions' ids in Notte's 2025 space (its BrowserActionId), by neutral name.
BROWSER_ACTION_IDS = {
    "goto": "S1",
    "scrape": "S2",
    "back": "S3",
    "forward": "S4",
    "reload": "S5",
    "new_tab": "S6",
    "switch_tab": "S7",
    "press_key": "S8",
    "scroll_up": "S9",
    "scroll_down": "S10",
    "wait": "S11",
    "done": "S12",
}


class StepBrowserAction(_Wire):
    """A browser action of seed 002's space: an action like the others (`id`, `category`,
    `status`); stepdeck keeps the neutral `name` beside it."""

    id: str
    description: str = ""
    category: str = "Special Browser Actions"
    status: str = "valid"
    params: list[StepActionParam] = Field(default_factory=list)
    name: str | None = None


class StepSpace(_Wire):
    markdown: str = ""
    actions: list[StepAction] = Field(default_factory=list)
    browser_actions: list[StepBrowserAction] = Field(default_factory=list)
    description: str = ""
    category: str | None = None


class StepMetadata(_Wire):
    title: str = ""
    url: str = ""
    viewport: ViewportData = Field(default_factory=ViewportData)
    tabs: list[TabsData] = Field(default_factory=list)
    timestamp: datetime = Field(default_factory=utcnow)


class StepData(_Wire):
    markdown: str = ""
    images: list[str] = Field(default_factory=list)
    structured: Any = None


class StepProgress(_Wire):
    current_step: int = 0
    max_steps: int = 0


class PageStepResponse(_Wire):
    """`POST /sessions/{id}/page/step` (Notte's 2025 shape)."""

    session: SessionResponse
    space: StepSpace
    metadata: StepMetadata
    screenshot: str | None = None
    data: StepData = Field(default_factory=StepData)
    progress: StepProgress = Field(default_factory=StepProgress)
    # stepdeck
    success: bool = True
    message: str = ""
    status: StepStatus | None = None

    @classmethod
    def build(
        cls, session: Session, result: StepResult, observation: Observation
    ) -> PageStepResponse:
        meta = SnapshotMetadata.from_meta(observation.metadata)
        structured = None if isinstance(result.data, str) else result.data
        return cls(
            session=SessionResponse.from_session(session),
            space=StepSpace(
                markdown=observation.markdown,
                description=observation.description or describe_space(observation),
                actions=[
                    StepAction(
                        id=a.id,
                        description=a.description,
                        category=a.category,
                        params=[StepActionParam(**p.model_dump()) for p in a.params],
                    )
                    for a in observation.actions
                ],
                browser_actions=[
                    StepBrowserAction(
                        id=BROWSER_ACTION_IDS[b.name],
                        name=b.name,
                        description=b.description,
                        params=[StepActionParam(**p.model_dump()) for p in b.params],
                    )
                    for b in observation.browser_actions
                    if b.name in BROWSER_ACTION_IDS
                ],
            ),
            metadata=StepMetadata(**meta.model_dump(exclude={"active_tab"})),
            screenshot=observation.screenshot_b64,
            data=StepData(markdown=observation.markdown, structured=structured),
            progress=StepProgress(current_step=session.steps, max_steps=0),
            success=result.success,
            message=result.message,
            status=result.status,
        )

    @classmethod
    def json_bytes(cls, session: Session, result: StepResult, observation: Observation) -> bytes:
        """`build(...)` as JSON bytes, its actions (5,000 on a big page) written straight from
        the observation's (`step_actions_json`) instead of a model each: ~5 ms instead of
        ~50-130 ms (build and dump) on the bench's big page. CPU work for a worker thread."""
        empty = observation.model_copy(update={"actions": []})
        if not empty.description:
            empty.description = describe_space(observation)
        body = cls.build(session, result, empty).model_dump(mode="json")
        space = body.pop("space")
        space["actions"] = space.pop("actions")  # the last key of the answer
        body["space"] = space
        data = pydantic_core.to_json(body)
        assert data.endswith(b'"actions":[]}}'), "actions must come last"
        return b"".join((data[:-4], step_actions_json(observation.actions), b"}}"))


def step_actions_json(actions: list[Action]) -> bytes:
    """The JSON of `[StepAction(id=..., description=..., category=..., params=...)]` for
    `actions`, written directly (no model per action)."""
    return (
        "["
        + ",".join(
            [
                f'{{"id":{encode_basestring(a.id)},"description":{encode_basestring(a.description)},'
                f'"category":{encode_basestring(a.category)},"status":"valid",'
                f'"params":{_params_json(a.params) if a.params else "[]"}}}'
                for a in actions
            ]
        )
        + "]"
    ).encode()


# -- scrape, screenshot, network, extras ------------------------------------------------


class ScrapeRequest(_Wire):
    """`POST /sessions/{id}/page/scrape`."""

    selector: str | None = None
    scrape_links: bool = True
    scrape_images: bool = False
    ignored_tags: list[str] | None = None
    only_main_content: bool = False
    response_format: dict[str, Any] | None = None
    instructions: str | None = None
    use_link_placeholders: bool = False
    # stepdeck: extraction options
    scroll_to_bottom: bool = False
    max_items: int | None = Field(default=None, ge=1)


class ScrapeResponse(DataSpace):
    """Same as DataSpace."""


class ScreenshotResponse(Screenshot):
    """`POST /sessions/{id}/page/screenshot`: the PNG as base64 in `raw`."""


class NetworkBatchFile(_Wire):
    key: str
    size: int
    download_url: str | None = None


class NetworkLogsResponse(_Wire):
    """Notte's batched network logs; stepdeck serves the requests inline in `requests`."""

    session_id: str
    format: str = "batched_v1"
    batches: list[NetworkBatchFile] = Field(default_factory=list)
    total_batch_count: int = 0
    requests: list[NetworkRequest] = Field(default_factory=list)


class ActionLogResponse(_Wire):
    """stepdeck: `GET /sessions/{id}/log`."""

    session_id: str
    items: list[LogEntry] = Field(default_factory=list)


class ConsoleResponse(_Wire):
    """stepdeck: `GET /sessions/{id}/console`."""

    session_id: str
    items: list[ConsoleMessage] = Field(default_factory=list)
