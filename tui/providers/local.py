"""The embedded engine as a Provider: sessions in a local (or attached) Chromium."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any

from tui.engine import tracing
from tui.engine.engine import Engine
from tui.engine.limits import MAX_COMMAND, check_length
from tui.engine.llm import LLMConfig
from tui.engine.masking import mask_text, masked
from tui.engine.pool import BrowserPool, endpoint_label
from tui.engine.profiles import ProfileStore, ProfileSummary, capture, check_name
from tui.engine.session import EngineSession
from tui.errors import InvalidRequest, StepHeld
from tui.model import (
    ConsoleMessage,
    CreateSession,
    Event,
    Health,
    LogEntry,
    NetworkRequest,
    Observation,
    Session,
    StepRequest,
    StepResult,
    utcnow,
)

if TYPE_CHECKING:
    from tui.settings import Settings
from tui.providers.base import Capabilities

log = logging.getLogger("stepdeck.local")

EVENT_QUEUE = 1000  # a follower that falls this far behind loses the oldest events


class LocalProvider:
    """Sessions in the embedded engine: Chromium through Playwright, in this process."""

    name = "local"

    def __init__(
        self,
        *,
        chromium: str | None = None,
        cdp_url: str | Sequence[str] | None = None,
        headed: bool = False,
        allow_schemes: tuple[str, ...] | list[str] = (),
        idle_timeout_minutes: float = 15,
        nav_timeout_ms: float = 15_000,
        action_timeout_ms: float = 5_000,
        llm: LLMConfig | None = None,
        trace: bool = False,
        ws_endpoints: Sequence[str] = (),
        endpoint_limit: int = 0,
        pool_retry: tuple[float, float] = (0.5, 15.0),
        hold_timeout_s: float = 50.0,
    ) -> None:
        # Several --cdp-url, or any --ws-endpoint: a pool of remote browsers (tui.engine.pool).
        cdp_urls = [cdp_url] if isinstance(cdp_url, str) else [u for u in cdp_url or () if u]
        pool = None
        if len(cdp_urls) + len(ws_endpoints) > 1 or ws_endpoints:
            pool = BrowserPool(
                cdp_urls=cdp_urls, ws_endpoints=ws_endpoints, limit=endpoint_limit, retry=pool_retry
            )
            n = len(pool.endpoints)
            self.label = f"Browser pool ({n} endpoint{'s' * (n != 1)})"
        elif cdp_urls:
            self.label = f"Chromium at {endpoint_label('cdp', cdp_urls[0]).removeprefix('cdp ')}"
        else:
            self.label = "Local Chromium"
        self.capabilities = Capabilities(events=True, pause=True)
        self.engine = Engine(
            pool=pool,
            chromium=chromium,
            cdp_url=cdp_urls[0] if cdp_urls and pool is None else None,
            headed=headed,
            allow_schemes=allow_schemes,
            idle_timeout_minutes=idle_timeout_minutes,
            nav_timeout_ms=nav_timeout_ms,
            action_timeout_ms=action_timeout_ms,
        )
        self._resume: dict[str, asyncio.Event] = {}
        # How long a paused session holds another client's step before refusing it (423):
        # an answer, not a hang, and before the SDKs' own timeouts (notte-sdk: 60 s).
        self.hold_timeout_s = hold_timeout_s
        self.profiles = ProfileStore()
        self._persist: dict[str, str] = {}  # session id -> profile saved back on stop
        self.llm = llm  # the model natural-language commands go to (None: the rules agent)
        self.trace = trace  # every session records a Playwright trace (--trace)

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalProvider:
        """The embedded engine as the settings describe it (the one place that reads them)."""
        return cls(
            chromium=settings.chromium,
            cdp_url=settings.cdp_url,
            headed=settings.headed,
            allow_schemes=tuple(settings.allow_schemes),
            idle_timeout_minutes=settings.idle_timeout_minutes,
            nav_timeout_ms=settings.nav_timeout_ms,
            action_timeout_ms=settings.action_timeout_ms,
            llm=LLMConfig.from_settings(settings),
            trace=settings.trace,
            ws_endpoints=settings.ws_endpoints,  # with cdp_url a list: a pool of browsers
            endpoint_limit=settings.endpoint_limit,
            hold_timeout_s=settings.hold_timeout_s,
        )

    async def start(self) -> None:
        await self.engine.start()

    def pool_state(self) -> list[dict[str, Any]]:
        """Each endpoint of the pool: up, sessions, limit, why it is down (empty: no pool)."""
        return self.engine.pool.state() if self.engine.pool is not None else []

    async def aclose(self) -> None:
        for ev in self._resume.values():
            ev.set()
        await self.engine.aclose()

    async def __aenter__(self) -> LocalProvider:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # --- sessions -------------------------------------------------------------------------

    def _get(self, session_id: str) -> EngineSession:
        return self.engine.get(session_id)

    def session_target(self, session_id: str) -> EngineSession:
        """The engine session itself (observe/step), e.g. for the agent and extraction."""
        return self._get(session_id)

    async def list_sessions(self) -> list[Session]:
        return [s.to_session() for s in self.engine.list()]

    async def create_session(self, request: CreateSession) -> Session:
        # A missing or unreadable profile is refused before any browser work.
        profile = (
            await asyncio.to_thread(self.profiles.load, request.profile)
            if request.profile
            else None
        )
        if request.persist_profile and request.profile is None:
            raise InvalidRequest(
                "persist needs a profile to save into", "name the profile to start from"
            )
        sess = await self.engine.create(
            request.url or (profile.url if profile is not None else None) or None,
            viewport=(request.viewport_width, request.viewport_height),
            idle_timeout_minutes=request.idle_timeout_minutes,
            label=request.label,
            profile=profile,
            trace=request.trace or self.trace,
        )
        if request.persist_profile and profile is not None:
            self._persist[sess.id] = profile.name
        return sess.to_session()

    async def save_profile(self, session_id: str, name: str) -> ProfileSummary:
        """Save the session's cookies, localStorage and sessionStorage as profile `name`."""
        name = check_name(name)
        sess = self._get(session_id)
        sess.check_live()
        async with sess.lock:  # not in the middle of a step
            profile = await capture(
                sess.context, list(sess.tabs.pages), name=name, url=sess.to_session().url
            )
        summary = await asyncio.to_thread(self.profiles.save, profile)
        sess.emit("session", action="profile_saved", profile=name)
        return summary

    async def get_session(self, session_id: str) -> Session:
        return self._get(session_id).to_session()

    async def close_session(self, session_id: str) -> Session:
        persist = self._persist.pop(session_id, None)
        if persist is not None and self._get(session_id).live:
            try:
                await self.save_profile(session_id, persist)
            except Exception:  # the stop itself must still happen
                log.exception("could not save session %s into profile %r", session_id, persist)
        sess = await self.engine.close(session_id)
        self._release(session_id)
        return sess.to_session()

    # --- pages ----------------------------------------------------------------------------

    async def observe(self, session_id: str, *, screenshot: bool = True) -> Observation:
        return await self._get(session_id).observe(screenshot=screenshot)

    async def step(self, session_id: str, request: StepRequest) -> StepResult:
        sess = self._get(session_id)
        # A traced session's trace shows each step as a group named as typed (masked).
        name = masked(request, secrets=sess.secrets).describe() or request.type
        async with tracing.step_group(sess.context, name, sess.trace_path is not None):
            return await self._step(sess, request)

    async def _step(self, sess: EngineSession, request: StepRequest) -> StepResult:
        sess.check_live()
        check_length("command", request.cmd, MAX_COMMAND)
        await self._hold(sess, request)
        if request.type == "command":
            from tui.engine.agent import run_command

            started = utcnow()
            marks = sess.marks()
            result = await run_command(sess, request, self.llm)
            if result.started_at > started:
                result.started_at = started
            # Passwords the command typed (or named) never travel back in clear.
            result.request = masked(result.request, secrets=sess.secrets)
            result.message = mask_text(result.message, sess.secrets) or ""
            if not result.console and not result.network:
                result.console, result.network = sess.since(marks)
            sess.emit(
                "step",
                action=result.request.describe(),
                success=result.success,
                status=result.status.value,
                command=True,
                request_id=request.request_id,
            )
            return result
        return await sess.step(request)

    async def screenshot(self, session_id: str) -> bytes:
        return await self._get(session_id).screenshot()

    async def scrape(
        self, session_id: str, *, schema: dict[str, Any] | None = None, **options: Any
    ) -> Any:
        sess = self._get(session_id)
        sess.check_live()  # a closed session answers 410 before anything else is checked
        if schema is not None:
            from tui.engine.extract import extract

            return await extract(sess, schema, llm_config=self.llm, **options)
        if options.get("scroll_to_bottom"):
            await sess.scroll_to_bottom()
        obs = await sess.observe(screenshot=False)
        return obs.markdown

    # --- logs -----------------------------------------------------------------------------

    async def action_log(self, session_id: str) -> list[LogEntry]:
        return list(self._get(session_id).log)

    async def console(self, session_id: str) -> list[ConsoleMessage]:
        return list(self._get(session_id).console)

    async def network(self, session_id: str) -> list[NetworkRequest]:
        return list(self._get(session_id).network)

    async def health(self, session_id: str) -> Health:
        return self._get(session_id).health()

    # --- live follow and pause ------------------------------------------------------------

    async def events(self, session_id: str | None = None) -> AsyncIterator[Event]:
        """Live events (step, tab, console, network, status, session, paused) as they happen."""
        queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=EVENT_QUEUE)

        def push(event: Event) -> None:
            if session_id is not None and event.session_id != session_id:
                return
            if queue.full():
                with contextlib.suppress(asyncio.QueueEmpty):
                    queue.get_nowait()
            queue.put_nowait(event)

        unsubscribe = self.engine.subscribe(push)
        try:
            while True:
                yield await queue.get()
        finally:
            unsubscribe()

    async def set_paused(self, session_id: str, paused: bool) -> Session:
        sess = self._get(session_id)
        sess.paused = paused
        gate = self._resume.setdefault(session_id, asyncio.Event())
        if paused:
            gate.clear()
        else:
            gate.set()
        sess.emit("paused", paused=paused)
        return sess.to_session()

    async def _hold(self, sess: EngineSession, request: StepRequest) -> None:
        """A paused session holds steps from anyone but the person until resumed."""
        if not sess.paused or request.source == "person":
            return
        gate = self._resume.setdefault(sess.id, asyncio.Event())
        held = masked(request, secrets=sess.secrets).describe()
        sess.emit(
            "paused",
            held=held,
            source=request.source,
            request_id=request.request_id,
        )
        # Set by resume, close, or the provider closing; a session that ends any other way
        # (expired, crashed) answers its held steps too. Nothing runs the step later: a client
        # that is refused sends it again (a retried click could buy twice).
        waits = [asyncio.ensure_future(gate.wait()), asyncio.ensure_future(sess.ended.wait())]
        try:
            done, _ = await asyncio.wait(
                waits, timeout=self.hold_timeout_s, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            for w in waits:
                w.cancel()
        sess.check_live()
        if not done:
            sess.emit("paused", refused=held, source=request.source, request_id=request.request_id)
            raise StepHeld(
                f"The session stayed paused for {self.hold_timeout_s:g} s; "
                f"this step ({held}) was not run",
                "resume the session in stepdeck, then send the step again",
            )

    def _release(self, session_id: str) -> None:
        gate = self._resume.pop(session_id, None)
        if gate is not None:
            gate.set()
