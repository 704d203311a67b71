"""ThinkRun's wire format (base `https://api.thinkrun.ai`, key from THINKRUN_API_KEY).

Written from ThinkRun's public docs (thinkrun.ai/docs/sessions and
/docs/browser) and seed 004: sessions are camelCase JSON under /api/sessions,
created in status "creating" while a cloud machine provisions, and driven by
CSS selectors (`X-API-Key` carries the key). Health (`status: healthy,
sessionState, browserResponsive`), artifacts (`{artifacts: [{objectId, type,
publicUrl, timestamp}]}`), `POST /snapshot` (the accessibility tree) and the
`select`, `press` and `scroll` endpoints are in the seed. Where neither shows a
shape, the model says "inferred": the console/network answers, the body field
names of select/press/scroll, and the tree's node fields.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

# The key header (seed 004). The client also sends a bearer token; `stepdeck serve`
# accepts either.
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
    createdAt: datetime | None = None  # inferred (the list carries it)


class SuccessResponse(_Wire):
    """DELETE /api/sessions/{id} and other plain answers."""

    success: bool = True
    message: str | None = None


class ActionEntry(_Wire):
    type: str
    timestamp: datetime | None = None
    success: bool = True
    details: dict[str, Any] = Field(default_factory=dict)
    duration: float | None = None  # ms
    error: str | None = None  # inferred


class ActionList(_Wire):
    """GET /api/sessions/{id}/actions?offset=&limit="""

    actions: list[ActionEntry] = Field(default_factory=list)
    total: int | None = None


class MediaArtifact(_Wire):
    """One screenshot or recording, with a signed download URL."""

    objectId: str
    type: str = "screenshot"
    publicUrl: str | None = None
    timestamp: datetime | None = None


class ArtifactList(_Wire):
    """GET /api/sessions/{id}/artifacts"""

    artifacts: list[MediaArtifact] = Field(default_factory=list)


class HealthResponse(_Wire):
    """GET /api/sessions/{id}/health: `status` is the check's verdict, not the session's."""

    status: str = "healthy"  # healthy, or what is wrong
    sessionState: str | None = None  # the session's status (running, creating, ...)
    browserResponsive: bool | None = None
    currentUrl: str | None = None
    message: str | None = None

    @property
    def healthy(self) -> bool:
        return self.status.lower() == "healthy" and self.browserResponsive is not False


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


class SelectRequest(_Wire):
    selector: str
    value: str  # inferred name: the option's value or label


class PressRequest(_Wire):
    key: str
    selector: str | None = None  # inferred: focus this element first


class ScrollRequest(_Wire):
    direction: str = "down"  # inferred: up or down
    amount: int | None = None  # pixels; a screen when absent


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


class AxNode(_Wire):
    """A node of the accessibility tree (field names inferred: role, name, value, children)."""

    role: str = ""
    name: str = ""
    value: str | None = None
    checked: bool | str | None = None
    href: str | None = None
    selector: str | None = None  # stepdeck: the CSS selector of an interactive node
    ref: str | None = None  # stepdeck: its action id
    children: list[AxNode] = Field(default_factory=list)


class SnapshotResponse(_Wire):
    """POST /api/sessions/{id}/snapshot: the page's accessibility tree.

    `stepdeck serve` adds `elements` (ids with CSS selectors) and `markdown`.
    """

    success: bool = True
    url: str = ""
    title: str = ""
    snapshot: AxNode | None = Field(
        default=None, validation_alias=AliasChoices("snapshot", "tree", "accessibility")
    )
    markdown: str = ""
    elements: list[SnapshotElement] = Field(default_factory=list)
