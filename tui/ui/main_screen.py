"""The cockpit: sidebar | page | screenshot above actions, header on top, command bar below.

At 120 columns and more the selected session's page, screenshot and action
space are all on screen; at ~100 the page and one of the other two (`s`
toggles); at 80 one pane at a time (1, 2, 3). The Log, Timeline, Console,
Network, Tabs and Raw panes are tabs beside the cockpit (4-9), with their
error badges on the tab labels. `z` maximises the pane with focus.

Keys: app keys act when no input has focus; `:` enters the command bar, `/`
a filter; Escape always leaves an input and returns to the panes.
"""

from __future__ import annotations

from time import perf_counter
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Input, Select, TabbedContent, TabPane

from tui.errors import StepdeckError
from tui.kinds import StepStatus
from tui.providers.base import SessionGone, SessionNotFound
from tui.ui import messages as msg
from tui.ui.heap import freeze_boot_heap
from tui.ui.keys import MAIN_BINDINGS
from tui.ui.live import PAGE_EVENTS, LiveFollow, own_event
from tui.ui.screens.confirm import ConfirmScreen
from tui.ui.screens.error import ErrorScreen
from tui.ui.state import Deck, SeenStep, SessionView, clean, session_key
from tui.ui.stepping import Stepping
from tui.ui.tabs import LOWER, ActionsTab, PageTab, SessionTab, ShotTab
from tui.ui.widgets.command_bar import PLACEHOLDER, CommandBar
from tui.ui.widgets.session_header import SessionHeader
from tui.ui.widgets.session_list import SessionList
from tui.ui.work import ProviderWork, failed_result

# Tabs that need a capability: disabled, with its reason, where the provider lacks it.
TAB_NEEDS = {"tab-console": "console", "tab-network": "network", "tab-tabs": "tabs"}

COCKPIT_TAB = "tab-cockpit"
PANES = ("page", "actions", "shot")


