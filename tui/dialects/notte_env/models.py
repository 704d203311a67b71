"""Notte's first API (early 2025): `/session/start|close` and `/env/observe|step|scrape`.

Field names follow the SDKs that spoke it (the `notte` packages 1.1.1 and
1.3.0, `notte/sdk/types.py`) and seed 003. Every request carries the session
fields. Seed 003 documents a flat answer (`session_id`, `title`, `url`,
`timestamp`, ...); both released SDKs parse a nested one (`session`,
`metadata`, `space`, `data`, and in 1.3.0 `progress`): `ObserveResponse`
reads either, `stepdeck serve` answers both at once. A request without
`session_id` starts a new session; one without `keep_alive` closes it after
the operation.

The two SDKs number the browser actions differently (1.1.1 and seed 003:
S1 goto ... S7 wait in seconds, S8 done; 1.3.0: S1 goto ... S7 switch tab,
S8 press key, S9/S10 scroll, S11 wait in ms, S12 done). A 1.3.0 client sends
`max_steps` on every request, which is how a server tells them apart; an
answer's space says which numbering it uses (`browser_actions`: 1.3.0).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
    model_validator,
)

DEFAULT_SESSION_TIMEOUT_MINUTES = 5
MAX_SESSION_TIMEOUT_MINUTES = 30
DEFAULT_MAX_NB_ACTIONS = 100

# Notte's "special actions" (seed 003, notte 1.1.1): always available, not on the page.
# S7 waits `value` seconds.
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
# notte 1.3.0's "browser actions" (`BrowserActionId`): S11 waits `value` milliseconds.
BROWSER_ACTIONS_V13 = {
    "S1": "goto",
    "S2": "scrape",
    "S3": "back",
    "S4": "forward",
    "S5": "reload",
    "S6": "new_tab",
    "S7": "switch_tab",
    "S8": "press_key",
    "S9": "scroll_up",
    "S10": "scroll_down",
    "S11": "wait",
    "S12": "done",
}
BROWSER_IDS_V13 = {name: sid for sid, name in BROWSER_ACTIONS_V13.items()}
Numbering = Literal["seed", "v13"]


def action_table(numbering: Numbering) -> dict[str, str]:
    """S-id -> browser action name, in one numbering."""
    return BROWSER_ACTIONS_V13 if numbering == "v13" else SPECIAL_ACTIONS


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
    max_steps: int | None = None  # sent by notte 1.3.0 only
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
    # notte 1.3.0 sends it on every request (a trajectory's step budget): its S-ids apply
    max_steps: int | None = None

    @property
    def numbering(self) -> Numbering:
        return "v13" if "max_steps" in self.model_fields_set else "seed"


# -- responses ----------------------------------------------------------------


# JSON Schema's `format: duration` (RFC 3339) has no fractions of a second, and the answer
# carries them (PT0.215S): the schema says what it is in words instead (engine helper's edit).
IsoDuration = Annotated[
    timedelta,
    WithJsonSchema({"type": "string", "description": "an ISO 8601 duration, e.g. PT0.215S"}),
]


class SessionResponse(_Wire):
    """The session answer: `session_id` and `error` from the start; the rest from January 2025."""

    session_id: str
    timeout_minutes: int | None = None
    created_at: datetime | None = None
    last_accessed_at: datetime | None = None
    duration: IsoDuration | None = None
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
    markdown: str | None = None
    # notte 1.1.1 lists its S-actions as `special_actions`, 1.3.0 as `browser_actions`
    special_actions: list[ActionModel] | None = None
    browser_actions: list[ActionModel] | None = None


class ImageData(_Wire):
    id: str | None = None
    url: str | None = None


class StructuredData(_Wire):
    """notte 1.3.0's structured answer (`{success, error, data}`)."""

    success: bool = True
    error: str | None = None
    data: Any = None


class DataSpaceResponse(_Wire):
    markdown: str | None = None
    images: list[ImageData] | None = None
    # 1.1.1 and seed: a list of records; 1.3.0: StructuredData
    structured: list[dict[str, Any]] | StructuredData | None = None

    def records(self) -> Any:
        """The extracted data, whichever shape carried it (None if none or failed)."""
        if isinstance(self.structured, StructuredData):
            return self.structured.data if self.structured.success else None
        return self.structured


class ObserveResponse(SessionResponse):
    """What observe, step and scrape answer, read from the flat (seed) or nested (SDK) shape."""

    title: str = ""
    url: str = ""
    timestamp: datetime = Field(default_factory=lambda: datetime.now().astimezone())
    screenshot: str | None = None  # base64 PNG
    data: DataSpaceResponse | None = None
    space: ActionSpaceResponse | None = None

    @model_validator(mode="before")
    @classmethod
    def _flatten(cls, value: Any) -> Any:
        """The SDKs' nested `{session, metadata, ...}` read as the seed's flat fields."""
        if not isinstance(value, dict):
            return value
        out = dict(value)
        session = value.get("session")
        if isinstance(session, dict):
            for key, item in session.items():
                out.setdefault(key, item)
        metadata = value.get("metadata")
        if isinstance(metadata, dict):
            for key in ("title", "url", "timestamp"):
                if metadata.get(key) is not None:
                    out.setdefault(key, metadata[key])
        return out

    @field_validator("data", mode="before")
    @classmethod
    def _plain_data(cls, value: Any) -> Any:
        # December 2024 servers sent `data` as the page's text.
        if isinstance(value, str):
            return {"markdown": value} if value else None
        return value

    @property
    def numbering(self) -> Numbering:
        """Which S-ids the server speaks: 1.3.0's when its space lists `browser_actions`."""
        return "v13" if self.space is not None and self.space.browser_actions else "seed"
