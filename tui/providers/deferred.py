"""A provider built after the app's first frame: the app paints before any engine loads.

Building a provider imports its machinery (Playwright and the engine for the
embedded one; httpx and the dialect's wire models for a cloud API), which
costs more than drawing the whole app. `DeferredProvider` stands in for one
from the start: it knows the name and label the sidebar shows, and builds the
real provider in a thread on first use, once `gate` is open (the app opens it
after its first frame). Every call then goes to the real provider.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

from tui.providers.base import (
    Capabilities,
    ProgressCallback,
    Provider,
    Unsupported,
    takes_progress,
)

if TYPE_CHECKING:  # the neutral model (pydantic) loads after the app's first frame
    from tui.model import (
        ConsoleMessage,
        CreateSession,
        Event,
        Health,
        LogEntry,
        NetworkRequest,
        Observation,
        ProfileSummary,
        Session,
        StepRequest,
        StepResult,
    )


class DeferredProvider:
    """A Provider whose real self is built (in a thread) and started on first use.

    `build`: makes the real provider (it may import anything; it runs in a
    thread). `gate`: an event the first use waits for (None: no wait).
    `config`: the provider's configuration, when it has one (keyless hints
    read it before anything is built).
    """

    def __init__(
        self,
        name: str,
        label: str,
        build: Callable[[], Provider],
        *,
        gate: asyncio.Event | None = None,
        config: Any = None,
    ) -> None:
        self.name = name
        self.label = label
        self.config = config
        self._build = build
        self._gate = gate
        self._inner: Provider | None = None
        self._building: asyncio.Future[Provider] | None = None
        self._started = False
        self._start_lock: asyncio.Lock | None = None

    # -- what the provider is (its placeholder values until it is built) --------------

    @property
    def built(self) -> Provider | None:
        """The real provider, once built."""
        return self._inner

    @property
    def capabilities(self) -> Capabilities:
        return self._inner.capabilities if self._inner is not None else Capabilities()

    @property
    def records_steps(self) -> bool:
        return bool(getattr(self._inner, "records_steps", False))

    @property
    def base_url(self) -> str | None:
        if self._inner is not None:
            return getattr(self._inner, "base_url", None)
        return getattr(self.config, "base_url", None)

    @property
    def last_exchange(self) -> dict | None:
        return getattr(self._inner, "last_exchange", None)

    # -- building ------------------------------------------------------------------------

    async def _real(self) -> Provider:
        if self._inner is not None:
            return self._inner
        if self._building is None:
            self._building = asyncio.ensure_future(self._make())
        return await asyncio.shield(self._building)

    async def _make(self) -> Provider:
        if self._gate is not None:
            await self._gate.wait()
        try:
            inner = await asyncio.to_thread(self._build)
        except BaseException:
            self._building = None  # a later use tries again (building only reads)
            raise
        if inner.name != self.name:  # a bug: the app files this provider under self.name
            raise RuntimeError(f"provider {self.name!r} was built as {inner.name!r}")
        self._inner = inner
        return inner

    async def _ready(self) -> Provider:
        """The real provider, built and started."""
        inner = await self._real()
        if not self._started:
            if self._start_lock is None:
                self._start_lock = asyncio.Lock()
            async with self._start_lock:
                if not self._started:
                    await inner.start()
                    self._started = True
        return inner

    # -- the Provider interface -----------------------------------------------------------

    async def start(self) -> None:
        await self._ready()

    async def aclose(self) -> None:
        if self._building is not None and self._inner is None:
            self._building.cancel()
        if self._inner is not None:
            await self._inner.aclose()

    async def list_sessions(self) -> list[Session]:
        return await (await self._ready()).list_sessions()

    async def create_session(self, request: CreateSession) -> Session:
        return await (await self._ready()).create_session(request)

    async def get_session(self, session_id: str) -> Session:
        return await (await self._ready()).get_session(session_id)

    async def close_session(self, session_id: str) -> Session:
        return await (await self._ready()).close_session(session_id)

    async def observe(self, session_id: str, *, screenshot: bool = True) -> Observation:
        return await (await self._ready()).observe(session_id, screenshot=screenshot)

    async def step(
        self,
        session_id: str,
        request: StepRequest,
        *,
        on_progress: ProgressCallback | None = None,
    ) -> StepResult:
        """One step on the real provider (never retried); progress where it reports any."""
        inner = await self._ready()
        if on_progress is not None and takes_progress(inner):
            return await inner.step(session_id, request, on_progress=on_progress)  # type: ignore[call-arg]
        return await inner.step(session_id, request)

    async def screenshot(self, session_id: str) -> bytes:
        return await (await self._ready()).screenshot(session_id)

    async def scrape(
        self, session_id: str, *, schema: dict[str, Any] | None = None, **options: Any
    ) -> Any:
        return await (await self._ready()).scrape(session_id, schema=schema, **options)

    async def action_log(self, session_id: str) -> list[LogEntry]:
        return await (await self._ready()).action_log(session_id)

    async def console(self, session_id: str) -> list[ConsoleMessage]:
        return await (await self._ready()).console(session_id)

    async def network(self, session_id: str) -> list[NetworkRequest]:
        return await (await self._ready()).network(session_id)

    async def health(self, session_id: str) -> Health:
        return await (await self._ready()).health(session_id)

    async def events(self, session_id: str | None = None) -> AsyncIterator[Event]:
        inner = await self._ready()
        # Closed with this one: a follower that stops (aclose) stops the real stream now,
        # not when the collector gets to it (an HTTP stream, on a loop that may have ended).
        async with contextlib.aclosing(inner.events(session_id)) as events:
            async for event in events:
                yield event

    async def set_paused(self, session_id: str, paused: bool) -> Session:
        return await (await self._ready()).set_paused(session_id, paused)

    async def save_profile(self, session_id: str, name: str) -> ProfileSummary:
        inner = await self._ready()
        save = getattr(inner, "save_profile", None)
        if save is None:
            raise Unsupported(f"{self.label} cannot save profiles")
        return await save(session_id, name)


__all__ = ["DeferredProvider"]
