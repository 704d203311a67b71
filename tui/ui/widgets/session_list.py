"""The sidebar: sessions by provider, live ones first, ended ones folded, with a filter."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from tui.kinds import utcnow
from tui.ui.state import SessionView, SidebarRow, age, clean, sidebar_rows, where


class SessionList(Vertical):
    """Sessions by provider; highlighting one selects it for the rest of the app.

    Ended sessions fold under "ended (N)" per provider (Enter on it unfolds);
    two sessions of the same name show where they are (host + path).
    """

    class Selected(Message):
        """The person moved to another session."""

        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def __init__(self, *, clock: Callable[[], datetime] | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.clock = clock or utcnow
        self.views: list[SessionView] = []
        self.labels: dict[str, str] = {}
        self.selected: str | None = None
        self.hints: dict[str, str] = {}  # provider -> how to make it usable (no API key)
        self.unfolded: set[str] = set()  # providers whose ended sessions are open
        self.rows: list[SidebarRow] = []
        self._twins: set[str] = set()

    def compose(self) -> ComposeResult:
        yield Static("Sessions", id="sessions-title", markup=False)
        yield Input(compact=True, placeholder="filter…", id="session-filter", classes="hidden")
        yield OptionList(id="session-options")

    @property
    def options(self) -> OptionList:
        return self.query_one("#session-options", OptionList)

    def _row(self, view: SessionView, twin: bool = False) -> Text:
        s = view.session
        # OptionList wraps long prompts: cut the name to the row's width instead.
        width = max(12, (self.options.size.width or 34) - 4)
        name = view.name if len(view.name) <= width else view.name[: width - 1] + "…"
        row = Text(no_wrap=True, overflow="ellipsis")
        row.append(f"{view.mark} ", style="bold")
        row.append(name, style="" if s.status.is_live else "dim")
        row.append("\n  ")
        if twin:
            place, room = where(view.url), max(4, width - 9)
            if len(place) > room:  # the path's end is what tells them apart
                place = "…" + place[-(room - 1) :]
            row.append(f"{s.id[:6]} · {place}", style="dim")
        else:
            row.append(f"{s.id[:8]} · {age(s.created_at, self.clock())}", style="dim")
            if view.step_count:
                row.append(f" · {view.step_count} st", style="dim")
        if s.endpoint:  # which browser of a pool runs it (never credentials)
            row.append(f" · on {clean(s.endpoint)}", style="dim")
        return row

    def _option(self, row: SidebarRow) -> Option:
        if row.kind == "session" and row.view is not None:
            return Option(self._row(row.view, row.twin), id=row.id)
        if row.kind == "heading":
            return Option(Text(row.text, style="bold underline"), id=row.id, disabled=True)
        if row.kind == "fold":
            return Option(Text(row.text, style="dim bold"), id=row.id)
        width = max(12, (self.options.size.width or 32) - 2)
        text = row.text if len(row.text) <= width else row.text[: width - 1] + "…"
        return Option(Text(text, style="dim italic"), id=row.id, disabled=True)

    def show(
        self,
        views: list[SessionView],
        labels: dict[str, str],
        selected: str | None,
        hints: dict[str, str] | None = None,
    ) -> None:
        """Redraw the list, keeping the selection; `hints`: providers without a key."""
        self.views, self.labels, self.selected = views, labels, selected
        if hints is not None:
            self.hints = hints
            if hints:
                self.tooltip = "\n".join(f"{labels.get(p, p)}: {h}" for p, h in hints.items())
        needle = self.query_one("#session-filter", Input).value
        selected_view = next((v for v in views if v.key == selected), None)
        if selected_view is not None and not selected_view.session.status.is_live:
            self.unfolded.add(selected_view.provider)  # the selected session stays in sight
        self.rows = sidebar_rows(views, labels, self.hints, needle, self.unfolded)
        self._twins = {r.id for r in self.rows if r.twin}
        option_list = self.options
        with self.prevent(OptionList.OptionHighlighted):
            option_list.clear_options()
            option_list.add_options([self._option(r) for r in self.rows])
            if selected is not None:
                try:
                    option_list.highlighted = option_list.get_option_index(selected)
                except Exception:  # filtered out or folded
                    option_list.highlighted = None

    def on_resize(self) -> None:
        if self.views:
            self.show(self.views, self.labels, self.selected)

    def update_row(self, view: SessionView) -> None:
        """Refresh one session's row in place (a reply for a session not selected)."""
        try:
            self.options.replace_option_prompt(view.key, self._row(view, view.key in self._twins))
        except Exception:  # the row is filtered out or folded
            pass

    def open_filter(self) -> None:
        box = self.query_one("#session-filter", Input)
        box.remove_class("hidden")
        box.focus()

    def close_filter(self) -> None:
        """Escape: an empty filter hides again; a typed one stays (and keeps filtering)."""
        box = self.query_one("#session-filter", Input)
        if not box.value:
            box.add_class("hidden")

    @on(Input.Changed, "#session-filter")
    def _filter_changed(self) -> None:
        self.show(self.views, self.labels, self.selected)

    @on(Input.Submitted, "#session-filter")
    def _filter_done(self) -> None:
        self.options.focus()

    @on(OptionList.OptionSelected, "#session-options")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        key = event.option.id or ""
        if key.startswith("fold:"):
            provider = key.removeprefix("fold:")
            self.unfolded ^= {provider}
            self.show(self.views, self.labels, self.selected)
            self.options.highlighted = self.options.get_option_index(key)

    @on(OptionList.OptionHighlighted, "#session-options")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        key = event.option.id
        if key and not key.startswith(("heading:", "hint:", "fold:", "empty")):
            if key != self.selected:
                self.selected = key
                self.post_message(self.Selected(key))
