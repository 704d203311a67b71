"""Sessions of the embedded engine: one BrowserContext each, many per browser.

`Engine` owns the browser and the sessions; `EngineSession` is one context
with its tabs, action log, console messages and network requests. Steps and
observations on one session are serialized by a lock; different sessions run
concurrently. Dialogs are dismissed and recorded, popups become tabs, and a
crashed tab or browser marks its sessions `error` without taking the engine
down.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from playwright.async_api import BrowserContext, CDPSession, Dialog, Page
from playwright.async_api import Error as PlaywrightError

from tui.engine import tracing
from tui.engine.bounds import CALL_SLACK_S, QUICK_S, PageHung, bounded
from tui.engine.browser import BrowserHost
from tui.engine.failures import start_error, translate
from tui.engine.limits import (
    MAX_LABEL,
    MAX_URL,
    MAX_VALUE,
    check_length,
    check_viewport,
)
from tui.engine.masking import (
    SECRET_FIELDS_CSS,
    is_secret_element,
    masked,
    scrub,
    scrub_observation,
)
from tui.engine.pagelog import MAX_LOG, PageLog  # noqa: F401 - MAX_LOG re-exported
from tui.engine.perception import (
    Perceived,
    init_script,
    parse_take,
    strip_controls,
    take_walk,
    to_markdown,
    walk_html,
)
from tui.engine.pool import BrowserPool
from tui.engine.profiles import Profile
from tui.engine.urls import REFUSED_SCHEMES, normalize_url  # noqa: F401 - re-exported
from tui.errors import (
    BrowserCrashed,
    SessionGone,
    SessionNotFound,
    StepdeckError,
    StepTimeout,
)
from tui.model import (
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

WALK_TIMEOUT = 20.0  # seconds: a page whose scripts never yield must not hang the session


class Tabs:
    """The pages of one session, in opening order, and which one is active."""

    def __init__(self) -> None:
        self.pages: list[Page] = []
        self.active = 0

    @property
    def page(self) -> Page | None:
        if not self.pages:
            return None
        self.active = min(self.active, len(self.pages) - 1)
        return self.pages[self.active]


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
        self.steps = 0
        self.tabs = Tabs()
        self._titles: dict[Page, str] = {}
        # A DevTools session per tab, opened when the tab is: one opened after its page hung
        # cannot end the page's script (the renderer never finishes attaching it).
        self.devtools: dict[Page, asyncio.Task[CDPSession]] = {}
        self._fresh: set[Page] = set()  # popups not yet observed: still loading, maybe
        self.log: list[LogEntry] = []
        self.secrets: set[str] = set()  # values typed into secret fields: masked everywhere
        self.logs = PageLog(self.secrets, self.emit, self._resolve_nav)
        self.start_url = ""
        self.profile = ""  # the saved profile it started from
        self.endpoint = ""  # the pool endpoint it runs on (tui.engine.pool)
        self.good_url = ""  # the last page that answered (unscrubbed): a stuck tab reopens it
        self.ended = asyncio.Event()  # set once the session is no longer active
        self._nav_waiters: list[asyncio.Future[None]] = []
        self.lock = asyncio.Lock()
        self.perceived: Perceived | None = None  # the last walk (ids -> elements in the page)
        self.agent_memory: Any = None  # the agent's pending question and last search (engine/agent)
        self.last_observation: Observation | None = None
        self.trace_path: Path | None = None  # recording a Playwright trace into it (tracing.py)
        context.on("page", self._on_page)
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
        return [
            Tab(
                index=i,
                url=scrub(p.url, self.secrets),
                title=self._titles.get(p, ""),
                active=i == self.tabs.active,
            )
            for i, p in enumerate(self.tabs.pages)
        ]

    async def _refresh_titles(self) -> None:
        """Titles of the other tabs (one quick call each; sessions rarely have many)."""
        others = [p for i, p in enumerate(self.tabs.pages) if i != self.tabs.active]
        if not others:
            return

        async def title(p: Page) -> None:
            with contextlib.suppress(PlaywrightError, TimeoutError):
                self._titles[p] = strip_controls(await asyncio.wait_for(p.title(), 2.0))

        await asyncio.gather(*(title(p) for p in others))

    def emit(self, kind: str, **data: Any) -> None:
        self.engine.emit(Event(kind=kind, session_id=self.id, data=data))  # type: ignore[arg-type]

    # --- browser events -------------------------------------------------------------------

    def attach(self, page: Page, *, index: int | None = None) -> None:
        """Follow a page: console, dialogs, crashes, navigation; it becomes a tab."""
        if page in self.tabs.pages:
            return
        if index is None:
            self.tabs.pages.append(page)
        else:
            self.tabs.pages.insert(min(index, len(self.tabs.pages)), page)
        self.logs.follow_page(page)
        page.on("dialog", self._on_dialog)
        page.on("crash", self._on_crash)
        page.on("close", self._on_close)
        page.on("framenavigated", self._on_frame_navigated)
        task = asyncio.get_running_loop().create_task(self.context.new_cdp_session(page))
        task.add_done_callback(lambda t: t.cancelled() or t.exception())  # never "unretrieved"
        self.devtools[page] = task

    def _on_page(self, page: Page) -> None:
        # Popups (target=_blank, window.open) become the active tab.
        if page in self.tabs.pages or not self.live:
            return
        self.attach(page)
        self.tabs.active = len(self.tabs.pages) - 1
        self._fresh.add(page)
        self.emit("tab", action="opened", index=self.tabs.active, url=page.url)

    def _on_close(self, page: Page) -> None:
        index = self.forget_tab(page)
        if index is not None and self.live:
            self.emit("tab", action="closed", index=index)

    def forget_tab(self, page: Page) -> int | None:
        """Drop a closed page from the tabs (its close event may come later); its old index."""
        if page not in self.tabs.pages:
            return None
        index = self.tabs.pages.index(page)
        self.tabs.pages.remove(page)
        self._titles.pop(page, None)
        self._fresh.discard(page)
        devtools = self.devtools.pop(page, None)
        if devtools is not None and not devtools.done():
            devtools.cancel()
        if self.tabs.active >= index and self.tabs.active > 0:
            self.tabs.active -= 1
        return index

    def shown_url(self, url: str) -> str:
        """A url as it may be shown: known secrets scrubbed."""
        return scrub(url, self.secrets)

    async def _on_dialog(self, dialog: Dialog) -> None:
        text = f"{dialog.type}: {dialog.message}"
        entry = ConsoleMessage(
            level="dialog", text=text, url=dialog.page.url if dialog.page else ""
        )
        self.logs.add_console(entry)
        with contextlib.suppress(PlaywrightError, PageHung):
            if dialog.type == "beforeunload":
                # dismissing would cancel the navigation the step asked for
                await bounded(dialog.accept(), QUICK_S, "accepting a dialog")
            else:
                await bounded(dialog.dismiss(), QUICK_S, "dismissing a dialog")

    def _on_crash(self, page: Page) -> None:
        self.fail("the tab crashed")

    def _on_frame_navigated(self, frame) -> None:
        if frame.parent_frame is None:
            self._resolve_nav()

    def _resolve_nav(self) -> None:
        for fut in self._nav_waiters:
            if not fut.done():
                fut.set_result(None)

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
        self._resolve_nav()
        self.emit("status", status=self.status.value, error=reason)

    # --- navigation waits -----------------------------------------------------------------

    def nav_waiter(self) -> asyncio.Future[None]:
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._nav_waiters.append(fut)
        return fut

    def drop_waiter(self, fut: asyncio.Future[None]) -> None:
        with contextlib.suppress(ValueError):
            self._nav_waiters.remove(fut)

    # --- observe / step -------------------------------------------------------------------

    async def ensure_page(self) -> Page:
        page = self.page
        if page is None:
            page = await bounded(self.context.new_page(), 10.0, "opening a tab")
            self.attach(page)
            self.tabs.active = len(self.tabs.pages) - 1
        return page

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
        """The longest an observation may take: a popup's load, the walk, a margin."""
        return self.engine.nav_timeout_ms / 1000 + self.engine.walk_timeout_s + 5

    def action_budget_s(self) -> float:
        """The longest an action may take: a navigation (maybe retried once), then its load."""
        return 2 * self.engine.nav_timeout_ms / 1000 + self.engine.action_timeout_ms / 1000 + 5

    def call_budget_s(self) -> float:
        """The bound of one quick call into the page (evaluate, mouse, keyboard)."""
        return self.engine.action_timeout_ms / 1000 + CALL_SLACK_S

    async def recovered(self, page: Page, exc: PageHung, done: str = "") -> StepTimeout:
        """Recover the stuck tab; the timeout to raise, saying what was done and what next."""
        from tui.engine.recovery import recover_tab

        try:
            hint = await recover_tab(self, page)
        except Exception as failure:  # the recovery itself must never wedge or crash a step
            self.fail(f"a page stopped answering and could not be recovered ({failure})")
            hint = "close this session and start a new one"
        if not self.live and self.status == SessionStatus.ERROR:
            hint = "close this session and start a new one"
        message = f"{done}, then {exc.message}" if done else exc.message
        return StepTimeout(message, hint)

    async def _observe_page(self, page: Page, screenshot: bool) -> Observation:
        if page in self._fresh:
            # A popup opened by the page: let its document arrive before describing it.
            self._fresh.discard(page)
            with contextlib.suppress(PlaywrightError):
                await page.wait_for_load_state(
                    "domcontentloaded", timeout=self.engine.nav_timeout_ms
                )
        # The screenshot is asked for first: the browser captures it while the walk's answer
        # travels back and the markdown (CPU work, off the event loop) is converted.
        shot_task = (
            asyncio.ensure_future(
                page.screenshot(
                    type="png", timeout=self._shot_timeout_ms(), style=SECRET_FIELDS_CSS
                )
            )
            if screenshot
            else None
        )
        try:
            try:
                perceived, markdown = await self._perceive(page)
                png, note = await self._shot_result(shot_task)
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
        self._titles[page] = perceived.title
        await self._refresh_titles()
        meta.tabs = self.tab_list()
        obs = Observation(
            metadata=meta, actions=perceived.actions, markdown=markdown, screenshot=png, note=note
        )
        scrub_observation(obs, self.secrets)  # a typed card number shows in its input's value
        self.last_observation = obs
        if not page.is_closed() and page.url.startswith(("http://", "https://")):
            self.good_url = page.url
        return obs

    async def _shot_result(self, task: asyncio.Future[bytes] | None) -> tuple[bytes | None, str]:
        """The screenshot, or None and why: a failed screenshot never fails an observation."""
        if task is None:
            return None, ""
        try:
            return await task, ""
        except PlaywrightError as exc:
            if not self.engine.host.connected or "crash" in str(exc).lower():
                raise
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else "failed"
            return None, f"no screenshot: {first}"

    async def _perceive(self, page: Page) -> tuple[Perceived, str]:
        """One walk, in two halves: the HTML comes back first and its markdown is converted
        (in a worker thread) while the action space travels and is parsed (in another)."""
        for _ in range(3):
            url, html, mark = await self._walk(page, lambda: walk_html(page))
            # Markdown and parsing are CPU work: off the event loop, so a UI never stalls.
            markdown = asyncio.ensure_future(asyncio.to_thread(to_markdown, html, url, mark))
            try:
                text = await self._walk(page, lambda: take_walk(page))
                if text is None:  # a new document arrived between the halves: walk it
                    continue
                perceived = await asyncio.to_thread(parse_take, text)
                return perceived, await markdown
            finally:
                if not markdown.done():
                    markdown.cancel()
        raise StepTimeout(
            "The page kept changing while it was being read",
            "observe again once it settles",
        )

    async def _walk(self, page: Page, call: Callable[[], Awaitable[Any]]) -> Any:
        for attempt in range(3):
            try:
                return await asyncio.wait_for(call(), self.engine.walk_timeout_s)
            except TimeoutError:
                raise PageHung(
                    f"the page did not answer within {self.engine.walk_timeout_s:.0f} s "
                    "(its scripts may be stuck)"
                ) from None
            except PlaywrightError as exc:
                # A navigation in flight destroys the context: wait for the new document.
                if "context was destroyed" not in str(exc) and "navigat" not in str(exc).lower():
                    raise
                if attempt == 2:
                    raise
                with contextlib.suppress(PlaywrightError):
                    await page.wait_for_load_state("domcontentloaded", timeout=5_000)
        raise AssertionError("unreachable")

    def _shot_timeout_ms(self) -> float:
        return min(15_000.0, self.engine.walk_timeout_s * 1000)

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
                    page.screenshot(
                        type="png", timeout=self._shot_timeout_ms(), style=SECRET_FIELDS_CSS
                    ),
                    self._shot_timeout_ms() / 1000 + CALL_SLACK_S,
                    "screenshot",
                )
            except PageHung as exc:
                raise await self.recovered(page, exc) from None
            except PlaywrightError as exc:
                raise self.translate(exc, "screenshot") from exc

    async def step(self, request: StepRequest) -> StepResult:
        """Run one action (by id or a browser action) and return the new observation."""
        from tui.engine.actions import run_action  # actions import this module

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
                try:
                    outcome = await bounded(
                        run_action(self, request), self.action_budget_s(), request.type
                    )
                except PageHung as exc:
                    stuck = self.page
                    if stuck is None:
                        raise
                    raise await self.recovered(stuck, exc) from None
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
            self.emit("status", status=status.value)
            self.emit("session", action="closed", status=status.value)
        self.ended.set()
        self._resolve_nav()
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


