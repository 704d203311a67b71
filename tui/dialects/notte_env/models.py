"""Notte's first API (early 2025): `/session/start|close` and `/env/observe|step|scrape`.

Field names follow notte's own SDK of that time (nottelabs/notte,
notte/sdk/types.py and notte/sdk/client.py, January 2025): every request
carries the session fields, and observe, step and scrape answer one flat
observation. A request without `session_id` starts a new session; one
without `keep_alive` closes it after the operation.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator

DEFAULT_SESSION_TIMEOUT_MINUTES = 5
MAX_SESSION_TIMEOUT_MINUTES = 30
DEFAULT_MAX_NB_ACTIONS = 100

# Notte's "special actions" of that time: always available, not on the page.
SPECIAL_ACTIONS = {
    "S1": "goto",
    "S2": "scrape",
    "S3": "screenshot",
    "S4": "back",
    "S5": "forward",
    "S6": "reload",
    "S7": "wait",
    "S8": "done",
}
SPECIAL_IDS = {name: sid for sid, name in SPECIAL_ACTIONS.items()}


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


# -- requests -----------------------------------------------------------------


class SessionRequest(_Wire):
    session_id: str | None = None
    keep_alive: bool = False
    # Named `session_timeout` until January 2025, `session_timeout_minutes` after.
    session_timeout_minutes: int = Field(
        default=DEFAULT_SESSION_TIMEOUT_MINUTES,
        gt=0,
        le=MAX_SESSION_TIMEOUT_MINUTES,
        validation_alias=AliasChoices("session_timeout_minutes", "session_timeout"),
    )
    screenshot: bool | None = None


class PaginationParams(_Wire):
    min_nb_actions: int | None = None
    max_nb_actions: int = DEFAULT_MAX_NB_ACTIONS


class ObserveRequest(SessionRequest, PaginationParams):
    url: str | None = None


class ScrapeRequest(ObserveRequest):
    scrape_images: bool = False
    scrape_links: bool = True
    only_main_content: bool = True
    # Later versions: a JSON schema for structured output, and instructions.
    response_format: dict[str, Any] | None = None
    instructions: str | None = None


class StepRequest(SessionRequest, PaginationParams):
    action_id: str = Field(min_length=1)
    value: str | None = None
    enter: bool | None = None


# -- responses ----------------------------------------------------------------


class SessionResponse(_Wire):
    """The session answer: `session_id` and `error` from the start; the rest from January 2025."""

    session_id: str
    timeout_minutes: int | None = None
    created_at: datetime | None = None
    last_accessed_at: datetime | None = None
    duration: timedelta | None = None
    status: Literal["active", "closed", "error", "timed_out"] | None = None
    error: str | None = None


class ActionParameter(_Wire):
    name: str
    type: str = "string"
    default: str | None = None
    values: list[str] = Field(default_factory=list)


class ActionModel(_Wire):
    id: str
    description: str = ""
    category: str = ""
    params: list[ActionParameter] = Field(default_factory=list)
    status: str = "valid"


class ActionSpaceResponse(_Wire):
    description: str = ""
    actions: list[ActionModel] = Field(default_factory=list)
    category: str | None = None


class ImageData(_Wire):
    id: str | None = None
    url: str | None = None


class DataSpaceResponse(_Wire):
    markdown: str | None = None
    images: list[ImageData] | None = None
    structured: list[dict[str, Any]] | None = None


class ObserveResponse(SessionResponse):
    """The flat observation that observe, step and scrape answer."""

    title: str = ""
    url: str = ""
    timestamp: datetime
    screenshot: str | None = None  # base64 PNG
    data: DataSpaceResponse | None = None
    space: ActionSpaceResponse | None = None

    @field_validator("data", mode="before")
    @classmethod
    def _plain_data(cls, value: Any) -> Any:
        # December 2024 servers sent `data` as the page's text.
        if isinstance(value, str):
            return {"markdown": value} if value else None
        return value
