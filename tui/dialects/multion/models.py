"""MultiOn's wire format (base `https://api.multion.ai/v1/web`, header `X_MULTION_API_KEY`).

Field names follow the official `multion` 1.3.8 SDK (multion/types/*.py,
multion/sessions/client.py, multion/base_client.py). Screenshots are strings:
MultiOn sends an image URL; `stepdeck serve` sends a `data:image/png;base64,`
URL, which any client can show the same way.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

API_KEY_HEADER = "X_MULTION_API_KEY"

# The status of a step, a browse, or a freshly created session.
Status = Literal["CONTINUE", "ASK_USER", "DONE"]
Mode = Literal["fast", "standard"]


# The SDK types screenshots as str, yet MultiOn answers `null` where it took none (and the
# SDK's unchecked models accept that): read null as "no screenshot", answer "".
Shot = Annotated[str, BeforeValidator(lambda v: "" if v is None else v)]


class _Wire(BaseModel):
    # Lenient on input (providers add fields), exact names on output.
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class BrowserParams(_Wire):
    """`browser_params`: the browser screen size."""

    height: float | None = None
    width: float | None = None


# -- requests -----------------------------------------------------------------


class CreateSessionInput(_Wire):
    """POST /session"""

    url: str
    local: bool | None = None
    agent_id: str | None = None
    mode: str | None = None
    use_proxy: bool | None = None
    browser_params: BrowserParams | None = None
    include_screenshot: bool | None = None
    optional_params: dict[str, Any] | None = None


class SessionStepInput(_Wire):
    """POST /session/{session_id}; `stream: true` answers server-sent events."""

    cmd: str
    url: str | None = None
    browser_params: BrowserParams | None = None
    temperature: float | None = None
    agent_id: str | None = None
    mode: str | None = None
    include_screenshot: bool | None = None
    optional_params: dict[str, Any] | None = None
    stream: bool | None = None


class BrowseInput(_Wire):
    """POST /browse: an autonomous run, optionally in an existing session."""

    cmd: str
    url: str | None = None
    local: bool | None = None
    session_id: str | None = None
    max_steps: int | None = None
    include_screenshot: bool | None = None
    temperature: float | None = None
    agent_id: str | None = None
    mode: str | None = None
    use_proxy: bool | None = None


class RetrieveInput(_Wire):
    """POST /retrieve: structured data from a page."""

    cmd: str
    url: str | None = None
    session_id: str | None = None
    local: bool | None = None
    fields: list[str] | None = None
    format: str | None = None  # "json" or "markdown"
    max_items: float | None = None
    full_page: bool | None = None
    render_js: bool | None = None
    scroll_to_bottom: bool | None = None
    mode: str | None = None
    include_screenshot: bool | None = None
    optional_params: dict[str, Any] | None = None


# -- responses ----------------------------------------------------------------


class SessionCreated(_Wire):
    status: str
    message: str
    session_id: str
    url: str
    screenshot: Shot = ""


class SessionStepSuccessMetadata(_Wire):
    temperature: float | None = None


class SessionStepSuccess(_Wire):
    status: str
    message: str
    session_id: str
    url: str
    screenshot: Shot = ""
    metadata: SessionStepSuccessMetadata | None = None


class StreamDelta(_Wire):
    content: str = ""
    url: str = ""
    status: str | None = None  # only in the final event


class StreamData(_Wire):
    delta: StreamDelta = Field(default_factory=StreamDelta)


class StreamChunk(_Wire):
    """One server-sent event of a streamed step: `event` chunks, then one `final_event`."""

    type: Literal["event", "final_event"]
    data: StreamData = Field(default_factory=StreamData)
    session_id: str | None = None
    screenshot: str | None = None  # final_event only
    # The SDK's `step_stream` wrapper reads `chunk.delta["content"]`: the delta again, on top
    delta: StreamDelta | None = None


class SessionsCloseResponse(_Wire):
    status: str
    session_id: str


class SessionsListResponse(_Wire):
    session_ids: list[str] = Field(default_factory=list)


class SessionsScreenshotResponse(_Wire):
    screenshot: Shot = ""


class Metadata(_Wire):
    step_count: int | None = None
    processing_time: int | None = None  # seconds
    temperature: float | None = None


class BrowseOutput(_Wire):
    message: str
    status: str
    url: str
    screenshot: Shot = ""
    session_id: str
    metadata: Metadata | None = None


class RetrieveOutput(_Wire):
    message: str = ""
    url: str = ""
    screenshot: str | None = None
    session_id: str | None = None
    status: str = "DONE"
    data: list[dict[str, Any]] = Field(default_factory=list)


class ErrorResponse(_Wire):
    """The body of MultiOn's 400/401/402/500 answers."""

    status_code: int | None = Field(default=None, alias="statusCode")
    error: str | None = None
    message: str | None = None