class Engine:
    """The embedded engine: one browser (launched or attached), many sessions."""

    def __init__(
        self,
        *,
        chromium: str | None = None,
        cdp_url: str | None = None,
        headed: bool = False,
        allow_schemes: tuple[str, ...] | list[str] = (),
        idle_timeout_minutes: float = 15,
        nav_timeout_ms: float = 15_000,
        action_timeout_ms: float = 5_000,
        pool: BrowserPool | None = None,
    ) -> None:
        # A pool of remote endpoints (tui.engine.pool) stands in for the one browser.
        self.pool = pool
        self.host: BrowserHost | BrowserPool
        if pool is not None:
            pool.on_lost = self._on_endpoint_lost
            self.host = pool
        else:
            self.host = BrowserHost(
                chromium=chromium, cdp_url=cdp_url, headed=headed, on_disconnect=self._on_disconnect
            )
        self.allow_schemes = tuple(s.lower().rstrip(":") for s in allow_schemes)
        self.idle_timeout_minutes = idle_timeout_minutes
        self.nav_timeout_ms = nav_timeout_ms
        self.action_timeout_ms = action_timeout_ms
        self.walk_timeout_s = WALK_TIMEOUT
        self.sessions: dict[str, EngineSession] = {}
        self._listeners: list[Callable[[Event], None]] = []
        self._sweeper: asyncio.Task[None] | None = None
        self._closing: set[asyncio.Task[Any]] = set()
        self._wake = asyncio.Event()

    async def start(self) -> None:
        await self.host.ensure()
        if self._sweeper is None or self._sweeper.done():
            self._sweeper = asyncio.create_task(self._sweep(), name="stepdeck-idle-sweep")

    async def aclose(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None
        for sess in list(self.sessions.values()):
            if sess.live:
                await sess.close()
        await self.host.close()

    # --- events ---------------------------------------------------------------------------

    def subscribe(self, listener: Callable[[Event], None]) -> Callable[[], None]:
        """Call `listener` with every event; returns a function that unsubscribes."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def emit(self, event: Event) -> None:
        for listener in list(self._listeners):
            with contextlib.suppress(Exception):
                listener(event)

    # --- sessions -------------------------------------------------------------------------

    async def create(
        self,
        url: str | None = None,
        *,
        viewport: tuple[int, int] = (1280, 800),
        idle_timeout_minutes: float | None = None,
        label: str = "",
        profile: Profile | None = None,
        trace: bool = False,
    ) -> EngineSession:
        """A new session (its own context), optionally opened at `url`, from a saved profile."""
        # Bad input is refused before anything opens: no session is left behind.
        viewport = check_viewport(*viewport)
        check_length("label", label, MAX_LABEL)
        check_length("url", url, MAX_URL)
        target = normalize_url(url, self.allow_schemes) if url else None
        await self.start()
        endpoint = ""
        for attempt in (1, 2):
            if self.pool is not None:  # the least-loaded endpoint (it tries the next on failure)
                context, endpoint = await self.pool.new_context(
                    viewport={"width": viewport[0], "height": viewport[1]},
                    **(profile.context_options() if profile else {}),
                )
                break
            browser = await self.host.ensure()
            try:
                context = await bounded(
                    browser.new_context(
                        viewport={"width": viewport[0], "height": viewport[1]},
                        **(profile.context_options() if profile else {}),
                    ),
                    15.0,
                    "opening a browser context",
                )
                break
            except (PlaywrightError, PageHung) as exc:
                # The browser died between ensure() and here: relaunch once.
                if attempt == 2 or self.host.connected:
                    raise BrowserCrashed(
                        f"Could not open a session: {str(exc).splitlines()[0]}",
                        "try again; if it keeps failing, restart stepdeck",
                    ) from exc
        if profile is not None:
            await profile.prepare(context)
        # Elements clickable only by a script listener are found by the walk (agent's hook).
        await context.add_init_script(init_script())
        context.set_default_timeout(self.action_timeout_ms)
        context.set_default_navigation_timeout(self.nav_timeout_ms)
        sess = EngineSession(
            self,
            context,
            idle_timeout_minutes=idle_timeout_minutes
            if idle_timeout_minutes is not None
            else self.idle_timeout_minutes,
            label=label,
            viewport=viewport,
        )
        sess.profile = profile.name if profile is not None else ""
        if trace:  # a Playwright trace from the first page on (evidence: --trace)
            sess.trace_path = await tracing.start(context, sess.id, label)
        sess.endpoint = endpoint
        try:
            page = await bounded(context.new_page(), 10.0, "opening a tab")
        except (PlaywrightError, PageHung) as exc:
            with contextlib.suppress(Exception):
                await bounded(context.close(), 10.0, "closing the context")
            raise BrowserCrashed(
                f"Could not open a tab: {str(exc).splitlines()[0]}",
                "try again; if it keeps failing, restart stepdeck",
            ) from exc
        self.sessions[sess.id] = sess
        self._wake.set()
        sess.attach(page)
        sess.start_url = target or ""
        sess.emit("session", action="created")
        if target:
            try:
                await bounded(
                    page.goto(target, wait_until="domcontentloaded"),
                    self.nav_timeout_ms / 1000 + CALL_SLACK_S,
                    f"goto {target}",
                )
                sess.good_url = page.url
            except (PlaywrightError, PageHung) as exc:
                # No session is left behind on Chromium's error page: close it, say why.
                err = (
                    self._start_error(sess, exc, target)
                    if isinstance(exc, PlaywrightError)
                    else StepTimeout(
                        f"{target} did not load in time; no session opened",
                        "check that the site answers, or start without a url and goto later",
                    )
                )
                await sess.close()
                self.sessions.pop(sess.id, None)
                raise err from exc
        sess.starting = False
        sess.touch()
        return sess

    def _start_error(self, sess: EngineSession, exc: PlaywrightError, url: str) -> StepdeckError:
        translated = sess.translate(exc, f"goto {url}")
        return start_error(exc, url, self.nav_timeout_ms / 1000, translated)

    def get(self, session_id: str) -> EngineSession:
        sess = self.sessions.get(session_id)
        if sess is None:
            raise SessionNotFound(f"No local session {session_id!r}")
        if sess.expired():
            self.schedule_expire(sess)
        return sess

    def list(self) -> list[EngineSession]:
        for sess in list(self.sessions.values()):
            if sess.expired():
                self.schedule_expire(sess)
        return list(self.sessions.values())

    async def close(self, session_id: str) -> EngineSession:
        sess = self.get(session_id)
        await sess.close()
        return sess

    def schedule_expire(self, sess: EngineSession) -> None:
        """Mark an idle session timed out now; release its context in the background."""
        if not sess.live:
            return
        sess.status = SessionStatus.TIMED_OUT
        sess.closed_at = utcnow()
        sess.ended.set()
        sess.emit("status", status=sess.status.value)
        task = asyncio.get_running_loop().create_task(sess.close(SessionStatus.TIMED_OUT))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def _sweep(self) -> None:
        while True:
            live = [s for s in self.sessions.values() if s.live]
            shortest = min((s.idle_timeout_minutes * 60 for s in live), default=120.0)
            # A new session (maybe with a shorter timeout) wakes the sweep early.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), max(0.1, min(30.0, shortest / 4)))
            self._wake.clear()
            live = [s for s in self.sessions.values() if s.live]
            for sess in live:
                # A session whose step is stuck (its lock held) expires too: closing its
                # context ends the stuck call, which then answers that the session expired.
                if sess.expired():
                    self.schedule_expire(sess)

    def _on_disconnect(self) -> None:
        for sess in self.sessions.values():
            sess.fail("the browser is gone")

    def _on_endpoint_lost(self, endpoint: str, reason: str) -> None:
        """A pool endpoint went away: only the sessions it held fail."""
        for sess in self.sessions.values():
            if sess.endpoint == endpoint:
                sess.fail(f"the browser at {endpoint} is gone ({reason})")
