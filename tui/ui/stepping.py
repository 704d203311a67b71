"""Stepping the selected session: the command bar's line, a picked action, a ready step.

A mixin of the main screen (it needs `deck`, `providers`, `work`, `command_bar`
and `notify`); kept apart so the screen module holds layout and messages.

The screen is built before the app's first frame; the neutral model (pydantic), the
action registry and the command bar's parser load after it, so they are imported
where a step is built (issue 15).
"""

from __future__ import annotations

import uuid
from time import perf_counter
from typing import TYPE_CHECKING

from tui.errors import StepdeckError
from tui.ui.screens.ask_value import AskValueScreen
from tui.ui.widgets.session_header import SessionHeader
from tui.ui.widgets.session_list import SessionList

if TYPE_CHECKING:  # the neutral model (pydantic) loads after the app's first frame
    from tui.model import Action, BrowserAction, CreateSession, StepRequest


def _browser_field(action: BrowserAction) -> str | None:
    """The StepRequest field a listed browser action's one parameter goes into (registry)."""
    from tui.engine import registry

    spec = registry.spec(action.name)
    return spec.arg if spec is not None and action.params else None


class Stepping:
    """run_line, run_step, open_session_at / open_session / new session (usable_providers),
    run_extract, run_picked_action; pause and save-profile."""

    def run_line(self, line: str) -> None:
        """Run what was typed in the command bar (kept there until it succeeds)."""
        view = self.current
        text = line.strip()
        if not text:
            return
        from tui.model import StepRequest
        from tui.ui.parse import parse_command

        if text.lower().startswith("extract ") and view is not None and not view.asking:
            self.run_extract(text[len("extract ") :], typed=line)
            return
        if view is not None and view.asking:
            request: StepRequest | None = StepRequest(type="command", cmd=text)
        else:
            request = parse_command(text)
        if request is None:
            return
        if (
            request.type == "goto"
            and request.url
            and (view is None or not view.session.status.is_live)
        ):
            self.open_session_at(request.url, typed=line)  # nothing to step: a new session
            return
        if request.id and view is not None and view.observation is not None:
            caps = getattr(self.providers.get(view.provider), "capabilities", None)
            knows_ids = caps is None or getattr(caps, "action_space", True)
            if knows_ids and view.observation.action(request.id) is None:
                self.show_error(
                    f"No {request.id} on this page",
                    StepdeckError(
                        f"{request.id} is not an element of this page",
                        "pick an id from the page or the Actions pane (2), or r to look again",
                    ),
                )
                return
        self.run_step(request, typed=line)

    def usable_providers(self) -> list:
        """The providers a new session can open on: those with their key, in order."""
        return [p for p in self.providers.values() if p.name not in self.hints]

    def open_session_at(self, url: str, typed: str | None = None) -> None:
        """`goto <url>` with no live session selected: a new session there, on the provider
        new sessions go to (the first one that has its key)."""
        usable = self.usable_providers()
        if not usable:
            self.notify("No provider can open a session: press n to see why.", severity="warning")
            return
        from tui.model import CreateSession

        self.open_session(usable[0].name, CreateSession(url=url), typed)

    def open_session(self, provider: str, request: CreateSession, typed: str | None = None) -> None:
        """Open a session in a worker; the header says so while it opens (a toast, when it
        belongs to another session), until it is selected or its error is shown."""
        self.opening = request.url or "a new session"
        if self.current is None:
            self.redraw_main()
        else:
            self.notify(f"Opening {self.opening}…", markup=False, timeout=3)
        self.work.create(provider, request, typed)

    def action_new_session(self) -> None:
        if not self.providers:
            self.notify("No provider is configured.", severity="error")
            return
        usable = self.usable_providers() or self.providers.values()
        choices = [(p.label or p.name, p.name) for p in usable]

        def created(reply: tuple[str, CreateSession] | None) -> None:
            if reply is not None:
                self.open_session(*reply)

        from tui.ui.screens.new_session import NewSessionScreen

        self.app.push_screen(NewSessionScreen(choices), created)

    def run_extract(self, spec: str, typed: str | None = None) -> None:
        """`extract name, price, url` (or a JSON schema): the page's items as a table."""
        view = self.current
        if view is None:
            return
        from tui.ui.screens.extract import schema_for  # the extract screen loads on use

        try:
            schema = schema_for(spec)
        except ValueError as exc:
            self.notify(f"{exc}", title="Cannot extract", severity="error")
            return
        provider = self.providers[view.provider]
        if not provider.capabilities.extract:
            self.notify(provider.capabilities.reason("extract"), severity="warning")
            return
        self.notify("Extracting…", timeout=2)
        self.work.extract(view.key, schema, typed)

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
        if "request_id" in type(request).model_fields and not getattr(request, "request_id", None):
            request = request.model_copy(update={"request_id": uuid.uuid4().hex[:16]})
        rid = getattr(request, "request_id", None)
        if rid:
            view.request_ids.add(rid)
        self.deck.step_started(view.key)
        self.query_one(SessionList).update_row(view)
        self.query_one(SessionHeader).show(view)
        self.work.step(view.key, request, typed, submitted)
        return True

    def run_picked_action(self, action: Action | BrowserAction) -> None:
        """Run an element or browser action, asking for a value where it takes one."""
        from tui.model import Action, Param, StepRequest
        from tui.ui.parse import parse_command

        view = self.current
        if isinstance(action, Action):
            if action.params:
                param = action.params[0]
                what = f"{action.id}: {action.description}"

                def answer(reply: tuple[str, bool] | None) -> None:
                    if reply is not None:
                        value, enter = reply
                        self.run_step(StepRequest(id=action.id, value=value, enter=enter))

                self.app.push_screen(AskValueScreen(what, param, action.value), answer)
            else:
                self.run_step(StepRequest(id=action.id))
            return
        field = _browser_field(action)
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

        self.app.push_screen(AskValueScreen(action.description, param, current), browser_answer)

    def action_save_profile(self) -> None:
        """Ask a name, then save the selected session's cookies and storage under it."""
        from tui.ui.screens.save_profile import SaveProfileScreen

        view = self.current
        if view is None or not view.session.status.is_live:
            self.notify("No live session selected.", severity="warning")
            return
        key = view.key

        def named(name: str | None) -> None:
            if name:
                self.work.save_profile(key, name)

        self.app.push_screen(SaveProfileScreen(view.name, view.session.profile), named)

    def action_toggle_pause(self) -> None:
        view = self.current
        if view is None or not view.session.status.is_live:
            self.notify("No live session selected.", severity="warning")
            return
        caps = getattr(self.providers.get(view.provider), "capabilities", None)
        if caps is not None and not caps.pause:
            self.notify(caps.reason("pause"), title="Cannot pause", severity="warning")
            return
        self.work.set_paused(view.key, not view.paused)
