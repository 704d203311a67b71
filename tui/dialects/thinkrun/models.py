"""ThinkRun's wire format (base `https://api.thinkrun.ai`, key from THINKRUN_API_KEY).

Written from ThinkRun's public docs (thinkrun.ai/docs/sessions and
/docs/browser): sessions are camelCase JSON under /api/sessions, created in
status "creating" while a cloud machine provisions, and driven by CSS
selectors. Where the docs do not show a shape, the model says "inferred":
the auth header, the artifacts/health/console/network answers, the
screenshot endpoint, and `snapshot` (a stepdeck extension listing the
page's elements with selectors, which ThinkRun itself may not offer).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

# Inferred: the docs name the key (THINKRUN_API_KEY) but not its header. The client
# sends both; `stepdeck serve` accepts either.
API_KEY_HEADER = "X-API-Key"

# Session statuses seen in the docs, and the neutral status each means.
LIVE_STATUSES = {"creating", "pending", "starting", "running", "active", "ready", "idle"}


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class Viewport(_Wire):
    width: int
    height: int


class SessionOptions(_Wire):
    browser: str | None = None  # "chromium" (default)
    viewport: Viewport | None = None


class CreateSessionRequest(_Wire):
    """POST /api/sessions"""

    initialPrompt: str | None = None  # a URL to open, or a task to run on startup
    options: SessionOptions | None = None


class CreateSessionResponse(_Wire):
    sessionId: str
    status: str = "creating"
    machineId: str | None = None


class SessionSummary(_Wire):
    sessionId: str
    status: str
    currentUrl: str | None = None
    createdAt: datetime | None = None
    navigationCount: int = 0


class SessionList(_Wire):
    """GET /api/sessions?limit=&offset=&includeTerminated="""

    sessions: list[SessionSummary] = Field(default_factory=list)
    total: int = 0
    hasMore: bool = False


class SessionDetail(_Wire):
    """GET /api/sessions/{id}"""

    sessionId: str
    status: str
    currentUrl: str | None = None
    title: str | None = None
    actionCount: int = 0
    screenshotCount: int = 0
    duration: float | None = None  # ms
    createdAt: datetime | None = None  # inferred


class SuccessResponse(_Wire):
    """DELETE /api/sessions/{id} and other plain answers."""

    success: bool = True
    message: str | None = None


class ActionEntry(_Wire):
    type: str
    timestamp: datetime | None = None
    success: bool = True
    details: dict[str, Any] = Field(default_factory=dict)
    duration: float | None = None  # ms (inferred)
    error: str | None = None  # inferred


class ActionList(_Wire):
    """GET /api/sessions/{id}/actions?offset=&limit="""

    actions: list[ActionEntry] = Field(default_factory=list)
    total: int | None = None


class MediaArtifact(_Wire):
    # Inferred: the docs say "media artifacts (screenshots + recording)".
    type: str = "screenshot"
    url: str | None = None
    timestamp: datetime | None = None


class ArtifactList(_Wire):
    """GET /api/sessions/{id}/artifacts (inferred shape)."""

    screenshots: list[MediaArtifact] = Field(default_factory=list)
    recording: MediaArtifact | None = None


class HealthResponse(_Wire):
    """GET /api/sessions/{id}/health (inferred shape)."""

    healthy: bool = True
    status: str = "running"
    browserConnected: bool | None = None
    currentUrl: str | None = None
    message: str | None = None


class ConsoleEntry(_Wire):
    level: str = Field(default="log", validation_alias=AliasChoices("level", "type"))
    text: str = Field(default="", validation_alias=AliasChoices("text", "message"))
    timestamp: datetime | None = None
    url: str | None = None


class ConsoleList(_Wire):
    """GET /api/sessions/{id}/console (inferred shape)."""

    logs: list[ConsoleEntry] = Field(
        default_factory=list, validation_alias=AliasChoices("logs", "messages", "console")
    )


class NetworkEntry(_Wire):
    url: str
    method: str = "GET"
    status: int | None = None
    resourceType: str | None = None
    duration: float | None = None  # ms
    size: int | None = None
    failure: str | None = None
    timestamp: datetime | None = None


class NetworkList(_Wire):
    """GET /api/sessions/{id}/network (inferred shape)."""

    requests: list[NetworkEntry] = Field(
        default_factory=list, validation_alias=AliasChoices("requests", "network", "entries")
    )


# -- browser control ------------------------------------------------------------


class NavigateRequest(_Wire):
    url: str
    waitUntil: str | None = None


class HistoryRequest(_Wire):
    waitUntil: str | None = None
    timeout: float | None = None


class ClickRequest(_Wire):
    selector: str


class TypeRequest(_Wire):
    selector: str
    text: str


class FillRequest(_Wire):
    selector: str
    value: str


class ControlResponse(_Wire):
    """What navigate, go-back/forward, click, type and fill answer."""

    success: bool = True
    url: str | None = None
    title: str | None = None
    navigated: bool | None = None
    selector: str | None = None
    text: str | None = None
    value: str | None = None
    error: str | None = None


class ScreenshotResponse(_Wire):
    """POST /api/sessions/{id}/screenshot (inferred)."""

    success: bool = True
    screenshot: str  # base64 PNG
    format: str = "png"


class SnapshotElement(_Wire):
    id: str
    selector: str
    role: str = ""
    tag: str = ""
    description: str = ""
    category: str = ""
    value: str | None = None
    href: str | None = None
    takesValue: bool = False


class SnapshotResponse(_Wire):
    """GET /api/sessions/{id}/snapshot: stepdeck's extension (inferred, not in ThinkRun's docs)."""

    success: bool = True
    url: str = ""
    title: str = ""
    markdown: str = ""
    elements: list[SnapshotElement] = Field(default_factory=list)
