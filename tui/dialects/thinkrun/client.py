"""ThinkRun as a Provider: sessions provisioned in the cloud, driven by CSS selectors.

A new session answers "creating" while its machine starts: the app shows it
provisioning and polls `get_session` (or awaits `wait_ready`). A step by id
(`B3`) is sent as a click/fill on that element's CSS selector, taken from the
last observation of the page.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import time
from typing import Any

import httpx

from tui.dialects.http import HttpProvider, request_id_header
from tui.dialects.thinkrun.models import (
    API_KEY_HEADER,
    LIVE_STATUSES,
    ActionList,
    ArtifactList,
    AxNode,
    ConsoleList,
    ControlResponse,
    CreateSessionResponse,
    HealthResponse,
    NetworkList,
    ScreenshotResponse,
    SessionDetail,
    SessionList,
    SnapshotResponse,
    SuccessResponse,
)
from tui.engine import registry
from tui.errors import (
    ActionNotFound,
    BadResponse,
    InvalidRequest,
    SessionNotFound,
    StepTimeout,
    Unsupported,
)
from tui.model import (
    Action,
    ConsoleMessage,
    CreateSession,
    Health,
    LogEntry,
    NetworkRequest,
    Observation,
    PageMeta,
    Param,
    Session,
    SessionStatus,
    StepRequest,
    StepResult,
    StepStatus,
    utcnow,
)
from tui.providers.base import Capabilities
from tui.settings import ProviderConfig

DEFAULT_BASE_URL = "https://api.thinkrun.ai"
_BROWSER_ACTIONS = registry.browser_actions(
    {"goto", "back", "forward", "scroll_down", "scroll_up", "press_key"}
)

# Accessibility roles that are actions, and their id prefix (Notte's vocabulary).
_ROLE_PREFIX = {
    "link": "L",
    "button": "B",
    "checkbox": "B",
    "radio": "B",
    "switch": "B",
    "tab": "B",
    "menuitem": "B",
    "textbox": "I",
    "searchbox": "I",
    "combobox": "I",
    "listbox": "I",
    "spinbutton": "I",
    "slider": "I",
    "option": "O",
}
_TAKES_VALUE = {"textbox", "searchbox", "combobox", "listbox", "spinbutton", "slider"}


def _quoted(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def tree_actions(root: AxNode) -> list[Action]:
    """The interactive nodes of an accessibility tree as actions, ids in page order.

    A node without a CSS selector is addressed by role and name (`role=button[name="Buy"]`,
    a selector Playwright-based services such as ThinkRun's cloud browser accept).
    """
    counts: dict[str, int] = {}
    out: list[Action] = []
    stack = [root]
    while stack:
        node = stack.pop(0)
        stack[0:0] = node.children
        role = node.role.lower()
        prefix = _ROLE_PREFIX.get(role)
        if prefix is None:
            continue
        counts[prefix] = counts.get(prefix, 0) + 1
        selector = node.selector or (
            f'role={role}[name="{_quoted(node.name)}"]' if node.name else f"role={role}"
        )
        out.append(
            Action(
                id=node.ref or f"{prefix}{counts[prefix]}",
                description=node.name,
                role=role,
                selector=selector,
                value=node.value,
                href=node.href,
                checked=node.checked if isinstance(node.checked, bool) else None,
                params=[Param(name="value")] if role in _TAKES_VALUE else [],
            )
        )
    return out


def tree_text(root: AxNode) -> str:
    """The tree's names as plain lines (what the page says, for the page view)."""
    lines: list[str] = []
    stack = [root]
    while stack:
        node = stack.pop(0)
        stack[0:0] = node.children
        if node.name and node.role.lower() not in ("webarea", "rootwebarea", "generic", "none"):
            lines.append(("# " if node.role.lower() == "heading" else "") + node.name)
    return "\n\n".join(lines)


def session_status(value: str | None) -> SessionStatus:
    """ThinkRun's status words as the neutral status."""
    value = (value or "").lower()
    if value in ("creating", "pending", "starting", "provisioning"):
        return SessionStatus.CREATING
    if value in LIVE_STATUSES:
        return SessionStatus.ACTIVE
    if value in ("failed", "error", "crashed"):
        return SessionStatus.ERROR
    if value in ("timeout", "timed_out", "expired"):
        return SessionStatus.TIMED_OUT
    return SessionStatus.CLOSED  # completed, cancelled, terminated, ...


def _png(value: str) -> bytes:
    try:
        return base64.b64decode(value.split(",", 1)[-1], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BadResponse("ThinkRun sent a screenshot that is not base64") from exc


class ThinkRunClient(HttpProvider):
    """A ThinkRun account (or `stepdeck serve`'s /api) as a Provider."""

    def __init__(
        self, config: ProviderConfig, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        super().__init__(
            config,
            label="ThinkRun",
            base_url=DEFAULT_BASE_URL,
            # X-API-Key (seed 004); a bearer token too, which `stepdeck serve` also reads.
            auth=lambda key: {API_KEY_HEADER: key, "Authorization": f"Bearer {key}"},
            transport=transport,
        )
        self._has_snapshot: bool | None = None  # None: not known yet
        self.poll_interval = 1.0  # seconds between looks at a session still provisioning
        self._sessions: dict[str, Session] = {}
        self._pages: dict[str, Observation] = {}  # last observation: the selectors of its ids
        self.capabilities = Capabilities(
            commands=False,
            tabs=False,
            events=False,
            pause=False,
            extract=False,
            missing={
                "commands": "stepdeck drives ThinkRun by its browser endpoints: pick an action",
                "tabs": "ThinkRun's API does not expose tabs",
                "events": "ThinkRun has no live event stream",
                "pause": "ThinkRun sessions cannot be paused from here",
                "extract": "ThinkRun's API has no structured extraction",
            },
        )

    def _path(self, session_id: str, tail: str = "") -> str:
        return f"api/sessions/{session_id}" + (f"/{tail}" if tail else "")

    # -- sessions --------------------------------------------------------------

    def _remember(self, session_id: str, **fields: Any) -> Session:
        old = self._sessions.get(session_id) or Session(id=session_id, provider=self.name)
        session = old.model_copy(update={k: v for k, v in fields.items() if v is not None})
        self._sessions[session_id] = session
        return session

    async def list_sessions(self) -> list[Session]:
        out: list[Session] = []
        offset = 0
        for _ in range(20):  # at most 2,000 sessions
            page = await self._http.call(
                "GET",
                "api/sessions",
                SessionList,
                params={"limit": 100, "offset": offset, "includeTerminated": "false"},
            )
            for s in page.sessions:
                out.append(
                    self._remember(
                        s.sessionId,
                        status=session_status(s.status),
                        url=s.currentUrl,
                        created_at=s.createdAt,
                        steps=s.navigationCount,
                    )
                )
            offset += len(page.sessions)
            if not page.hasMore or not page.sessions:
                break
        return out

    async def create_session(self, request: CreateSession) -> Session:
        body: dict[str, Any] = {
            "options": {
                "browser": "chromium",
                "viewport": {"width": request.viewport_width, "height": request.viewport_height},
            }
        }
        prompt = request.url or request.first_command
        if prompt:
            body["initialPrompt"] = prompt
        reply = await self._http.call(
            "POST", "api/sessions", CreateSessionResponse, json_body=body, idempotent=False
        )
        return self._remember(
            reply.sessionId,
            status=session_status(reply.status),
            label=request.label,
            url=request.url or "",
            created_at=utcnow(),
        )

    async def get_session(self, session_id: str) -> Session:
        d = await self._http.call("GET", self._path(session_id), SessionDetail)
        return self._remember(
            session_id,
            status=session_status(d.status),
            url=d.currentUrl,
            title=d.title,
            steps=d.actionCount,
            created_at=d.createdAt,
            last_accessed_at=utcnow(),
        )

    async def wait_ready(
        self, session_id: str, *, timeout: float = 120.0, interval: float | None = None
    ) -> Session:
        """Poll until the session leaves "creating" (ThinkRun's CLI waits up to 120 s)."""
        interval = self.poll_interval if interval is None else interval
        deadline = time.monotonic() + timeout
        while True:
            session = await self.get_session(session_id)
            if session.status != SessionStatus.CREATING:
                return session
            if time.monotonic() > deadline:
                raise StepTimeout(
                    f"{self.label} session {session_id} is still provisioning",
                    "wait a little longer, or close it and start another",
                )
            await asyncio.sleep(interval)

    async def _ready(self, session_id: str) -> None:
        """Page calls wait while a session this client created is still provisioning."""
        session = self._sessions.get(session_id)
        if session is not None and session.status == SessionStatus.CREATING:
            await self.wait_ready(session_id)

    async def close_session(self, session_id: str) -> Session:
        await self._http.call("DELETE", self._path(session_id), SuccessResponse, idempotent=True)
        self._pages.pop(session_id, None)
        return self._remember(session_id, status=SessionStatus.CLOSED, closed_at=utcnow())

    # -- page ------------------------------------------------------------------

    async def screenshot(self, session_id: str) -> bytes:
        await self._ready(session_id)
        reply = await self._http.call(
            "POST", self._path(session_id, "screenshot"), ScreenshotResponse, idempotent=True
        )
        return _png(reply.screenshot)

    async def _snapshot(self, session_id: str) -> SnapshotResponse | None:
        """The page's elements and text; None from a server without `snapshot`.

        `snapshot` is stepdeck's extension: ThinkRun's own API may answer 404
        for it. The session is then looked up to tell the two 404s apart, and
        the provider goes on without an action space, saying why.
        """
        if self._has_snapshot is False:
            return None
        try:
            snap = await self._http.call(
                "POST", self._path(session_id, "snapshot"), SnapshotResponse, idempotent=True
            )
        except SessionNotFound:
            await self.get_session(session_id)  # raises if the session itself is gone
            self._has_snapshot = False
            reason = (
                f"{self.label} lists no page elements (no /snapshot endpoint): "
                "steps by id need them; use goto, back and forward"
            )
            self.capabilities.action_space = False
            self.capabilities.markdown = False
            self.capabilities.missing["action_space"] = reason
            self.capabilities.missing["markdown"] = f"{self.label} sends no page text"
            return None
        self._has_snapshot = True
        return snap

    async def observe(self, session_id: str, *, screenshot: bool = True) -> Observation:
        await self._ready(session_id)
        snap = await self._snapshot(session_id)
        if snap is None:
            session = self._sessions.get(session_id) or await self.get_session(session_id)
            return Observation(
                metadata=PageMeta(title=session.title, url=session.url),
                actions=[],
                browser_actions=list(_BROWSER_ACTIONS),
                screenshot=await self.screenshot(session_id) if screenshot else None,
                description=self.capabilities.reason("action_space"),
            )
        actions = [
            Action(
                id=e.id,
                description=e.description,
                category=e.category,
                role=e.role,
                tag=e.tag,
                selector=e.selector,
                value=e.value,
                href=e.href,
                params=[Param(name="value")] if e.takesValue else [],
            )
            for e in snap.elements
        ]
        if not actions and snap.snapshot is not None:
            actions = tree_actions(snap.snapshot)
        obs = Observation(
            metadata=PageMeta(title=snap.title, url=snap.url),
            actions=actions,
            browser_actions=list(_BROWSER_ACTIONS),
            markdown=snap.markdown or (tree_text(snap.snapshot) if snap.snapshot else ""),
            screenshot=await self.screenshot(session_id) if screenshot else None,
        )
        self._pages[session_id] = obs
        self._remember(session_id, url=snap.url, title=snap.title)
        return obs

    async def _selector(self, session_id: str, action_id: str) -> tuple[str, Action]:
        page = self._pages.get(session_id)
        if page is None or page.action(action_id) is None:
            page = await self.observe(session_id, screenshot=False)
        action = page.action(action_id)
        if self._has_snapshot is False:
            raise Unsupported(self.capabilities.reason("action_space"))
        if action is None or not action.selector:
            raise ActionNotFound(action_id, [a.id for a in page.actions])
        return action.selector, action

    async def _control(self, session_id: str, request: StepRequest) -> list[tuple[str, dict]]:
        """The ThinkRun calls (endpoint, body) for one neutral step."""
        if request.type == "goto":
            if not request.url:
                raise InvalidRequest("goto needs a url")
            return [("navigate", {"url": request.url})]
        if request.type == "back":
            return [("go-back", {})]
        if request.type == "forward":
            return [("go-forward", {})]
        if request.type in ("scroll_down", "scroll_up"):
            return [("scroll", {"direction": request.type.removeprefix("scroll_")})]
        if request.type == "press_key" and not request.id:
            if not request.key:
                raise InvalidRequest("press_key needs a key", "e.g. `press Enter`")
            return [("press", {"key": request.key})]
        if request.id is None:
            raise Unsupported(
                f"ThinkRun's API cannot run {request.describe()!r}",
                "use an element id, goto, back or forward",
            )
        selector, action = await self._selector(session_id, request.id)
        calls: list[tuple[str, dict]] = []
        is_select = action.tag == "select" or (action.params and bool(action.params[0].values))
        if request.type == "select" or (
            request.type in ("auto", "fill") and is_select and request.value is not None
        ):
            calls.append(("select", {"selector": selector, "value": request.value or ""}))
        elif request.type == "fill" or (
            request.type == "auto" and (request.value is not None or action.takes_value)
        ):
            calls.append(("fill", {"selector": selector, "value": request.value or ""}))
            if request.enter:
                calls.append(("press", {"key": "Enter", "selector": selector}))
        elif request.type in ("auto", "click", "check", "uncheck"):
            calls.append(("click", {"selector": selector}))
        else:
            raise Unsupported(f"ThinkRun's API cannot run {request.describe()!r}")
        return calls

    async def step(self, session_id: str, request: StepRequest) -> StepResult:
        await self._ready(session_id)
        calls = await self._control(session_id, request)
        started, started_at = time.perf_counter(), utcnow()
        reply = ControlResponse()
        for endpoint, body in calls:
            try:
                reply = await self._http.call(
                    "POST",
                    self._path(session_id, endpoint),
                    ControlResponse,
                    json_body=body,
                    idempotent=False,
                    headers=request_id_header(request.request_id),  # echoed on its events
                )
            except SessionNotFound as exc:
                # ThinkRun answers 404 for a selector that matches nothing as well as for a
                # session that is gone: only the second loses the session.
                await self.get_session(session_id)
                reply = ControlResponse(success=False, error=f"{request.describe()}: {exc.message}")
            if not reply.success:
                break
        self._pages.pop(session_id, None)  # the page may have changed: ids are stale
        obs = await self.observe(session_id)
        return StepResult(
            status=StepStatus.DONE if reply.success else StepStatus.ERROR,
            success=reply.success,
            message=reply.error
            or f"{request.describe()} → {obs.metadata.title or obs.metadata.url}",
            request=request,
            observation=obs,
            started_at=started_at,
            ended_at=utcnow(),
            duration_ms=(time.perf_counter() - started) * 1000,
        )

    async def scrape(
        self, session_id: str, *, schema: dict[str, Any] | None = None, **options: Any
    ) -> Any:
        if schema is not None:
            raise Unsupported(self.capabilities.reason("extract"))
        snap = await self._snapshot(session_id)
        if snap is None:
            raise Unsupported(self.capabilities.reason("markdown"))
        return snap.markdown

    # -- inspection --------------------------------------------------------------

    async def action_log(self, session_id: str) -> list[LogEntry]:
        reply = await self._http.call(
            "GET", self._path(session_id, "actions"), ActionList, params={"limit": 100}
        )
        return [
            LogEntry(
                index=i,
                type=a.type,
                params=a.details,
                timestamp=a.timestamp or utcnow(),
                duration_ms=a.duration or 0.0,
                success=a.success,
                error=a.error,
                url=str(a.details.get("url", "")),
            )
            for i, a in enumerate(reply.actions)
        ]

    async def artifacts(self, session_id: str) -> ArtifactList:
        """The session's screenshots and recording (ThinkRun keeps them after it ends)."""
        return await self._http.call("GET", self._path(session_id, "artifacts"), ArtifactList)

    async def console(self, session_id: str) -> list[ConsoleMessage]:
        reply = await self._http.call("GET", self._path(session_id, "console"), ConsoleList)
        return [
            ConsoleMessage(
                level=c.level, text=c.text, timestamp=c.timestamp or utcnow(), url=c.url or ""
            )
            for c in reply.logs
        ]

    async def network(self, session_id: str) -> list[NetworkRequest]:
        reply = await self._http.call("GET", self._path(session_id, "network"), NetworkList)
        return [
            NetworkRequest(
                url=n.url,
                method=n.method,
                status=n.status,
                duration_ms=n.duration,
                size=n.size,
                resource_type=n.resourceType or "",
                failure=n.failure,
                timestamp=n.timestamp or utcnow(),
            )
            for n in reply.requests
        ]

    async def health(self, session_id: str) -> Health:
        h = await self._http.call("GET", self._path(session_id, "health"), HealthResponse)
        checks: dict[str, Any] = {"status": h.status}
        if h.browserResponsive is not None:
            checks["browser_responsive"] = h.browserResponsive
        state = session_status(h.sessionState) if h.sessionState else SessionStatus.ACTIVE
        detail = h.message or f"{h.status}, session {h.sessionState or 'state unknown'}"
        return Health(ok=h.healthy and state.is_live, status=state, detail=detail, checks=checks)
