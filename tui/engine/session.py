"""One session of the embedded engine: a BrowserContext, its state, its steps.

`EngineSession` is one context with its tabs (`tui.engine.tabs`), action log and
console/network recording (`tui.engine.pagelog`). Steps and observations on one
session are serialized by a lock; different sessions run concurrently. A step
runs through the actions (`tui.engine.actions`) on a narrow `ActionTarget`
built here, never on the session itself; a stuck tab is recovered
(`tui.engine.recovery`) and a crashed tab or browser marks the session `error`.
`tui.engine.engine.Engine` owns the browser and creates the sessions.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections import deque
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from playwright.async_api import BrowserContext, Page
from playwright.async_api import Error as PlaywrightError

from tui import locations
from tui.engine import tracing
from tui.engine.actions import run_action
from tui.engine.bounds import CALL_SLACK_S, PageHung, bounded
from tui.engine.failures import translate
from tui.engine.limits import MAX_URL, MAX_VALUE, check_length
from tui.engine.masking import (
    SECRET_FIELDS_CSS,
    is_secret_element,
    masked,
    scrub,
    scrub_observation,
)
from tui.engine.observing import read_page, shot_result, shot_timeout_ms, start_screenshot
from tui.engine.pagelog import MAX_LOG, PageLog  # noqa: F401 - MAX_LOG re-exported
from tui.engine.perception import Perceived, capture_png, selectors_of
from tui.engine.recovery import recover_tab
from tui.engine.tabs import Tabs
from tui.engine.target import ActionTarget
from tui.engine.urls import REFUSED_SCHEMES, normalize_url  # noqa: F401 - re-exported
from tui.errors import BrowserCrashed, SessionGone, StepdeckError, StepTimeout
from tui.model import (
    Action,
    ConsoleMessage,
    Event,
    Health,
    LogEntry,
    NetworkRequest,
    Observation,
    Session,
    SessionStatus,
    StepRequest,
    StepResult,
    StepStatus,
    Tab,
    utcnow,
)

if TYPE_CHECKING:  # the engine builds its sessions; a session only calls back into it
    from tui.engine.engine import Engine

# Events a session keeps while its first page loads, before it is announced (the page's
# console and network while loading; the log keeps them all).
MAX_HELD_EVENTS = 500


class EngineSession:
    """One browser session: a BrowserContext with tabs, logs and a lock."""

    def __init__(
        self,
        engine: Engine,
        context: BrowserContext,
        *,
        idle_timeout_minutes: float,
        label: str = "",
        viewport: tuple[int, int] = (1280, 800),
    ) -> None:
        self.engine = engine
        self.id = uuid.uuid4().hex[:12]
        self.context = context
        self.idle_timeout_minutes = idle_timeout_minutes
        self.label = label
        self.viewport = viewport
        self.status = SessionStatus.ACTIVE
        self.created_at = utcnow()
        self.last_accessed_at = self.created_at
        self._last_mono = time.monotonic()
        self.closed_at: datetime | None = None
        self.error: str | None = None
        self.paused = False
        self.starting = True  # being created: the first page is loading
        self._held: list[Event] = []  # its events while starting (`emit`)
        self.steps = 0
        self.log: list[LogEntry] = []
        self.secrets: set[str] = set()  # values typed into secret fields: masked everywhere
        self.logs = PageLog(self.secrets, self.emit, lambda: self.tabs.resolve_nav())
        self.tabs = Tabs(
            context,
            self.logs,
            emit=self.emit,
            fail=self.fail,
            live=lambda: self.live,
            call_budget_s=self.call_budget_s,
            downloads=locations.downloads_dir() / self.id,
        )
        self.start_url = ""
        self.profile = ""  # the saved profile it started from
        self.endpoint = ""  # the pool endpoint it runs on (tui.engine.pool)
        self.good_url = ""  # the last page that answered (unscrubbed): a stuck tab reopens it
        self.ended = asyncio.Event()  # set once the session is no longer active
        self.lock = asyncio.Lock()
        self.perceived: Perceived | None = None  # the last walk (ids -> elements in the page)
        self.agent_memory: Any = None  # the agent's pending question and last search (engine/agent)
        self.last_observation: Observation | None = None
        self.trace_path: Path | None = None  # recording a Playwright trace into it (tracing.py)
        self.logs.follow_context(context)

    # --- logs (engine/pagelog.py) ---------------------------------------------------------

    @property
    def console(self) -> deque[ConsoleMessage]:
        return self.logs.console

    @property
    def network(self) -> deque[NetworkRequest]:
        return self.logs.network

    def marks(self) -> tuple[int, int]:
        """Where the console and network logs stand now (see `since`)."""
        return self.logs.marks()

    def since(self, marks: tuple[int, int]) -> tuple[list[ConsoleMessage], list[NetworkRequest]]:
        """Console messages and requests that arrived after `marks` (copies)."""
        return self.logs.since(marks)

    # --- state ----------------------------------------------------------------------------

    @property
    def page(self) -> Page | None:
        return self.tabs.page

    @property
    def live(self) -> bool:
        return self.status == SessionStatus.ACTIVE

    def touch(self) -> None:
        self.last_accessed_at = utcnow()
        self._last_mono = time.monotonic()

    def idle_seconds(self) -> float:
        return time.monotonic() - self._last_mono

    def expired(self) -> bool:
        if self.starting:  # its idle clock starts once its first page has loaded
            return False
        return self.live and self.idle_seconds() > self.idle_timeout_minutes * 60

    def check_live(self) -> None:
        """Raise the typed error for a session that can no longer be stepped."""
        if self.live and self.expired():
            self.engine.schedule_expire(self)
        if self.status == SessionStatus.ACTIVE:
            return
        if self.status == SessionStatus.ERROR:
            raise BrowserCrashed(f"Session {self.id} crashed: {self.error or 'browser gone'}")
        word = "expired" if self.status == SessionStatus.TIMED_OUT else "was closed"
        raise SessionGone(f"Session {self.id} {word}")

    def to_session(self) -> Session:
        page = self.page
        url = title = ""
        if self.last_observation is not None:
            url = self.last_observation.metadata.url
            title = self.last_observation.metadata.title
        if page is not None and self.live:
            url = page.url
        url = scrub(url, self.secrets)
        return Session(
            id=self.id,
            provider="local",
            status=self.status,
            created_at=self.created_at,
            last_accessed_at=self.last_accessed_at,
            closed_at=self.closed_at,
            url=url,
            title=title,
            steps=self.steps,
            label=self.label,
            idle_timeout_minutes=self.idle_timeout_minutes,
            error=self.error,
            paused=self.paused,
            start_url=self.start_url,
            profile=self.profile,
            endpoint=self.endpoint,
        )

    def tab_list(self) -> list[Tab]:
        return self.tabs.listing(self.secrets)

    def emit(self, kind: str, **data: Any) -> None:
        event = Event(kind=kind, session_id=self.id, data=data)  # type: ignore[arg-type]
        if self.starting:  # held until it is announced (`announce`), dropped if it never opens
            if len(self._held) < MAX_HELD_EVENTS:
                self._held.append(event)
            return
        self.engine.emit(event)

    def announce(self) -> None:
        """Its first page is there: say it exists, then what happened while it loaded."""
        self.starting = False
        held, self._held = self._held, []
        self.emit("session", action="created")
        for event in held:
            self.engine.emit(event)

    def action_target(self) -> ActionTarget:
        """What a step's action may touch: the tabs, the limits, the secrets, the last walk."""
        return ActionTarget(
            tabs=self.tabs,
            limits=self.engine.limits,
            secrets=self.secrets,
            ended=self.ended,
            viewport=self.viewport,
            perceived=self.perceived,
        )

    def is_secret(self, request: StepRequest) -> bool:
        """Whether the step types into a password field (as far as the last walk knows)."""
        if not request.id or request.value is None or self.perceived is None:
            return False
        return is_secret_element(self.perceived.raw.get(request.id.strip().upper()))

    def fail(self, reason: str) -> None:
        """Mark the session `error` (tab or browser crash)."""
        if self.status != SessionStatus.ACTIVE:
            return
        self.status = SessionStatus.ERROR
        self.error = reason
        self.closed_at = utcnow()
        self.ended.set()
        self.tabs.resolve_nav()
        self.emit("status", status=self.status.value, error=reason)

    # --- observe / step -------------------------------------------------------------------

    async def ensure_page(self) -> Page:
        return await self.tabs.ensure_page()

    async def observe(self, screenshot: bool = True) -> Observation:
        """The page now: metadata, action space, markdown and (optionally) a screenshot."""
        async with self.lock:
            self.check_live()
            self.touch()
            return await self.observe_unlocked(screenshot=screenshot)

    async def observe_unlocked(self, *, screenshot: bool = True, done: str = "") -> Observation:
        """Observe, bounded: a page that stops answering is recovered, then a timeout says so.

        `done` is what the step before it did (it happened, even if the page then hung).
        """
        page = await self.ensure_page()
        try:
            return await bounded(
                self._observe_page(page, screenshot), self.observe_budget_s(), "observe"
            )
        except PageHung as exc:
            raise await self.recovered(page, exc, scrub(done, self.secrets)) from None

    def observe_budget_s(self) -> float:
        return self.engine.limits.observe_budget_s()

    def call_budget_s(self) -> float:
        return self.engine.limits.call_budget_s()

    async def recovered(self, page: Page, exc: PageHung, done: str = "") -> StepTimeout:
        """Recover the stuck tab; the timeout to raise, saying what was done and what next."""
        try:
            hint = await recover_tab(
                self.action_target(), page, good_url=self.good_url, fail=self.fail
            )
        except Exception as failure:  # the recovery itself must never wedge or crash a step
            self.fail(f"a page stopped answering and could not be recovered ({failure})")
            hint = "close this session and start a new one"
        if not self.live and self.status == SessionStatus.ERROR:
            hint = "close this session and start a new one"
        message = f"{done}, then {exc.message}" if done else exc.message
        return StepTimeout(message, hint)

    async def _observe_page(self, page: Page, screenshot: bool) -> Observation:
        if page in self.tabs.fresh:
            # A popup opened by the page: let its document arrive before describing it.
            self.tabs.fresh.discard(page)
            with contextlib.suppress(PlaywrightError):
                await page.wait_for_load_state(
                    "domcontentloaded", timeout=self.engine.nav_timeout_ms
                )
        # The screenshot is asked for first: the browser captures it while the walk's answer
        # travels back and the markdown (CPU work, off the event loop) is converted.
        walk_s = self.engine.walk_timeout_s
        shot_task = start_screenshot(page, walk_s) if screenshot else None
        try:
            try:
                perceived, markdown = await read_page(page, walk_s)
                png, note = await shot_result(
                    shot_task, browser_connected=self.engine.host.connected
                )
            except BaseException:
                if shot_task is not None:  # a stuck page must not hold the caller 15 s more
                    shot_task.cancel()
                    with contextlib.suppress(BaseException):
                        await shot_task
                raise
        except PlaywrightError as exc:
            raise self.translate(exc, "observe") from exc
        self.perceived = perceived
        meta = perceived.meta()
        if self.secrets:  # a form sent by GET put the password in the url
            meta.url = scrub(meta.url, self.secrets)
        self.tabs.titles[page] = perceived.title
        await self.tabs.refresh_titles()
        meta.tabs = self.tab_list()
        obs = Observation(
            metadata=meta, actions=perceived.actions, markdown=markdown, screenshot=png, note=note
        )
        scrub_observation(obs, self.secrets)  # a typed card number shows in its input's value
        self.last_observation = obs
        if not page.is_closed() and page.url.startswith(("http://", "https://")):
            self.good_url = page.url
        return obs

    async def fill_selectors(self, actions: list[Action]) -> None:
        """Write in the CSS selectors the last walk left out (see `selectors_of`)."""
        missing = [a for a in actions if not a.selector]
        if not missing:
            return
        page = await self.ensure_page()
        try:
            found = await bounded(
                selectors_of(page, [a.id for a in missing]), self.call_budget_s(), "selectors"
            )
        except PageHung as exc:
            raise await self.recovered(page, exc) from None
        except PlaywrightError as exc:
            raise self.translate(exc, "selectors") from exc
        for action, selector in zip(missing, found, strict=True):
            action.selector = selector

    async def scroll_to_bottom(self, rounds: int = 10) -> None:
        """Scroll until the page stops growing (pages that load more on scroll)."""
        async with self.lock:
            self.check_live()
            self.touch()
            page = await self.ensure_page()
            last = -1
            for _ in range(rounds):
                try:
                    height = await bounded(
                        page.evaluate(
                            "() => { window.scrollTo(0, document.documentElement.scrollHeight);"
                            " return document.documentElement.scrollHeight; }"
                        ),
                        self.call_budget_s(),
                        "scroll",
                    )
                except PageHung as exc:
                    raise await self.recovered(page, exc) from None
                except PlaywrightError as exc:
                    raise self.translate(exc, "scroll") from exc
                if height == last:
                    return
                last = height
                with contextlib.suppress(PlaywrightError):
                    await page.wait_for_load_state("networkidle", timeout=1_000)

    async def screenshot(self) -> bytes:
        async with self.lock:
            self.check_live()
            self.touch()
            page = await self.ensure_page()
            try:
                return await bounded(
                    capture_png(
                        page, shot_timeout_ms(self.engine.walk_timeout_s), SECRET_FIELDS_CSS
                    ),
                    shot_timeout_ms(self.engine.walk_timeout_s) / 1000 + CALL_SLACK_S,
                    "screenshot",
                )
            except PageHung as exc:
                raise await self.recovered(page, exc) from None
            except PlaywrightError as exc:
                raise self.translate(exc, "screenshot") from exc

    async def step(self, request: StepRequest) -> StepResult:
        """Run one action (by id or a browser action) and return the new observation."""
        check_length("value", request.value, MAX_VALUE)
        check_length("url", request.url, MAX_URL)
        async with self.lock:
            self.check_live()
            self.touch()
            started = utcnow()
            t0 = time.perf_counter()
            marks = self.marks()
            secret = self.is_secret(request)
            if secret and request.value:
                self.secrets.add(request.value)
            shown = masked(request, secret=secret, secrets=self.secrets)
            entry = LogEntry(
                index=len(self.log),
                type=request.type,
                params=shown.model_dump(
                    exclude_defaults=True, exclude={"type", "source", "confirm", "request_id"}
                ),
                timestamp=started,
            )
            try:
                target = self.action_target()
                try:
                    outcome = await bounded(
                        run_action(target, request),
                        target.limits.action_budget_s(),
                        request.type,
                    )
                except PageHung as exc:
                    stuck = self.page
                    if stuck is None:
                        raise
                    raise await self.recovered(stuck, exc) from None
                finally:
                    self.perceived = target.perceived  # an action that walked again renewed it
                if outcome.secret and request.value and not secret:
                    # The walk before the action did not know the field: mask it now.
                    self.secrets.add(request.value)
                    shown = masked(request, secret=True, secrets=self.secrets)
                    entry.params = shown.model_dump(
                        exclude_defaults=True, exclude={"type", "source", "confirm", "request_id"}
                    )
                obs = await self.observe_unlocked(screenshot=True, done=outcome.message)
            except StepdeckError as exc:
                self._finish(entry, t0, error=exc, request_id=request.request_id)
                raise
            except PlaywrightError as exc:
                err = self.translate(exc, request.type)
                self._finish(entry, t0, error=err, request_id=request.request_id)
                raise err from exc
            self.steps += 1
            self._finish(entry, t0, message=outcome.message, url=obs.metadata.url)
            self.touch()
            console, network = self.since(marks)
            result = StepResult(
                status=StepStatus.DONE,
                success=True,
                message=scrub(outcome.message, self.secrets),
                request=shown,
                observation=obs,
                started_at=started,
                ended_at=utcnow(),
                duration_ms=entry.duration_ms,
                data=outcome.data,
                console=console,
                network=network,
            )
            self.emit(
                "step",
                index=entry.index,
                action=shown.describe(),
                success=True,
                url=obs.metadata.url,
                ms=entry.duration_ms,
                request_id=request.request_id,
            )
            return result

    def _finish(
        self,
        entry: LogEntry,
        t0: float,
        *,
        error: StepdeckError | None = None,
        message: str = "",
        url: str = "",
        request_id: str | None = None,
    ) -> None:
        entry.duration_ms = round((time.perf_counter() - t0) * 1000, 1)
        entry.success = error is None
        entry.error = str(error) if error else None
        entry.message = scrub(message, self.secrets)
        entry.url = scrub(
            url or (self.page.url if self.page is not None and self.live else ""), self.secrets
        )
        self.log.append(entry)
        if error is not None:
            self.emit(
                "step",
                index=entry.index,
                success=False,
                error=entry.error,
                request_id=request_id,
            )

    def translate(self, exc: PlaywrightError, what: str) -> StepdeckError:
        """A Playwright error as a typed error a person can act on (engine/failures.py)."""
        return translate(
            exc,
            what,
            session_id=self.id,
            status=self.status,
            browser_connected=self.engine.host.connected,
            fail=self.fail,
            error=self.error,
        )

    def health(self) -> Health:
        page = self.page
        pool = self.engine.pool
        connected = pool.is_up(self.endpoint) if pool is not None else self.engine.host.connected
        checks: dict[str, Any] = {
            "browser_connected": connected,
            "tabs": len(self.tabs.pages),
            "idle_seconds": round(self.idle_seconds(), 1),
            "steps": self.steps,
            **self.logs.counts(),
        }
        ok = self.live and connected and page is not None and not page.is_closed()
        detail = "ok" if ok else (self.error or f"session {self.status.value}")
        return Health(ok=ok, status=self.status, detail=detail, checks=checks)

    async def close(self, status: SessionStatus = SessionStatus.CLOSED) -> None:
        if self.status == SessionStatus.ACTIVE:
            self.status = status
            self.closed_at = utcnow()
            self.emit("status", status=status.value)  # held, and dropped, if it never opened
            self.emit("session", action="closed", status=status.value)
        self.ended.set()
        self.tabs.resolve_nav()
        # An ended session stays listed (with its logs); its pixels and elements are let go.
        self.perceived = None
        if self.last_observation is not None:  # a copy: callers may still hold the original
            self.last_observation = self.last_observation.model_copy(update={"screenshot": None})
        self.logs.forget_inflight()
        if self.trace_path is not None:  # written before the context goes (evidence: --trace)
            trace, self.trace_path = self.trace_path, None
            with contextlib.suppress(PlaywrightError, Exception):
                await tracing.stop(self.context, trace, self.secrets)
        with contextlib.suppress(PlaywrightError, Exception):
            # A context whose renderer hangs still closes (the browser kills it); bounded anyway.
            await bounded(self.context.close(), 10.0, "closing the session")
