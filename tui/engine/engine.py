"""The embedded engine: one browser (launched, attached, or a pool), many sessions.

`Engine` owns the browser and the sessions (`tui.engine.session.EngineSession`, one
BrowserContext each): it opens a session (refusing bad input before anything
opens), finds, lists and closes them, expires idle ones in the background, fans
events out to subscribers, and fails only the sessions a lost browser held.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from playwright.async_api import Error as PlaywrightError

from tui.engine import tracing
from tui.engine.bounds import CALL_SLACK_S, PageHung, bounded
from tui.engine.browser import BrowserHost
from tui.engine.failures import start_error
from tui.engine.heap import short_pauses
from tui.engine.limits import MAX_LABEL, MAX_URL, check_length, check_viewport
from tui.engine.observing import WALK_TIMEOUT
from tui.engine.perception import init_script
from tui.engine.pool import BrowserPool
from tui.engine.profiles import Profile
from tui.engine.session import EngineSession
from tui.engine.target import Limits
from tui.engine.urls import normalize_url
from tui.errors import BrowserCrashed, SessionNotFound, StepdeckError, StepTimeout
from tui.model import Event, SessionStatus, utcnow


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

    @property
    def limits(self) -> Limits:
        """What every call into a page is held to now (the timeouts may be tuned at run time)."""
        return Limits(
            nav_timeout_ms=self.nav_timeout_ms,
            action_timeout_ms=self.action_timeout_ms,
            walk_timeout_s=self.walk_timeout_s,
            allow_schemes=self.allow_schemes,
        )

    async def start(self) -> None:
        short_pauses()  # a big page's observation is ~29,000 objects (tui/engine/heap.py)
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
        sess.tabs.attach(page)
        sess.start_url = target or ""
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
        # Announced once its first page is there: a session that could not open its url was
        # never anyone's, so followers (the app's live follow) never see one come and go.
        sess.announce()
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
