"""One store-backed recording wrapper, used by the app and by `stepdeck serve` alike.

`RecordingProvider` is a `Provider`: every method is written out and delegates
to the wrapped provider, so the interface stays typed where it is used (no
attribute forwarding). It writes each session it creates or closes and each
finished step to the store, in its own transaction, before the answer goes
back: a process killed at any moment keeps every step that finished. The
store is a record, never a reason to fail: a write that fails is logged.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

from tui.engine.masking import (
    is_secret_field,
    mask_card_numbers,
    mask_text,
    masked,
    scrub_data,
    scrub_observation,
)
from tui.errors import Unsupported
from tui.offload import off_loop
from tui.providers.base import (
    Capabilities,
    ProgressCallback,
    Provider,
    StepdeckError,
    takes_progress,
)
from tui.store import Store

if TYPE_CHECKING:  # the neutral model (pydantic) loads after the app's first frame
    from tui.model import (
        Action,
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

log = logging.getLogger("stepdeck.records")


class RecordingProvider:
    """A Provider that writes the sessions and steps passing through it to a store.

    `record_as`: the provider name sessions and steps are stored under (default:
    the wrapped provider's own name; `stepdeck serve` records as "serve").
    `observe_missing`: when a step answers without an observation, look at the
    page (a read, safe to repeat) so the store keeps what the step led to.
    Steps of a provider that records them itself (a client of `stepdeck serve`)
    are not written twice.

    Secrets are masked here too, for providers that do not mask them (a cloud API masks
    nothing for us): a value typed into a field the last look at the page called a
    password, a card number or a code, or shaped like a card number, is hidden in the
    step kept, the step handed back, later pages and the wire exchange the Raw tab shows.
    """

    def __init__(
        self,
        inner: Provider,
        store: Store,
        *,
        record_as: str | None = None,
        observe_missing: bool = False,
    ) -> None:
        self.inner = inner
        self.store = store
        self.record_as = record_as
        self.observe_missing = observe_missing
        self._progress = takes_progress(inner)
        self._secrets: dict[str, set[str]] = {}  # session -> values typed into secret fields
        self._fields: dict[str, list[Action]] = {}  # session -> the last page's actions

    # -- what the wrapped provider is -------------------------------------------------

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def label(self) -> str:
        return self.inner.label

    @property
    def capabilities(self) -> Capabilities:
        return self.inner.capabilities

    @property
    def records_steps(self) -> bool:
        """Steps through this wrapper are recorded (here, or by the wrapped provider)."""
        return True

    @property
    def streams_progress(self) -> bool:
        """Whether `step` reports progress (`on_progress`) as it runs."""
        return self._progress

    @property
    def base_url(self) -> str | None:
        """The wrapped HTTP client's base URL (None for the embedded engine)."""
        return getattr(self.inner, "base_url", None)

    @property
    def last_exchange(self) -> dict | None:
        """The wrapped HTTP client's last wire exchange (None where there is none), with
        the secrets typed in this provider's sessions and card numbers masked."""
        exchange = getattr(self.inner, "last_exchange", None)
        if exchange is None:
            return None
        return scrub_data(exchange, set().union(*self._secrets.values()))

    @property
    def config(self) -> Any:
        """The wrapped provider's configuration, where it has one."""
        return getattr(self.inner, "config", None)

    # -- recording --------------------------------------------------------------------

    @property
    def _steps_name(self) -> str:
        return self.record_as or self.inner.name

    async def _write(self, fn: Callable[..., Any], *args: Any, size: int = 0) -> None:
        try:
            await off_loop(fn, *args, size=size, io=True)
        except Exception:  # the store must never fail a step that already happened
            log.exception("could not write to the store")

    async def _session(self, session: Session) -> Session:
        kept = (
            session.model_copy(update={"provider": self.record_as}) if self.record_as else session
        )
        await self._write(self.store.record_session, kept)
        return session

    # -- the Provider interface ---------------------------------------------------------

    async def start(self) -> None:
        await self.inner.start()

    async def aclose(self) -> None:
        await self.inner.aclose()

    async def list_sessions(self) -> list[Session]:
        return await self.inner.list_sessions()

    async def create_session(self, request: CreateSession) -> Session:
        return await self._session(await self.inner.create_session(request))

    async def get_session(self, session_id: str) -> Session:
        return await self.inner.get_session(session_id)

    async def close_session(self, session_id: str) -> Session:
        return await self._session(await self.inner.close_session(session_id))

    async def observe(self, session_id: str, *, screenshot: bool = True) -> Observation:
        return self._seen(session_id, await self.inner.observe(session_id, screenshot=screenshot))

    # -- masking ------------------------------------------------------------------------

    def _seen(self, session_id: str, observation: Observation) -> Observation:
        """Remember the page's fields (which are secret), and hide known secrets in it."""
        # kept as is: looked up only when a step types a value (a map of a big page's 5,000
        # actions cost 1-4 ms on the event loop at every observe)
        self._fields[session_id] = observation.actions
        return scrub_observation(observation, self._secrets.get(session_id, set()))

    def _is_secret(self, session_id: str, request: StepRequest) -> bool:
        value = request.value
        if not value:
            return False
        if value in self._secrets.get(session_id, ()) or mask_card_numbers(value) != value:
            return True
        wanted = (request.id or "").strip().upper()
        action = next((a for a in self._fields.get(session_id, ()) if a.id.upper() == wanted), None)
        if action is None:
            return False
        kind = "password" if "password" in action.field.lower() else ""
        return is_secret_field(kind=kind, name=action.description)

    def _masked(self, session_id: str, result: StepResult, secret: bool) -> StepResult:
        secrets = self._secrets.get(session_id, set())
        result.request = masked(result.request, secret=secret, secrets=secrets)
        result.message = mask_text(result.message, secrets) or ""
        if result.observation is not None:
            result.observation = self._seen(session_id, result.observation)
        return result

    async def step(
        self,
        session_id: str,
        request: StepRequest,
        *,
        on_progress: ProgressCallback | None = None,
    ) -> StepResult:
        """Run one step on the wrapped provider (never retried), then record it."""
        secret = self._is_secret(session_id, request)
        if secret and request.value:
            self._secrets.setdefault(session_id, set()).add(request.value)
        if on_progress is not None and self._progress:
            result = await self.inner.step(session_id, request, on_progress=on_progress)  # type: ignore[call-arg]
        else:
            result = await self.inner.step(session_id, request)
        if self.observe_missing and result.observation is None and result.success:
            try:
                result.observation = await self.inner.observe(session_id)
            except StepdeckError:
                pass  # the step itself worked; the next look will see the page
        result = self._masked(session_id, result, secret)
        if not getattr(self.inner, "records_steps", False):
            await self._write(
                self.store.record_step, self._steps_name, session_id, result, size=result.weight()
            )
        return result

    async def screenshot(self, session_id: str) -> bytes:
        return await self.inner.screenshot(session_id)

    async def scrape(
        self, session_id: str, *, schema: dict[str, Any] | None = None, **options: Any
    ) -> Any:
        return await self.inner.scrape(session_id, schema=schema, **options)

    async def action_log(self, session_id: str) -> list[LogEntry]:
        return await self.inner.action_log(session_id)

    async def console(self, session_id: str) -> list[ConsoleMessage]:
        return await self.inner.console(session_id)

    async def network(self, session_id: str) -> list[NetworkRequest]:
        return await self.inner.network(session_id)

    async def health(self, session_id: str) -> Health:
        return await self.inner.health(session_id)

    def events(self, session_id: str | None = None) -> AsyncIterator[Event]:
        return self.inner.events(session_id)

    async def set_paused(self, session_id: str, paused: bool) -> Session:
        return await self.inner.set_paused(session_id, paused)

    async def save_profile(self, session_id: str, name: str) -> ProfileSummary:
        """Save a session's browser state as a profile (the engine and `stepdeck serve` can)."""
        save = getattr(self.inner, "save_profile", None)
        if save is None:
            raise Unsupported(f"{self.inner.label} cannot save profiles")
        return await save(session_id, name)


def recording(provider: Provider, store: Store | None, **options: Any) -> Provider:
    """`provider` recorded into `store` (as is when there is no store or it already records)."""
    if store is None or isinstance(provider, RecordingProvider):
        return provider
    return RecordingProvider(provider, store, **options)


__all__ = ["RecordingProvider", "recording"]
