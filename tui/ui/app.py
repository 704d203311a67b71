"""The stepdeck app: sessions on the left, the selected one on the right, a command bar.

It knows providers only through `tui.providers.base.Provider`. Every call to a
provider runs in a worker and comes back as a message; a reply for a session
that is no longer selected updates its sidebar row only.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from time import perf_counter
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Footer, Input, TabbedContent, TabPane

from tui.model import (
    Action,
    BrowserAction,
    CreateSession,
    Event,
    LogEntry,
    Observation,
    Param,
    Session,
    SessionStatus,
    StepRequest,
    StepResult,
    StepStatus,
    utcnow,
)
from tui.providers.base import (
    Provider,
    SessionGone,
    SessionNotFound,
    StepdeckError,
    Unsupported,
)
from tui.records.recording import recording
from tui.settings import Settings
from tui.ui.commands import SessionCommands
from tui.ui.parse import parse_command
from tui.ui.screens.ask_value import AskValueScreen
from tui.ui.screens.confirm import ConfirmScreen
from tui.ui.screens.error import ErrorScreen
from tui.ui.screens.extract import ExtractScreen, schema_for
from tui.ui.screens.help import HelpScreen
from tui.ui.screens.new_session import NewSessionScreen
from tui.ui.screens.save_profile import SaveProfileScreen
from tui.ui.state import SeenStep, SessionView, clean, session_key
from tui.ui.tabs import TABS, ActionsTab, SessionTab
from tui.ui.tabs.console import ConsoleTab
from tui.ui.tabs.network import NetworkTab
from tui.ui.tabs.timeline import TimelineTab
from tui.ui.widgets.command_bar import PLACEHOLDER, CommandBar
from tui.ui.widgets.session_header import SessionHeader
from tui.ui.widgets.session_list import SessionList

log = logging.getLogger(__name__)

BUG_HINT = "this looks like a bug in stepdeck; the session may still work (r refreshes)"


def as_error(exc: BaseException) -> StepdeckError:
    """Any failure as a StepdeckError with a message and a hint."""
    if isinstance(exc, StepdeckError):
        return exc
    return StepdeckError(f"{type(exc).__name__}: {exc}", BUG_HINT)


# Tabs that need a capability: disabled, with its reason, where the provider lacks it.
TAB_NEEDS = {
    "tab-page": "markdown",
    "tab-actions": "action_space",
    "tab-shot": "screenshot",
    "tab-console": "console",
    "tab-network": "network",
    "tab-tabs": "tabs",
}
# Live events that change what the page looks like (refresh the observation).
_PAGE_EVENTS = {"step", "tab", "status", "paused"}

# Browser actions whose one parameter maps onto a StepRequest field.
_BROWSER_FIELD = {"goto": "url", "new_tab": "url", "press_key": "key", "wait": "value"}
_BROWSER_FIELD |= {"switch_tab": "index", "close_tab": "index"}


def _streams_progress(provider: Provider) -> bool:
    """Whether `provider.step` takes an `on_progress` callback (MultiOn streams steps)."""
    try:
        return "on_progress" in inspect.signature(provider.step).parameters
    except (TypeError, ValueError):
        return False


class StepdeckApp(App[int]):
    """A terminal cockpit for browser sessions.

    `providers`: where sessions live (the first one gets `start_url` and new
    sessions by default). `images`: a renderer name (auto, tgp, sixel, halfcell,
    unicode, none) or an Image widget class. `store`: records sessions and steps
    when given. `keymap`: binding id -> keys. `clock`: "now" for ages (fixed in
    snapshots).
    """

    CSS_PATH = "app.tcss"
    TITLE = "stepdeck"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    COMMANDS = App.COMMANDS | {SessionCommands}
    BINDINGS: ClassVar = [
        Binding("f1,question_mark", "help", "Help", id="app.help", tooltip="List every key"),
        Binding("n,f2", "new_session", "New", id="app.new_session", tooltip="Open a new session"),
        Binding("x,f8", "close_session", "Close", id="app.close_session", tooltip="Close session"),
        Binding("r,f5", "refresh", "Refresh", id="app.refresh", tooltip="Reload sessions and page"),
        Binding("s", "toggle_shot", "Shot", id="app.toggle_shot", tooltip="Screenshot tab on/off"),
        Binding("z", "enlarge_shot", "Zoom", id="app.enlarge_shot", tooltip="Enlarge screenshot"),
        Binding("slash", "filter_sessions", "Filter", id="app.filter_sessions"),
        Binding(
            "p",
            "toggle_pause",
            "Pause",
            id="app.pause",
            tooltip="Pause/resume: hold an agent's next step on this session (you can still step)",
        ),
        Binding(
            "P",
            "save_profile",
            "Save profile",
            show=False,
            id="app.save_profile",
            tooltip="Save this session's login (cookies, storage) as a named profile",
        ),
        Binding("colon", "focus_command", "Command", show=False, id="app.focus_command"),
        Binding("1", "show_tab(0)", "Page tab", show=False, id="app.tab_1"),
        Binding("2", "show_tab(1)", "Actions tab", show=False, id="app.tab_2"),
        Binding("3", "show_tab(2)", "Shot tab", show=False, id="app.tab_3"),
        Binding("4", "show_tab(3)", "Log tab", show=False, id="app.tab_4"),
        Binding("5", "show_tab(4)", "Timeline tab", show=False, id="app.tab_5"),
        Binding("6", "show_tab(5)", "Console tab", show=False, id="app.tab_6"),
        Binding("7", "show_tab(6)", "Network tab", show=False, id="app.tab_7"),
        Binding("8", "show_tab(7)", "Browser tabs tab", show=False, id="app.tab_8"),
        Binding("9", "show_tab(8)", "Raw tab", show=False, id="app.tab_9"),
        Binding("ctrl+q", "quit", "Quit", show=False, id="app.quit", priority=True),
    ]

    # --- messages: workers post these back onto the UI's turn -------------------------

    class SessionsLoaded(Message):
        def __init__(self, provider: str, sessions: list[Session]) -> None:
            super().__init__()
            self.provider, self.sessions = provider, sessions

    class SessionCreated(Message):
        def __init__(
            self,
            provider: str,
            session: Session,
            observation: Observation | None,
            first: str | None,
        ) -> None:
            super().__init__()
            self.provider, self.session, self.observation, self.first = (
                provider,
                session,
                observation,
                first,
            )

    class Observed(Message):
        def __init__(self, key: str, observation: Observation) -> None:
            super().__init__()
            self.key, self.observation = key, observation

    class StepDone(Message):
        def __init__(
            self, key: str, result: StepResult, typed: str | None, answered: float, queued_ms: float
        ) -> None:
            super().__init__()
            self.key, self.result, self.typed = key, result, typed
            self.answered = answered  # perf_counter() when the provider answered
            self.queued_ms = queued_ms  # from the person's Enter to the provider call

    class StepFailed(Message):
        def __init__(
            self, key: str, request: StepRequest, error: StepdeckError, typed: str | None
        ) -> None:
            super().__init__()
            self.key, self.request, self.error, self.typed = key, request, error, typed

    class SessionClosed(Message):
        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    class LiveEvent(Message):
        """An event from a provider's live stream (another client stepped, a tab opened...)."""

        def __init__(self, provider: str, event: Event) -> None:
            super().__init__()
            self.provider, self.event = provider, event

    class LiveRefreshed(Message):
        """What a live event changed: the session, and its page when it is selected."""

        def __init__(
            self,
            key: str,
            kinds: set[str],
            session: Session | None,
            observation: Observation | None,
        ) -> None:
            super().__init__()
            self.key, self.kinds, self.session, self.observation = (
                key,
                kinds,
                session,
                observation,
            )

    class SessionChanged(Message):
        """A provider answered with a session's new state (pause, resume)."""

        def __init__(self, key: str, session: Session) -> None:
            super().__init__()
            self.key, self.session = key, session

    class StepProgress(Message):
        """A streamed step's progress (MultiOn)."""

        def __init__(self, key: str, entry: LogEntry) -> None:
            super().__init__()
            self.key, self.entry = key, entry

    class StoredLoaded(Message):
        """Sessions the store knows of (ended ones included)."""

        def __init__(self, sessions: list[Session]) -> None:
            super().__init__()
            self.sessions = sessions

    class Failed(Message):
        """A failure outside a step (start, create, close, observe)."""

        def __init__(self, what: str, error: StepdeckError, modal: bool = False) -> None:
            super().__init__()
            self.what, self.error, self.modal = what, error, modal

    # --- life -------------------------------------------------------------------------

    def __init__(
        self,
        providers: list[Provider],
        *,
        images: str | type | None = "auto",
        store: Any = None,
        start_url: str | None = None,
        keymap: dict[str, str] | None = None,
        clock: Callable[[], datetime] = utcnow,
        hints: dict[str, str] | None = None,
        server_url: str | None = None,
        server_probe: Callable[[str], Awaitable[bool]] | None = None,
        settings: Settings | None = None,
    ) -> None:
        super().__init__()
        # Recorded through one wrapper (sessions and steps into the store), as `serve` does.
        self.providers: dict[str, Provider] = {
            p.name: recording(p, store, observe_missing=True) for p in providers
        }
        if isinstance(images, str):
            from tui.ui.images import image_class

            self.image_class = image_class(images)
        else:
            self.image_class = images
        self.store = store
        self.start_url = start_url
        self.start_profile: str | None = None  # `stepdeck --profile NAME` (set by run_app)
        self.keymap = dict(keymap or {})
        self.clock = clock
        self.views: dict[str, SessionView] = {}
        self.selected: str | None = None
        self.booted = asyncio.Event()
        self.step_overhead_ms: list[float] = []  # app time on top of the provider, per step
        # provider -> how to make it usable (no API key): listed with this hint, not started
        self.hints: dict[str, str] = dict(hints or {})
        self.server_url = server_url  # offer to attach to a `stepdeck serve` answering there
        self.server_probe = server_probe  # url -> does a serve answer there (tests inject it)
        self.settings = settings if settings is not None else Settings()
        self._followers: dict[str, asyncio.Task] = {}  # provider -> its live event stream
        self._live_pending: dict[str, set[str]] = {}  # key -> event kinds not looked at yet
        self._live_running = False
        self._closing_keys: set[str] = set()  # keys this app is closing (not "closed elsewhere")

    def compose(self) -> ComposeResult:
        with Horizontal(id="body"):
            yield SessionList(id="sidebar", clock=self.clock)
            with Vertical(id="main"):
                yield SessionHeader(id="header")
                with TabbedContent(id="tabs"):
                    for tab in TABS:
                        with TabPane(tab.TITLE, id=tab.TAB_ID):
                            yield tab(id=f"{tab.TAB_ID}-body")
        yield CommandBar(id="command")
        yield Footer()

    def on_mount(self) -> None:
        if self.keymap:
            self.set_keymap(self.keymap)
        self.query_one(CommandBar).focus()
        self._redraw()
        self.set_interval(30, self._redraw_sidebar)  # ages tick
        self._boot()
        if self.server_url:
            self._probe_server(self.server_url)

    async def on_unmount(self) -> None:
        followers = list(self._followers.values())
        self._followers.clear()
        for task in followers:
            task.cancel()
        for task in followers:
            with contextlib.suppress(BaseException):
                await task
        for provider in self.providers.values():
            try:
                await provider.aclose()
            except Exception:  # closing is best effort
                log.exception("closing %s", provider.name)

    # --- helpers ----------------------------------------------------------------------

    @property
    def current(self) -> SessionView | None:
        return self.views.get(self.selected) if self.selected else None

    @property
    def command_bar(self) -> CommandBar:
        return self.query_one(CommandBar)

    def _labels(self) -> dict[str, str]:
        return {name: p.label or name for name, p in self.providers.items()}

    def _redraw_sidebar(self) -> None:
        self.query_one(SessionList).show(
            list(self.views.values()), self._labels(), self.selected, self.hints
        )

    def _redraw(self) -> None:
        """Everything about the selected session."""
        self._redraw_sidebar()
        self._redraw_main()

    def _redraw_main(self) -> None:
        view = self.current
        self._enable_tabs(view)
        self.query_one(SessionHeader).show(view, starting=not self.booted.is_set())
        for tab in self.query(SessionTab):
            tab.show(view)
        ids = [a.id for a in view.observation.actions] if view and view.observation else []
        extra = view.last.candidates if view and view.asking and view.last else []
        self.command_bar.set_ids(ids, extra)
        if view and view.asking:
            self.command_bar.placeholder = "answer the question above…"
        else:
            self.command_bar.placeholder = PLACEHOLDER

    def _enable_tabs(self, view: SessionView | None) -> None:
        """Disable the tabs the session's provider cannot fill, with the reason as tooltip."""
        provider = self.providers.get(view.provider) if view else None
        caps = getattr(provider, "capabilities", None)
        tabs = self.query_one(TabbedContent)
        for pane_id, capability in TAB_NEEDS.items():
            lacking = caps is not None and not getattr(caps, capability, True)
            try:
                tab = tabs.get_tab(pane_id)
            except Exception:  # a tab this build does not have
                continue
            if tab.disabled != lacking:
                tab.disabled = lacking
            tab.tooltip = caps.reason(capability) if lacking and caps else None
            if lacking and tabs.active == pane_id:
                tabs.active = TABS[0].TAB_ID if pane_id != TABS[0].TAB_ID else "tab-log"

    def _show_error(self, what: str, error: StepdeckError, modal: bool = False) -> None:
        if modal:
            self.push_screen(ErrorScreen(error.message, error.hint, title=what))
            return
        body = clean(error.message) + (f"\n→ {clean(error.hint)}" if error.hint else "")
        self.notify(body, title=what, severity="error", timeout=8, markup=False)

    def select_session(self, key: str | None) -> None:
        """Make a session the selected one; look at its page if never seen."""
        self.selected = key
        self._redraw()
        view = self.current
        if view and view.observation is None and view.session.status.is_live and not view.busy:
            self._observe(view.key)

    # --- workers: all provider I/O ----------------------------------------------------

    @work(group="boot", exclusive=True, exit_on_error=False)
    async def _boot(self) -> None:
        started = []
        for index, provider in enumerate(list(self.providers.values())):
            if provider.name in self.hints:
                continue  # no key: listed with its hint, never started
            try:
                await provider.start()
                sessions = await provider.list_sessions()
            except Exception as exc:
                # The first provider is the one the person came for: a modal; others notify.
                what = f"Starting {provider.label}"
                self.post_message(self.Failed(what, as_error(exc), modal=index == 0))
                continue
            started.append(provider.name)
            self.post_message(self.SessionsLoaded(provider.name, sessions))
        first = next(iter(self.providers), None)
        if (self.start_url or self.start_profile) and first in started:  # one error is enough
            await self._create_now(
                first, CreateSession(url=self.start_url, profile=self.start_profile)
            )
        if self.store is not None:
            try:
                stored = await asyncio.to_thread(self.store.sessions)
            except Exception as exc:  # the store is a record, never a reason to fail
                log.warning("store.sessions failed: %s", exc)
            else:
                self.post_message(self.StoredLoaded(stored))
        self.booted.set()
        self.call_later(self._redraw_main)  # "Starting…" becomes what there is

    async def _create_now(self, provider_name: str, request: CreateSession) -> None:
        provider = self.providers[provider_name]
        try:
            session = await provider.create_session(request)
        except Exception as exc:
            what = (
                f"Could not open {request.url}" if request.url else "Could not create the session"
            )
            self.post_message(self.Failed(what, as_error(exc)))
            return
        observation = None
        try:
            observation = await provider.observe(session.id)
        except Exception as exc:
            self.post_message(self.Failed("Could not look at the new page", as_error(exc)))
        if observation is not None and observation.metadata.url.startswith("chrome-error:"):
            error = StepdeckError(
                f"the browser could not load {request.url}",
                "check the address and that its server runs; goto another url in this session",
            )
            self.post_message(self.Failed(f"Could not open {request.url}", error))
        self.post_message(
            self.SessionCreated(provider_name, session, observation, request.first_command)
        )

    @work(group="create", exit_on_error=False)
    async def _create(self, provider_name: str, request: CreateSession) -> None:
        await self._create_now(provider_name, request)

    @work(group="observe", exclusive=True, exit_on_error=False)
    async def _observe(self, key: str) -> None:
        view = self.views.get(key)
        if view is None:
            return
        try:
            observation = await self.providers[view.provider].observe(view.session.id)
        except Exception as exc:
            self.post_message(self.Failed("Could not read the page", as_error(exc)))
            return
        self.post_message(self.Observed(key, observation))

    @work(group="refresh", exclusive=True, exit_on_error=False)
    async def _refresh_all(self) -> None:
        for provider in list(self.providers.values()):
            try:
                sessions = await provider.list_sessions()
            except Exception as exc:
                self.post_message(self.Failed(f"Listing {provider.label}", as_error(exc)))
                continue
            self.post_message(self.SessionsLoaded(provider.name, sessions))
        view = self.current
        if view and view.session.status.is_live and not view.busy:
            try:
                observation = await self.providers[view.provider].observe(view.session.id)
            except Exception as exc:
                self.post_message(self.Failed("Could not read the page", as_error(exc)))
                return
            self.post_message(self.Observed(view.key, observation))

    @work(group="steps", exit_on_error=False)
    async def _step(
        self, key: str, request: StepRequest, typed: str | None, submitted: float
    ) -> None:
        view = self.views[key]
        provider = self.providers[view.provider]
        queued_ms = (perf_counter() - submitted) * 1000
        kwargs: dict[str, Any] = {}
        if _streams_progress(provider):

            def progress(entry: LogEntry) -> None:
                self.post_message(self.StepProgress(key, entry))

            kwargs["on_progress"] = progress
        try:
            result = await provider.step(view.session.id, request, **kwargs)
            if result.observation is None and result.success:
                try:
                    result.observation = await provider.observe(view.session.id)
                except StepdeckError:
                    pass  # the step itself worked; the next refresh will look again
        except Exception as exc:
            self.post_message(self.StepFailed(key, request, as_error(exc), typed))
            return
        self.post_message(self.StepDone(key, result, typed, perf_counter(), queued_ms))

    @work(group="pause", exit_on_error=False)
    async def _set_paused(self, key: str, paused: bool) -> None:
        view = self.views.get(key)
        if view is None:
            return
        try:
            session = await self.providers[view.provider].set_paused(view.session.id, paused)
        except Exception as exc:
            what = "Could not pause" if paused else "Could not resume"
            self.post_message(self.Failed(what, as_error(exc)))
            return
        self.post_message(self.SessionChanged(key, session))

    @work(group="probe", exit_on_error=False)
    async def _probe_server(self, url: str) -> None:
        """Offer to attach when a `stepdeck serve` answers at `url` and its token is here."""
        from tui.dialects.notte.client import server_running

        # After boot: launching Chromium is what keeps a loaded machine from answering in time.
        await self.booted.wait()
        if self.settings.serve_token() is None:
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
        self.call_later(self._offer_attach, url)

    def _offer_attach(self, url: str) -> None:
        question = Text("A stepdeck server answers at ")
        question.append(url, style="bold")
        question.append(".\nAttach to see and step its sessions here (beside the local ones)?")

        def answered(yes: bool | None) -> None:
            if yes:
                self.attach(url)

        self.push_screen(
            ConfirmScreen("Attach to stepdeck serve", question, yes="Attach", no="Stay local"),
            answered,
        )

    def attach(self, url: str) -> None:
        """Add the `stepdeck serve` at `url` as a provider, and list its sessions."""
        from tui.dialects import connect_serve

        try:
            provider = connect_serve(self.settings, url)
        except StepdeckError as exc:
            self._show_error("Could not attach", exc)
            return
        self.providers[provider.name] = provider
        self._start_provider(provider.name)

    @work(group="boot", exit_on_error=False)
    async def _start_provider(self, name: str) -> None:
        provider = self.providers[name]
        try:
            await provider.start()
            sessions = await provider.list_sessions()
        except Exception as exc:
            self.post_message(self.Failed(f"Starting {provider.label}", as_error(exc)))
            return
        self.post_message(self.SessionsLoaded(name, sessions))

    # --- live follow: other clients' steps, tabs, sessions ------------------------------

    def _follow_provider(self, name: str) -> None:
        """Follow a provider's live events (one stream for all its sessions) until exit."""
        provider = self.providers.get(name)
        caps = getattr(provider, "capabilities", None)
        if provider is None or name in self._followers or not getattr(caps, "events", False):
            return
        self._followers[name] = asyncio.create_task(self._follow(name), name=f"follow {name}")

    async def _follow(self, name: str) -> None:
        # A plain task, not a worker: it never ends, and tests wait for every worker.
        provider = self.providers[name]
        try:
            async with contextlib.aclosing(provider.events(None)) as events:
                async for event in events:
                    self.post_message(self.LiveEvent(name, event))
        except asyncio.CancelledError:
            raise
        except Unsupported:
            pass
        except Exception as exc:  # following is a bonus: r still refreshes
            log.info("stopped following %s: %s", name, exc)
        self._followers.pop(name, None)

    def _queue_live(self, key: str, kind: str) -> None:
        """Look at a session again, coalescing a burst of events into one or two looks."""
        self._live_pending.setdefault(key, set()).add(kind)
        if not self._live_running:
            self._live_running = True
            self._live_refresh()

    @work(group="live", exit_on_error=False, description="live refresh")
    async def _live_refresh(self) -> None:
        try:
            while self._live_pending:
                key = next(iter(self._live_pending))
                kinds = self._live_pending.pop(key)
                if key.startswith("list:"):
                    name = key.removeprefix("list:")
                    try:
                        sessions = await self.providers[name].list_sessions()
                    except Exception as exc:
                        log.info("listing %s after an event: %s", name, exc)
                        continue
                    self.post_message(self.SessionsLoaded(name, sessions))
                    continue
                view = self.views.get(key)
                if view is None:
                    continue
                provider = self.providers[view.provider]
                session = observation = None
                try:
                    if kinds & _PAGE_EVENTS:
                        session = await provider.get_session(view.session.id)
                        if key == self.selected and session.status.is_live and not view.busy:
                            observation = await provider.observe(view.session.id)
                except (SessionGone, SessionNotFound):
                    session = view.session.model_copy(update={"status": SessionStatus.ENDED})
                except Exception as exc:
                    log.info("live refresh of %s: %s", key, exc)
                    continue
                self.post_message(self.LiveRefreshed(key, kinds, session, observation))
        finally:
            self._live_running = False

    def _own_event(self, view: SessionView, event: Event) -> bool:
        """Whether an event reports this app's own step (already shown when it answered)."""
        if view.busy:
            return True
        last = view.last
        if event.kind != "step" or last is None or last.ended_at is None:
            return False
        described = last.request.describe()
        near = abs((event.timestamp - last.ended_at).total_seconds()) < 2
        return near and event.data.get("action") in (described, None)

    @on(LiveEvent)
    def _live_event(self, message: LiveEvent) -> None:
        event = message.event
        key = session_key(message.provider, event.session_id)
        view = self.views.get(key)
        if event.kind == "session":
            if event.data.get("action") == "closed":
                if view is not None:
                    self._gone(key, "closed by another client")
            elif view is None:
                self._queue_live(f"list:{message.provider}", "session")
            return
        if view is None:
            if event.kind in ("step", "status"):
                self._queue_live(f"list:{message.provider}", "session")
            return
        if event.kind == "paused" and event.data.get("held") and key == self.selected:
            held = clean(str(event.data["held"]))[:60]
            self.notify(
                f"Held {held} from {event.data.get('source', 'an agent')}: p resumes.",
                title="Paused",
                timeout=6,
                markup=False,
            )
        if event.kind in ("console", "network"):
            if key == self.selected and not view.busy:
                self._queue_live(key, event.kind)
            return
        if self._own_event(view, event) and event.kind != "status":
            return
        if event.kind == "step":
            data = event.data
            view.elsewhere.append(
                SeenStep(
                    at=event.timestamp,
                    action=str(data.get("action") or "step"),
                    success=bool(data.get("success", True)),
                    ms=float(data.get("ms") or 0),
                    message=str(data.get("error") or data.get("status") or ""),
                )
            )
        self._queue_live(key, event.kind)

    def _gone(self, key: str, why: str) -> None:
        """A session closed elsewhere: shown as ended (its Timeline stays browsable)."""
        view = self.views.get(key)
        if view is None or key in self._closing_keys or not view.session.status.is_live:
            return
        view.session = view.session.model_copy(update={"status": SessionStatus.ENDED})
        self.notify(f"{view.name}: {why}", markup=False, timeout=4)
        self.query_one(SessionList).update_row(view)
        if self.selected == key:
            self._redraw_main()

    @on(LiveRefreshed)
    def _live_refreshed(self, message: LiveRefreshed) -> None:
        view = self.views.get(message.key)
        if view is None:
            return
        if message.session is not None:
            view.session = message.session
        if message.observation is not None:
            view.observation = message.observation
        self.query_one(SessionList).update_row(view)
        if message.key != self.selected:
            return
        self._redraw_main()
        if message.kinds & _PAGE_EVENTS:
            self.query_one(TimelineTab).refresh_timeline(force=True)
        if "console" in message.kinds:
            self.query_one(ConsoleTab).load(view)
        if "network" in message.kinds:
            self.query_one(NetworkTab).load(view)

    @on(SessionChanged)
    def _session_changed(self, message: SessionChanged) -> None:
        view = self.views.get(message.key)
        if view is None:
            return
        view.session = message.session
        self.query_one(SessionList).update_row(view)
        if message.key == self.selected:
            self._redraw_main()
            word = "Paused: agents' steps wait" if view.paused else "Resumed"
            self.notify(f"{word} on {view.name}", markup=False, timeout=3)

    @on(StepProgress)
    def _step_progress(self, message: StepProgress) -> None:
        view = self.views.get(message.key)
        if view is None or not view.busy:
            return
        entry = message.entry
        view.progress = entry.message or entry.type
        if message.key == self.selected:
            self.query_one(SessionHeader).show(view)

    @on(StoredLoaded)
    def _stored_loaded(self, message: StoredLoaded) -> None:
        for session in message.sessions:
            provider = getattr(session, "provider", "") or "local"
            key = session_key(provider, session.id)
            if key in self.views:
                continue
            ended = session.model_copy(update={"status": SessionStatus.ENDED})
            self.views[key] = SessionView(provider, ended)
        if self.selected is None and self.views:
            self.select_session(next(iter(self.views)))
        else:
            self._redraw_sidebar()

    @work(group="close", exit_on_error=False)
    async def _close(self, key: str) -> None:
        view = self.views.get(key)
        if view is None:
            return
        self._closing_keys.add(key)
        try:
            await self.providers[view.provider].close_session(view.session.id)
        except Exception as exc:
            self._closing_keys.discard(key)
            self.post_message(self.Failed("Could not close the session", as_error(exc)))
            return
        self.post_message(self.SessionClosed(key))

    # --- message handlers ---------------------------------------------------------------

    @on(SessionsLoaded)
    def _sessions_loaded(self, event: SessionsLoaded) -> None:
        self._follow_provider(event.provider)
        for session in event.sessions:
            key = session_key(event.provider, session.id)
            if key in self.views:
                self.views[key].session = session
            elif session.status.is_live:
                self.views[key] = SessionView(event.provider, session)
        if self.selected is None and self.views:
            self.select_session(next(iter(self.views)))
        else:
            self._redraw()

    @on(SessionCreated)
    def _session_created(self, event: SessionCreated) -> None:
        view = SessionView(event.provider, event.session, observation=event.observation)
        self.views[view.key] = view
        self.select_session(view.key)
        if event.first:
            self.run_line(event.first)

    @on(Observed)
    def _observed(self, event: Observed) -> None:
        view = self.views.get(event.key)
        if view is None:
            return
        view.observation = event.observation
        self.query_one(SessionList).update_row(view)
        if event.key == self.selected:
            self._redraw_main()

    @on(StepDone)
    def _step_done(self, event: StepDone) -> None:
        view = self.views.get(event.key)
        if view is None:
            return
        result = event.result
        view.busy = False
        view.progress = ""
        view.results.append(result)
        if result.observation is not None:
            view.observation = result.observation
        failed = not result.success or result.status == StepStatus.ERROR
        view.error = clean(result.message) if failed else None
        if event.key != self.selected:
            self.query_one(SessionList).update_row(view)
            if failed:
                self._show_error(f"Step failed on {view.name}", StepdeckError(result.message))
            return
        if not failed and event.typed is not None and self.command_bar.value == event.typed:
            self.command_bar.value = ""
        self.query_one(SessionList).update_row(view)
        self._redraw_main()
        if failed:
            self._show_error("Step failed", StepdeckError(result.message or "no reason given"))
        elif result.status == StepStatus.ASK_USER:
            question = clean(result.message) or "The agent asks a question."
            if result.candidates:
                question += "\nCandidates: " + ", ".join(clean(c) for c in result.candidates)
            self.notify(question, title="Answer in the command bar", timeout=15, markup=False)
            self.command_bar.focus()
        self.call_after_refresh(self._painted, event)

    def _painted(self, event: StepDone) -> None:
        """The screen shows a step's answer: note what the app added to the provider's time."""
        self.step_overhead_ms.append((perf_counter() - event.answered) * 1000 + event.queued_ms)

    @on(StepFailed)
    def _step_failed(self, event: StepFailed) -> None:
        view = self.views.get(event.key)
        if view is None:
            return
        view.busy = False
        view.progress = ""
        view.error = clean(event.error.message)
        if isinstance(event.error, SessionGone | SessionNotFound):
            view.session.status = SessionStatus.ENDED  # no more steps; the store keeps it
        view.results.append(
            StepResult(
                status=StepStatus.ERROR,
                success=False,
                message=event.error.message,
                request=event.request,
            )
        )
        self.query_one(SessionList).update_row(view)
        if event.key == self.selected:
            self._redraw_main()
            what = f"{clean(event.request.describe())[:40]} failed"
        else:
            what = f"Step failed on {view.name}"
        self._show_error(what, event.error)

    @on(SessionClosed)
    def _session_closed(self, event: SessionClosed) -> None:
        keys = list(self.views)
        view = self.views.pop(event.key, None)
        if view is None:
            return
        self.notify(f"Closed {view.name}", markup=False, timeout=3)
        if self.selected == event.key:
            rest = [k for k in keys if k != event.key]
            index = min(keys.index(event.key), len(rest) - 1)
            self.select_session(rest[index] if rest else None)
        else:
            self._redraw_sidebar()

    @on(Failed)
    def _failed(self, event: Failed) -> None:
        self._show_error(event.what, event.error, modal=event.modal)

    @on(SessionList.Selected)
    def _picked_session(self, event: SessionList.Selected) -> None:
        if event.key in self.views:
            self.select_session(event.key)

    # --- stepping -----------------------------------------------------------------------

    def run_line(self, line: str) -> None:
        """Run what was typed in the command bar (kept there until it succeeds)."""
        view = self.current
        text = line.strip()
        if not text:
            return
        if text.lower().startswith("extract ") and view is not None and not view.asking:
            self.run_extract(text[len("extract ") :], typed=line)
            return
        if view is not None and view.asking:
            request: StepRequest | None = StepRequest(type="command", cmd=text)
        else:
            request = parse_command(text)
        if request is not None:
            self.run_step(request, typed=line)

    def run_extract(self, spec: str, typed: str | None = None) -> None:
        """`extract name, price, url` (or a JSON schema): the page's items as a table."""
        view = self.current
        if view is None:
            return
        try:
            schema = schema_for(spec)
        except ValueError as exc:
            self.notify(f"{exc}", title="Cannot extract", severity="error")
            return
        provider = self.providers[view.provider]
        if not provider.capabilities.extract:
            self.notify(provider.capabilities.reason("extract"), severity="warning")
            return
        self._extract(view.key, schema, typed)

    @work(group="extract", exclusive=True, exit_on_error=False, description="extract")
    async def _extract(self, key: str, schema: dict, typed: str | None) -> None:
        view = self.views.get(key)
        if view is None:
            return
        self.notify("Extracting…", timeout=2)
        try:
            items = await self.providers[view.provider].scrape(view.session.id, schema=schema)
        except Exception as exc:
            self.post_message(self.Failed("Could not extract", as_error(exc)))
            return
        if not isinstance(items, list):
            items = [items] if isinstance(items, dict) else [{"value": items}]
        if key != self.selected:  # the person moved on: keep their screen as it is
            return
        if typed is not None and self.command_bar.value == typed:
            self.command_bar.value = ""
        self.push_screen(ExtractScreen(items, schema, view.session.id))

    def run_step(self, request: StepRequest, typed: str | None = None) -> bool:
        """Start one step on the selected session; False when it cannot start."""
        submitted = perf_counter()
        view = self.current
        if view is None:
            self.notify("No session selected: press n to open one.", severity="warning")
            return False
        if not view.session.status.is_live:
            self.notify("This session has ended: press n for a new one.", severity="warning")
            return False
        if view.busy:
            self.notify("A step is still running on this session.", severity="warning")
            return False
        view.busy = True
        view.error = None
        self.query_one(SessionList).update_row(view)
        self.query_one(SessionHeader).show(view)
        self._step(view.key, request, typed, submitted)
        return True

    @on(Input.Submitted, "#command")
    def _command_submitted(self, event: Input.Submitted) -> None:
        self.command_bar.remember(event.value.strip())
        self.run_line(event.value)

    def run_picked_action(self, action: Action | BrowserAction) -> None:
        """Run a row of the action table, asking for a value where it takes one."""
        view = self.current
        if isinstance(action, Action):
            if action.params:
                param = action.params[0]
                what = f"{action.id}: {action.description}"

                def answer(reply: tuple[str, bool] | None) -> None:
                    if reply is not None:
                        value, enter = reply
                        self.run_step(StepRequest(id=action.id, value=value, enter=enter))

                self.push_screen(AskValueScreen(what, param, action.value), answer)
            else:
                self.run_step(StepRequest(id=action.id))
            return
        field = _BROWSER_FIELD.get(action.name)
        if field is None:
            self.run_step(StepRequest(type=action.name))
            return
        param = action.params[0] if action.params else Param(name=field)
        current = view.url if view and field == "url" else None

        def browser_answer(reply: tuple[str, bool] | None) -> None:
            if reply is None:
                return
            value = reply[0].strip()
            if field == "index":
                if not value.isdigit():
                    self.notify("A tab number, please (0, 1, 2…).", severity="warning")
                    return
                self.run_step(StepRequest(type=action.name, index=int(value)))
            elif field == "url":
                request = parse_command(f"goto {value}") if value else None
                if request is not None and request.url:
                    self.run_step(StepRequest(type=action.name, url=request.url))
            else:
                self.run_step(StepRequest(type=action.name, **{field: value}))

        self.push_screen(AskValueScreen(action.description, param, current), browser_answer)

    @on(ActionsTab.Run)
    def _action_picked(self, event: ActionsTab.Run) -> None:
        self.run_picked_action(event.action)

    # --- actions (bindings) ---------------------------------------------------------------

    def action_new_session(self) -> None:
        if not self.providers:
            self.notify("No provider is configured.", severity="error")
            return
        choices = [(p.label or p.name, p.name) for p in self.providers.values()]

        def created(reply: tuple[str, CreateSession] | None) -> None:
            if reply is not None:
                self.notify("Opening a session…", timeout=2)
                self._create(*reply)

        self.push_screen(NewSessionScreen(choices), created)

    def action_close_session(self) -> None:
        view = self.current
        if view is None:
            self.notify("No session selected.", severity="warning")
            return
        question = Text("Close ")
        question.append(view.name, style="bold")
        question.append(f" ({view.session.id[:8]})? Its history stays in the store.")

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._close(view.key)

        self.push_screen(ConfirmScreen("Close session", question, yes="Close"), confirmed)

    def action_refresh(self) -> None:
        self._refresh_all()

    def action_toggle_pause(self) -> None:
        view = self.current
        if view is None or not view.session.status.is_live:
            self.notify("No live session selected.", severity="warning")
            return
        caps = getattr(self.providers.get(view.provider), "capabilities", None)
        if caps is not None and not caps.pause:
            self.notify(caps.reason("pause"), title="Cannot pause", severity="warning")
            return
        self._set_paused(view.key, not view.paused)

    def action_save_profile(self) -> None:
        """Ask a name, then save the selected session's cookies and storage under it."""
        view = self.current
        if view is None or not view.session.status.is_live:
            self.notify("No live session selected.", severity="warning")
            return
        key = view.key

        def named(name: str | None) -> None:
            if name:
                self._save_profile(key, name)

        self.push_screen(SaveProfileScreen(view.name, view.session.profile), named)

    @work(group="profile", exit_on_error=False, description="save profile")
    async def _save_profile(self, key: str, name: str) -> None:
        view = self.views.get(key)
        if view is None:
            return
        save = getattr(self.providers[view.provider], "save_profile", None)
        try:
            if save is None:
                raise Unsupported(f"{view.provider} cannot save profiles")
            summary = await save(view.session.id, name)
        except Exception as exc:
            self.post_message(self.Failed(f"Saving profile {name}", as_error(exc)))
            return
        where = ", ".join(summary.domains) or "no cookies or storage yet"
        self.notify(f"{summary.name}: {where}", title="Profile saved")

    def action_filter_sessions(self) -> None:
        self.query_one(SessionList).open_filter()

    def action_focus_command(self) -> None:
        self.command_bar.focus()

    def action_show_tab(self, index: int) -> None:
        if 0 <= index < len(TABS):
            self.query_one(TabbedContent).active = TABS[index].TAB_ID

    def action_toggle_shot(self) -> None:
        tabs = self.query_one(TabbedContent)
        shot = "tab-shot"
        if tabs.active == shot:
            tabs.active = getattr(self, "_before_shot", TABS[0].TAB_ID)
        else:
            self._before_shot = tabs.active
            tabs.active = shot

    def action_enlarge_shot(self) -> None:
        if self.screen.maximized is not None:
            self.screen.minimize()
            return
        self.query_one(TabbedContent).active = "tab-shot"
        self.screen.maximize(self.query_one("#tab-shot-body"), container=False)

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.key_rows()))

    def key_rows(self) -> list[tuple[str, str, str]]:
        """(keys, description, binding id) for every stepdeck binding on screen, app first."""
        rows, seen = [], set()
        nodes = [self, *self.screen.walk_children()]
        for node in nodes:
            for cls in type(node).__mro__:
                if not cls.__module__.startswith("tui.") or "BINDINGS" not in cls.__dict__:
                    continue
                for binding in cls.__dict__["BINDINGS"]:
                    if not isinstance(binding, Binding) or not binding.id or binding.id in seen:
                        continue
                    seen.add(binding.id)
                    keys = self.keymap.get(binding.id, binding.key)
                    shown = " ".join(
                        self.get_key_display(Binding(k.strip(), "")) for k in keys.split(",")
                    )
                    rows.append((shown, binding.tooltip or binding.description, binding.id))
        rows.append(("^p", "Command palette", "(textual)"))
        return rows