class MainScreen(Stepping, Screen):
    """The selected session's page, actions and screenshot at once, and every session."""

    AUTO_FOCUS = "#tab-page-body PageView"
    BINDINGS: ClassVar = MAIN_BINDINGS

    def __init__(
        self,
        providers: dict,
        *,
        store: Any = None,
        image_class: type | None = None,
        clock: Any = None,
        hints: dict[str, str] | None = None,
        start_url: str | None = None,
        server_url: str | None = None,
        server_probe: Any = None,
        settings: Any = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.providers = providers
        self.store = store
        self.image_class = image_class
        self.clock = clock
        self.hints = dict(hints or {})
        self.start_url = start_url
        self.start_profile: str | None = None  # `stepdeck --profile NAME` (set by run_app)
        self.server_url = server_url
        self.deck = Deck()
        self.work = ProviderWork(
            providers, store, self.deck, self.hints, server_probe=server_probe, settings=settings
        )
        self.live = LiveFollow(providers, self.deck)
        self.pane = "page"  # the pane shown at 80 columns (and beside the page at 100)
        self.side = "shot"  # the pane beside the page at 100 columns
        self.step_overhead_ms: list[float] = []  # app time on top of the provider, per step
        self._closing_keys: set[str] = set()  # keys this app is closing (not "closed elsewhere")
        self._last_pane: Widget | None = None  # the pane Escape returns to
        self.opening: str | None = None  # what a session is being opened at (`open_session`)

    @property
    def booted(self):
        return self.work.booted

    # --- layout -------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        needs = {"providers": self.providers, "store": self.store, "image_class": self.image_class}
        yield SessionHeader(id="header")
        with Horizontal(id="body"):
            yield SessionList(id="sidebar", clock=self.clock)
            with TabbedContent(id="tabs"):
                # Composed with its classes: setting them on mount restyled the cockpit again.
                arranged = " ".join(name for name, on in self._arrangement().items() if on)
                with TabPane("Cockpit", id=COCKPIT_TAB), Horizontal(id="cockpit", classes=arranged):
                    yield PageTab(id="tab-page-body", classes="pane", **needs)
                    with Vertical(id="side"):
                        yield ShotTab(id="tab-shot-body", classes="pane", **needs)
                        yield ActionsTab(id="tab-actions-body", classes="pane", **needs)
                for tab in LOWER:
                    # Hidden until picked: filled just after the first frame (mount_lower_tabs).
                    yield TabPane(tab.TITLE, id=tab.TAB_ID)
        yield CommandBar(id="command")
        yield Footer()
        yield self.work
        yield self.live

    async def mount_lower_tabs(self) -> None:
        """The tabs beside the cockpit, once the first frame is on screen (their modules too)."""
        needs = {"providers": self.providers, "store": self.store, "image_class": self.image_class}
        for spec in LOWER:
            try:
                pane = self.query_one(f"#{spec.TAB_ID}", TabPane)
            except NoMatches:  # the app is closing
                return
            if pane.children:
                continue
            if not pane.is_attached:  # quit as the first frame appeared: nothing to fill
                return
            tab = spec.load()(id=f"{spec.TAB_ID}-body", **needs)
            await pane.mount(tab)
            if not tab.is_attached:  # the app closed while it mounted
                return
            tab.show(self.current)

    def _lower_tab(self, tab_id: str) -> Any:
        """A lower tab's pane, or None until it is mounted (just after the first frame)."""
        try:
            return self.query_one(f"#{tab_id}-body")
        except NoMatches:
            return None

    def on_mount(self) -> None:
        self._arrange()
        self.redraw()
        self.set_interval(30, self.redraw_sidebar)  # ages tick
        self.work.boot(self.start_url, self.start_profile)
        if self.server_url:
            self.work.probe_server(self.server_url)

    def on_resize(self) -> None:
        self._arrange()

    def _arrange(self) -> None:
        """Which cockpit panes show at this width (CSS reads the classes)."""
        self.query_one("#cockpit").update_classes(self._arrangement())

    def _arrangement(self) -> dict[str, bool]:
        classes = {f"-one-{pane}": self.pane == pane for pane in PANES}
        return classes | {"-side-actions": self.side == "actions"}

    # --- helpers ------------------------------------------------------------------------

    @property
    def current(self) -> SessionView | None:
        return self.deck.current

    @property
    def command_bar(self) -> CommandBar:
        return self.query_one(CommandBar)

    def pane_widget(self, name: str) -> SessionTab:
        return self.query_one(f"#tab-{name}-body", SessionTab)

    def images_ready(self, image_class: type | None) -> None:
        """Screenshots can be drawn now (`stepdeck` loads the renderer after the first frame)."""
        self.image_class = image_class
        for tab in self.query(SessionTab):
            tab.images_ready(image_class)

    def _labels(self) -> dict[str, str]:
        return {name: p.label or name for name, p in self.providers.items()}

    def redraw_sidebar(self) -> None:
        sidebar = self._sidebar()
        if sidebar is not None:
            sidebar.show(self.deck.ordered(), self._labels(), self.deck.selected, self.hints)

    def _sidebar(self) -> SessionList | None:
        # A live event or the ages timer can arrive while the app shuts down and the
        # screen's widgets are already gone: nothing to redraw then, and no traceback.
        try:
            return self.query_one(SessionList)
        except NoMatches:
            return None

    def _sidebar_row(self, view: SessionView) -> None:
        sidebar = self._sidebar()
        if sidebar is not None:
            sidebar.update_row(view)

    def redraw(self) -> None:
        """Everything about the selected session."""
        self.redraw_sidebar()
        self.redraw_main()

    def redraw_main(self) -> None:
        view = self.current
        self._enable_tabs(view)
        starting = not self.booted.is_set()
        self.query_one(SessionHeader).show(view, starting=starting, opening=self.opening)
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
            tab = tabs.get_tab(pane_id)
            if tab.disabled != lacking:
                tab.disabled = lacking
            tab.tooltip = caps.reason(capability) if lacking and caps else None
            if lacking and tabs.active == pane_id:
                tabs.active = COCKPIT_TAB

    def show_error(self, what: str, error: StepdeckError, modal: bool = False) -> None:
        if modal:
            self.app.push_screen(ErrorScreen(error.message, error.hint, title=what))
            return
        body = clean(error.message) + (f"\n→ {clean(error.hint)}" if error.hint else "")
        title = "" if body.startswith(what) else what  # never the same words twice
        self.notify(body, title=title, severity="error", timeout=8, markup=False)

    def select_session(self, key: str | None) -> None:
        """Make a session the selected one; look at its page if never seen."""
        self.deck.selected = key
        self.redraw()
        view = self.current
        if view is None or view.observation is not None or view.busy:
            return
        if view.session.status.is_live:
            self.work.observe(view.key)
        elif self.store is not None:
            self.work.stored_page(view.key)

    # --- what the workers report ----------------------------------------------------------

    @on(msg.SessionsLoaded)
    def _sessions_loaded(self, event: msg.SessionsLoaded) -> None:
        self.live.follow(event.provider)
        self.deck.sessions_loaded(event.provider, event.sessions)
        if self.deck.selected is None and self.deck.views:
            self.select_session(self.deck.first_key())
        else:
            self.redraw()

    @on(msg.StoredLoaded)
    def _stored_loaded(self, event: msg.StoredLoaded) -> None:
        # Listed at once, selected only at boot's end: the live sessions come first.
        self.deck.stored_loaded(event.sessions)
        self.redraw_sidebar()

    @on(msg.Booted)
    def _booted(self) -> None:
        if self.deck.selected is None and self.deck.views:
            self.select_session(self.deck.first_key())  # only ended sessions: the newest
        self.redraw_main()  # "Starting…" becomes what there is
        self.call_after_refresh(freeze_boot_heap)  # short full collections from now on

    @on(msg.SessionCreated)
    def _session_created(self, event: msg.SessionCreated) -> None:
        key = self.deck.created(event.provider, event.session, event.observation)
        self.select_session(key)
        if event.typed is not None and self.command_bar.value == event.typed:
            self.command_bar.value = ""
        if event.first:
            self.run_line(event.first)

    @on(msg.OpenEnded)
    def _open_ended(self) -> None:
        self.opening = None
        self.redraw_main()

    @on(msg.Observed)
    def _observed(self, event: msg.Observed) -> None:
        view = self.deck.observed(event.key, event.observation)
        if view is None:
            return
        self._sidebar_row(view)
        if event.key == self.deck.selected:
            self.redraw_main()

    @on(msg.StoredPage)
    def _stored_page(self, event: msg.StoredPage) -> None:
        view = self.deck.views.get(event.key)
        if view is None:
            return
        view.observation = event.observation
        view.stored = True
        if event.key == self.deck.selected:
            self.redraw_main()

    @on(msg.StepDone)
    def _step_done(self, event: msg.StepDone) -> None:
        view = self.deck.step_done(event.key, event.result)
        if view is None:
            return
        result = event.result
        failed = view.error is not None
        self._sidebar_row(view)
        if event.key != self.deck.selected:
            if failed:
                self.show_error(f"Step failed on {view.name}", StepdeckError(result.message))
            return
        bar = self.command_bar
        if not failed and event.typed is not None and bar.value == event.typed:
            bar.value = ""
        self.redraw_main()
        if failed:
            self.show_error("Step failed", StepdeckError(result.message or "no reason given"))
        elif result.status == StepStatus.ASK_USER:
            question = clean(result.message) or "The agent asks a question."
            if result.candidates:
                question += "\nCandidates: " + ", ".join(clean(c) for c in result.candidates)
            self.notify(question, title="Answer in the command bar", timeout=15, markup=False)
            bar.focus()
        elif result.success and "; " in result.message:  # a note: a download, a kept form…
            self.notify(clean(result.message), title="Done", timeout=8, markup=False)
        self.call_after_refresh(self._painted, event)

    def _painted(self, event: msg.StepDone) -> None:
        """The screen shows a step's answer: note what the app added to the provider's time."""
        self.step_overhead_ms.append((perf_counter() - event.answered) * 1000 + event.queued_ms)

    @on(msg.StepFailed)
    def _step_failed(self, event: msg.StepFailed) -> None:
        gone = isinstance(event.error, SessionGone | SessionNotFound)
        result = failed_result(event.request, event.error)
        view = self.deck.step_failed(event.key, result, gone)
        if view is None:
            return
        self._sidebar_row(view)
        if event.key == self.deck.selected:
            self.redraw_main()
            what = f"{clean(event.request.describe())[:40]} failed"
        else:
            what = f"Step failed on {view.name}"
        self.show_error(what, event.error)

    @on(msg.StepProgress)
    def _step_progress(self, event: msg.StepProgress) -> None:
        view = self.deck.views.get(event.key)
        if view is None or not view.busy:
            return
        view.progress = event.entry.message or event.entry.type
        if event.key == self.deck.selected:
            self.query_one(SessionHeader).show(view)

    @on(msg.SessionClosed)
    def _session_closed(self, event: msg.SessionClosed) -> None:
        view, next_key = self.deck.closed(event.key)
        self._closing_keys.discard(event.key)
        if view is None:
            return
        self.notify(f"Closed {view.name}", markup=False, timeout=3)
        if next_key != self.deck.selected or self.deck.selected == event.key:
            self.select_session(next_key)
        else:
            self.redraw_sidebar()

    @on(msg.SessionChanged)
    def _session_changed(self, event: msg.SessionChanged) -> None:
        view = self.deck.views.get(event.key)
        if view is None:
            return
        view.session = event.session
        self._sidebar_row(view)
        if event.key == self.deck.selected:
            self.redraw_main()
            word = "Paused: agents' steps wait" if view.paused else "Resumed"
            self.notify(f"{word} on {view.name}", markup=False, timeout=3)

    @on(msg.Extracted)
    def _extracted(self, event: msg.Extracted) -> None:
        view = self.deck.views.get(event.key)
        if view is None or event.key != self.deck.selected:
            return  # the person moved on: keep their screen as it is
        if event.typed is not None and self.command_bar.value == event.typed:
            self.command_bar.value = ""
        from tui.ui.screens.extract import ExtractScreen  # modules of rare screens load on use

        self.app.push_screen(ExtractScreen(event.items, event.schema, view.session.id))

    @on(msg.Failed)
    def _failed(self, event: msg.Failed) -> None:
        self._closing_keys.clear()
        self.show_error(event.what, event.error, modal=event.modal)

    @on(msg.ServerFound)
    def _server_found(self, event: msg.ServerFound) -> None:
        question = Text("A stepdeck server answers at ")
        question.append(event.url, style="bold")
        question.append(".\nAttach to see and step its sessions here (beside the local ones)?")

        def answered(yes: bool | None) -> None:
            if yes:
                self.attach(event.url)

        self.app.push_screen(
            ConfirmScreen("Attach to stepdeck serve", question, yes="Attach", no="Stay local"),
            answered,
        )

    def attach(self, url: str) -> None:
        """Add the `stepdeck serve` at `url` as a provider, and list its sessions."""
        from tui.dialects import connect_serve

        try:
            provider = connect_serve(self.settings, url)
        except StepdeckError as exc:
            self.show_error("Could not attach", exc)
            return
        self.providers[provider.name] = provider
        self.work.start_provider(provider.name)

    # --- live follow ----------------------------------------------------------------------

    @on(msg.LiveEvent)
    def _live_event(self, message: msg.LiveEvent) -> None:
        event = message.event
        key = session_key(message.provider, event.session_id)
        view = self.deck.views.get(key)
        if event.kind == "session":
            if event.data.get("action") == "closed":
                if view is not None:
                    self._gone(key, "closed by another client")
            elif view is None:
                self.live.queue(f"list:{message.provider}", "session")
            return
        if view is None:
            if event.kind in ("step", "status"):
                self.live.queue(f"list:{message.provider}", "session")
            return
        if event.kind == "paused" and key == self.deck.selected:
            source = event.data.get("source", "an agent")
            if event.data.get("held"):
                held = clean(str(event.data["held"]))[:60]
                self.notify(
                    f"Held {held} from {source}: p resumes.",
                    title="Paused",
                    timeout=6,
                    markup=False,
                )
            elif event.data.get("refused"):
                held = clean(str(event.data["refused"]))[:60]
                self.notify(
                    f"Refused {held} from {source}: the session stayed paused.",
                    title="Paused",
                    severity="warning",
                    markup=False,
                )
        if event.kind in ("console", "network"):
            if key == self.deck.selected and not view.busy:
                self.live.queue(key, event.kind)
            return
        if own_event(view, event) and event.kind != "status":
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
        self.live.queue(key, event.kind)

    def _gone(self, key: str, why: str) -> None:
        """A session closed elsewhere: shown as ended (its Timeline stays browsable)."""
        if key in self._closing_keys:
            return
        view = self.deck.ended(key)
        if view is None:
            return
        self.notify(f"{view.name}: {why}", markup=False, timeout=4)
        self.redraw_sidebar()
        if self.deck.selected == key:
            self.redraw_main()

    @on(msg.LiveRefreshed)
    def _live_refreshed(self, message: msg.LiveRefreshed) -> None:
        view = self.deck.views.get(message.key)
        if view is None:
            return
        if message.session is not None:
            view.session = message.session
        # A look that a step of this app overtook (it began, or answered, meanwhile) is of
        # the page before that step: the step's own page stays.
        if message.observation is not None and not view.busy:
            if len(view.results) == message.answers:
                view.observation = message.observation
        self._sidebar_row(view)
        if message.key != self.deck.selected:
            return
        self.redraw_main()
        timeline, console, network = (
            self._lower_tab(t) for t in ("tab-timeline", "tab-console", "tab-network")
        )
        if message.kinds & PAGE_EVENTS and timeline is not None:
            timeline.refresh_timeline(force=True)
        if "console" in message.kinds and console is not None:
            console.load(view)
        if "network" in message.kinds and network is not None:
            network.load(view)

    @on(Input.Submitted, "#command")
    def _command_submitted(self, event: Input.Submitted) -> None:
        self.command_bar.remember(event.value.strip())
        self.run_line(event.value)

    @on(msg.RunAction)
    def _run_action(self, event: msg.RunAction) -> None:
        event.stop()
        self.run_picked_action(event.action)

    @on(msg.RunStep)
    def _run_pane_step(self, event: msg.RunStep) -> None:
        event.stop()
        self.run_step(event.request)

    @on(SessionList.Selected)
    def _picked_session(self, event: SessionList.Selected) -> None:
        if event.key in self.deck.views:
            self.select_session(event.key)

    # --- keys -----------------------------------------------------------------------------

    def on_descendant_focus(self, event) -> None:
        pane = self._pane_of(event.widget)
        if pane is not None:
            self._last_pane = pane

    def _pane_of(self, widget: Widget | None) -> Widget | None:
        node = widget
        while node is not None and node is not self:
            if isinstance(node, SessionTab | SessionList):
                return node
            node = node.parent
        return None

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
                self._closing_keys.add(view.key)
                self.work.close(view.key)

        self.app.push_screen(ConfirmScreen("Close session", question, yes="Close"), confirmed)

    def action_refresh(self) -> None:
        self.work.refresh_all()

    async def action_filter(self) -> None:
        """`/`: the filter of the pane with focus (Actions, Console, Network), else sessions'."""
        chain = self.focused.ancestors_with_self if self.focused is not None else []
        tab = next(
            (a for a in chain if isinstance(a, SessionTab) and hasattr(a, "open_filter")), None
        )
        if tab is not None:
            opened = tab.open_filter()
            if opened is not None:  # the Page's find box mounts on first use
                await opened
            return
        sidebar = self.query_one(SessionList)
        if not sidebar.display:
            sidebar.display = True
        sidebar.open_filter()

    def action_focus_command(self) -> None:
        self.command_bar.focus()

    def action_leave(self) -> None:
        """Escape: out of an input or a select back to the panes; else restore a maximised pane."""
        focused = self.focused
        if isinstance(focused, Input | Select):
            if focused.id == "session-filter":
                self.query_one(SessionList).close_filter()
            self._back_to_panes()
            return
        if self.maximized is not None:
            self.action_maximize_pane()

    def _back_to_panes(self) -> None:
        pane = self._last_pane
        if pane is None or not pane.is_attached or not pane.display:
            pane = self.pane_widget(self.pane)
        if self.query_one(TabbedContent).active != COCKPIT_TAB and isinstance(pane, SessionTab):
            pane = self.query_one(TabbedContent).active_pane or pane
        self._focus_in(pane)

    def _focus_in(self, pane: Widget, keep: bool = False) -> None:
        """Focus the first focusable widget of a pane that is not an input.

        `keep`: leave the focus alone if it is already inside the pane (a deferred
        call must not pull the keys out of a filter typed into meanwhile).
        """
        focused = self.focused
        if keep and focused is not None and (focused is pane or pane in focused.ancestors):
            return
        for node in pane.query("*"):
            # Not a field: a filter or a select would take the next key pressed.
            field = isinstance(node, Input | Select) or any(
                isinstance(a, Select) for a in node.ancestors
            )
            if node.focusable and not field:
                node.focus()
                return
        if pane.focusable:
            pane.focus()
        else:
            self.set_focus(None)

    def action_show_pane(self, name: str) -> None:
        """1/2/3: the page, the actions or the screenshot, in the cockpit, with focus."""
        self.query_one(TabbedContent).active = COCKPIT_TAB
        self.pane = name
        if name != "page":
            self.side = name
        self._arrange()
        pane = self.pane_widget(name)
        self.call_after_refresh(self._focus_in, pane, True)

    def action_show_tab(self, tab_id: str) -> None:
        tabs = self.query_one(TabbedContent)
        if tabs.get_tab(tab_id).disabled:
            self.notify(str(tabs.get_tab(tab_id).tooltip or "Not on this provider"))
            return
        tabs.active = tab_id
        self.call_after_refresh(self._focus_in, self.query_one(f"#{tab_id}"), True)

    def action_toggle_shot(self) -> None:
        """s: the screenshot beside the page (or instead of it at 80 columns), and back."""
        tabs = self.query_one(TabbedContent)
        if tabs.active != COCKPIT_TAB:
            self.action_show_pane("shot")
            return
        showing = self.side == "shot" if "-medium" in self.classes else self.pane == "shot"
        if "-wide" in self.classes:
            self.action_show_pane("page" if self.pane == "shot" else "shot")
        else:
            self.action_show_pane("actions" if showing else "shot")

    def action_toggle_marks(self) -> None:
        shot = self.query_one(ShotTab)
        shot.marks = not shot.marks
        self.notify("Ids drawn on the screenshot" if shot.marks else "Ids hidden", timeout=2)

    def action_toggle_sidebar(self) -> None:
        sidebar = self.query_one(SessionList)
        sidebar.display = not sidebar.display
        sidebar.set_class(sidebar.display, "-shown")
        if sidebar.display:
            sidebar.options.focus()
        else:
            self._back_to_panes()

    def action_maximize_pane(self) -> None:
        """z: the pane with focus (or the page) fills the screen; z again restores."""
        if self.maximized is not None:
            self.minimize()
            return
        pane = self._pane_of(self.focused) or self.pane_widget(self.pane)
        if isinstance(pane, SessionTab):
            pane.show(self.current, force=True)  # never a stale picture or page
        self.maximize(pane, container=False)
        self._focus_in(pane)
