"""All provider I/O of the main screen, in workers, behind one error path.

`ProviderWork` is a non-visual widget: its workers call providers and the
store and post messages (`tui.ui.messages`) that bubble up to the main
screen. Every failure becomes one `Failed` message (a step's, a `StepFailed`:
it is a step result, kept in the log), shown by one handler on the screen;
anything a worker did not expect ends in `on_worker_state_changed` and takes
the same path — harlequin's single `Worker.StateChanged` handler. Workers never
end in error themselves, so `workers.wait_for_complete()` stays quiet in tests.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from time import perf_counter
from typing import TYPE_CHECKING, Any

from textual import work
from textual.widget import Widget
from textual.worker import Worker, WorkerState

from tui.errors import StepdeckError
from tui.kinds import StepStatus
from tui.providers.base import Provider, Unsupported
from tui.ui import messages as msg
from tui.ui.state import Deck

if TYPE_CHECKING:  # the neutral model (pydantic) loads after the app's first frame
    from tui.model import CreateSession, LogEntry, StepRequest, StepResult

log = logging.getLogger(__name__)

BUG_HINT = "this looks like a bug in stepdeck; the session may still work (r refreshes)"


def as_error(exc: BaseException) -> StepdeckError:
    """Any failure as a StepdeckError with a message and a hint."""
    if isinstance(exc, StepdeckError):
        return exc
    return StepdeckError(f"{type(exc).__name__}: {exc}", BUG_HINT)


def streams_progress(provider: Provider) -> bool:
    """Whether `provider.step` takes an `on_progress` callback (MultiOn streams steps)."""
    try:
        return "on_progress" in inspect.signature(provider.step).parameters
    except (TypeError, ValueError):
        return False


class ProviderWork(Widget):
    """Runs every provider and store call of the main screen; posts what they answered.

    Given what it needs as attributes: the providers, the store (or None), the
    pure state (read only: which session a key names), the keyless providers.
    """

    DEFAULT_CSS = "ProviderWork { display: none; }"

    def __init__(
        self,
        providers: dict[str, Provider],
        store: Any,
        deck: Deck,
        hints: dict[str, str],
        *,
        server_probe: Callable[[str], Awaitable[bool]] | None = None,
        settings: Any = None,
    ) -> None:
        super().__init__()
        self.providers = providers
        self.store = store
        self.deck = deck
        self.hints = hints
        self.server_probe = server_probe
        self.settings = settings
        self.booted = asyncio.Event()

    # --- the one error path -------------------------------------------------------------

    def fail(self, what: str, exc: BaseException, modal: bool = False) -> None:
        """A provider or store call failed: one message, shown by the main screen."""
        self.post_message(msg.Failed(what, as_error(exc), modal))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state != WorkerState.ERROR:
            return
        event.stop()
        exc = event.worker.error
        if exc is not None:
            self.fail(event.worker.name or "Something failed", exc)

    # --- start ------------------------------------------------------------------------

    @work(group="boot", exclusive=True, exit_on_error=False, name="Starting")
    async def boot(self, start_url: str | None, start_profile: str | None = None) -> None:
        """Read the store, start every keyed provider, list their sessions, open `start_url`."""
        started = []
        try:
            # After the first frame (the app's `painted`): reading 1,000 stored sessions builds
            # their model's validator and holds the GIL in a thread the frame waits on.
            painted = getattr(self.app, "painted", None)
            if painted is not None:
                await painted.wait()
            # The store first: its sessions are listed in milliseconds, Chromium takes seconds.
            if self.store is not None:
                try:
                    stored = await asyncio.to_thread(self.store.sessions)
                except Exception as exc:
                    log.warning("store.sessions failed: %s", exc)
                else:
                    self.post_message(msg.StoredLoaded(stored))
            for index, provider in enumerate(list(self.providers.values())):
                if provider.name in self.hints:
                    continue  # no key: listed with its hint, never started
                try:
                    await provider.start()
                    sessions = await provider.list_sessions()
                except Exception as exc:
                    # The first provider is the one the person came for: a modal; others notify.
                    self.fail(f"Starting {provider.label}", exc, modal=index == 0)
                    continue
                started.append(provider.name)
                self.post_message(msg.SessionsLoaded(provider.name, sessions))
            first = next(iter(self.providers), None)
            if (start_url or start_profile) and first in started:  # one error is enough
                from tui.model import CreateSession

                await self.create_now(first, CreateSession(url=start_url, profile=start_profile))
        finally:
            self.booted.set()
            self.post_message(msg.Booted())

    @work(group="boot", exit_on_error=False, name="Starting a provider")
    async def start_provider(self, name: str) -> None:
        provider = self.providers[name]
        try:
            await provider.start()
            sessions = await provider.list_sessions()
        except Exception as exc:
            self.fail(f"Starting {provider.label}", exc)
            return
        self.post_message(msg.SessionsLoaded(name, sessions))

    @work(group="probe", exit_on_error=False, name="Looking for stepdeck serve")
    async def probe_server(self, url: str) -> None:
        """Post ServerFound when a `stepdeck serve` answers at `url` and its token is here."""
        # After boot: launching Chromium is what keeps a loaded machine from answering in time
        # (and the client's import, httpx and the Notte models, stays off the first frame).
        await self.booted.wait()
        from tui.dialects.notte.client import server_running

        if self.settings is None or self.settings.serve_token() is None:
            return
        if self.server_probe is not None:
            answers = await self.server_probe(url)
        else:
            timeout, attempts = self.settings.probe_timeout_s, self.settings.probe_attempts
            answers = await server_running(url, timeout=timeout, attempts=attempts)
        if not answers:
            return
        if any(getattr(p, "base_url", None) == url.rstrip("/") for p in self.providers.values()):
            return
        self.post_message(msg.ServerFound(url))

    # --- sessions ---------------------------------------------------------------------

    async def create_now(
        self, provider_name: str, request: CreateSession, typed: str | None = None
    ) -> None:
        provider = self.providers[provider_name]
        try:
            session = await provider.create_session(request)
        except Exception as exc:
            what = (
                f"Could not open {request.url}" if request.url else "Could not create the session"
            )
            self.fail(what, exc)
            return
        observation = None
        try:
            observation = await provider.observe(session.id)
        except Exception as exc:
            self.fail("Could not look at the new page", exc)
        if observation is not None and observation.metadata.url.startswith("chrome-error:"):
            error = StepdeckError(
                f"the browser could not load {request.url}",
                "check the address and that its server runs; goto another url in this session",
            )
            self.post_message(msg.Failed(f"Could not open {request.url}", error))
        self.post_message(
            msg.SessionCreated(provider_name, session, observation, request.first_command, typed)
        )

    @work(group="create", exit_on_error=False, name="Could not create the session")
    async def create(
        self, provider_name: str, request: CreateSession, typed: str | None = None
    ) -> None:
        try:
            await self.create_now(provider_name, request, typed)
        finally:
            self.post_message(msg.OpenEnded())

    @work(group="observe", exclusive=True, exit_on_error=False, name="Could not read the page")
    async def observe(self, key: str) -> None:
        view = self.deck.views.get(key)
        if view is None:
            return
        try:
            observation = await self.providers[view.provider].observe(view.session.id)
        except Exception as exc:
            self.fail("Could not read the page", exc)
            return
        self.post_message(msg.Observed(key, observation))

    @work(group="observe", exclusive=True, exit_on_error=False, name="Could not read the store")
    async def stored_page(self, key: str) -> None:
        """The last recorded page, actions and screenshot of an ended session."""
        view = self.deck.views.get(key)
        if view is None or self.store is None:
            return

        def last() -> Any:
            steps = self.store.steps(view.provider, view.session.id)
            for step in reversed(steps):
                observation = step.observation()
                if observation is not None:
                    return observation
            return None

        try:
            observation = await asyncio.to_thread(last)
        except Exception as exc:
            self.fail("Could not read the store", exc)
            return
        self.post_message(msg.StoredPage(key, observation))

    @work(group="refresh", exclusive=True, exit_on_error=False, name="Refreshing")
    async def refresh_all(self) -> None:
        for provider in list(self.providers.values()):
            if provider.name in self.hints:
                continue
            try:
                sessions = await provider.list_sessions()
            except Exception as exc:
                self.fail(f"Listing {provider.label}", exc)
                continue
            self.post_message(msg.SessionsLoaded(provider.name, sessions))
        view = self.deck.current
        if view and view.session.status.is_live and not view.busy:
            try:
                observation = await self.providers[view.provider].observe(view.session.id)
            except Exception as exc:
                self.fail("Could not read the page", exc)
                return
            self.post_message(msg.Observed(view.key, observation))

    @work(group="close", exit_on_error=False, name="Could not close the session")
    async def close(self, key: str) -> None:
        view = self.deck.views.get(key)
        if view is None:
            return
        try:
            await self.providers[view.provider].close_session(view.session.id)
        except Exception as exc:
            self.fail("Could not close the session", exc)
            return
        self.post_message(msg.SessionClosed(key))

    @work(group="pause", exit_on_error=False, name="Could not pause or resume")
    async def set_paused(self, key: str, paused: bool) -> None:
        view = self.deck.views.get(key)
        if view is None:
            return
        try:
            session = await self.providers[view.provider].set_paused(view.session.id, paused)
        except Exception as exc:
            self.fail("Could not pause" if paused else "Could not resume", exc)
            return
        self.post_message(msg.SessionChanged(key, session))

    @work(group="extract", exclusive=True, exit_on_error=False, name="Could not extract")
    async def extract(self, key: str, schema: dict, typed: str | None) -> None:
        view = self.deck.views.get(key)
        if view is None:
            return
        try:
            items = await self.providers[view.provider].scrape(view.session.id, schema=schema)
        except Exception as exc:
            self.fail("Could not extract", exc)
            return
        if not isinstance(items, list):
            items = [items] if isinstance(items, dict) else [{"value": items}]
        self.post_message(msg.Extracted(key, items, schema, typed))

    @work(group="profile", exit_on_error=False, description="save profile")
    async def save_profile(self, key: str, name: str) -> None:
        view = self.deck.views.get(key)
        if view is None:
            return
        save = getattr(self.providers[view.provider], "save_profile", None)
        try:
            if save is None:
                raise Unsupported(f"{view.provider} cannot save profiles")
            summary = await save(view.session.id, name)
        except Exception as exc:
            self.fail(f"Saving profile {name}", exc)
            return
        where = ", ".join(summary.domains) or "no cookies or storage yet"
        self.notify(f"{summary.name}: {where}", title="Profile saved")

    # --- steps ------------------------------------------------------------------------

    @work(group="steps", exit_on_error=False, description="step")
    async def step(
        self, key: str, request: StepRequest, typed: str | None, submitted: float
    ) -> None:
        view = self.deck.views[key]
        provider = self.providers[view.provider]
        queued_ms = (perf_counter() - submitted) * 1000
        kwargs: dict[str, Any] = {}
        if streams_progress(provider):

            def progress(entry: LogEntry) -> None:
                self.post_message(msg.StepProgress(key, entry))

            kwargs["on_progress"] = progress
        try:
            result = await provider.step(view.session.id, request, **kwargs)
            if result.observation is None and result.success:
                try:
                    result.observation = await provider.observe(view.session.id)
                except StepdeckError:
                    pass  # the step itself worked; the next refresh will look again
        except Exception as exc:  # a step that raised is an ERROR step, not a worker failure
            self.post_message(msg.StepFailed(key, request, as_error(exc), typed))
            return
        self.post_message(msg.StepDone(key, result, typed, perf_counter(), queued_ms))


def failed_result(request: StepRequest, error: StepdeckError) -> StepResult:
    """A step that raised, as the ERROR result the log and timeline show."""
    from tui.model import StepResult

    return StepResult(
        status=StepStatus.ERROR, success=False, message=error.message, request=request
    )
