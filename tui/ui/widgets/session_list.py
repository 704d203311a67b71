"""The sidebar: every session, grouped by provider, with a filter."""

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

from tui.model import utcnow
from tui.ui.state import SessionView, age


class SessionList(Vertical):
    """Sessions by provider; highlighting one selects it for the rest of the app."""

    class Selected(Message):
        """The person moved to another session."""

        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def __init__(self, *, clock: Callable[[], datetime] = utcnow, **kwargs) -> None:
        super().__init__(**kwargs)
        self.clock = clock
        self.views: list[SessionView] = []
        self.labels: dict[str, str] = {}
        self.selected: str | None = None
        self.hints: dict[str, str] = {}  # provider -> how to make it usable (no API key)

    def compose(self) -> ComposeResult:
        yield Static("Sessions", id="sessions-title", markup=False)
        yield Input(compact=True, placeholder="filter…", id="session-filter", classes="hidden")
        yield OptionList(id="session-options")

    @property
    def options(self) -> OptionList:
        return self.query_one("#session-options", OptionList)

    def _row(self, view: SessionView) -> Text:
        s = view.session
        # OptionList wraps long prompts: cut the name to the row's width instead.
        width = max(12, (self.options.size.width or 34) - 4)
        name = view.name if len(view.name) <= width else view.name[: width - 1] + "…"
        row = Text(no_wrap=True, overflow="ellipsis")
        row.append(f"{view.mark} ", style="bold")
        row.append(name)
        row.append("\n  ")
        row.append(f"{s.id[:8]} · {age(s.created_at, self.clock())}", style="dim")
        if view.step_count:
            row.append(f" · {view.step_count} st", style="dim")
        return row

    def show(
        self,
        views: list[SessionView],
        labels: dict[str, str],
        selected: str | None,
        hints: dict[str, str] | None = None,
    ) -> None:
        """Redraw the list, keeping the selection; `hints`: providers shown with a hint row."""
        self.views, self.labels, self.selected = views, labels, selected
        if hints is not None:
            self.hints = hints
        needle = self.query_one("#session-filter", Input).value.strip().lower()
        options: list[Option] = []
        by_provider: dict[str, list[SessionView]] = {}
        for view in views:
            hay = f"{view.name} {view.url} {view.session.id}".lower()
            if needle and needle not in hay:
                continue
            by_provider.setdefault(view.provider, []).append(view)
        for provider, group in by_provider.items():
            heading = Text(labels.get(provider, provider), style="bold underline")
            options.append(Option(heading, id=f"heading:{provider}", disabled=True))
            options.extend(Option(self._row(v), id=v.key) for v in group)
        if not options:
            hint = "no match" if needle else "no sessions: n opens one"
            options.append(Option(Text(hint, style="dim italic"), id="empty", disabled=True))
        for provider, hint in self.hints.items():
            if provider in by_provider:
                continue
            # A provider without its key: dim, since nothing in it can be picked yet.
            heading = Text(labels.get(provider, provider), style="dim bold")
            options.append(Option(heading, id=f"heading:{provider}", disabled=True))
            row = Text(hint, style="dim italic")
            options.append(Option(row, id=f"hint:{provider}", disabled=True))
        option_list = self.options
        with self.prevent(OptionList.OptionHighlighted):
            option_list.clear_options()
            option_list.add_options(options)
            if selected is not None:
                try:
                    option_list.highlighted = option_list.get_option_index(selected)
                except Exception:  # filtered out
                    option_list.highlighted = None

    def on_resize(self) -> None:
        if self.views:
            self.show(self.views, self.labels, self.selected)

    def update_row(self, view: SessionView) -> None:
        """Refresh one session's row in place (a reply for a session not selected)."""
        try:
            self.options.replace_option_prompt(view.key, self._row(view))
        except Exception:  # the row is filtered out
            pass

    def open_filter(self) -> None:
        box = self.query_one("#session-filter", Input)
        box.remove_class("hidden")
        box.focus()

    @on(Input.Changed, "#session-filter")
    def _filter_changed(self) -> None:
        self.show(self.views, self.labels, self.selected)

    @on(Input.Submitted, "#session-filter")
    def _filter_done(self) -> None:
        self.options.focus()

    @on(OptionList.OptionHighlighted, "#session-options")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        key = event.option.id
        if key and not key.startswith(("heading:", "hint:", "empty")) and key != self.selected:
            self.selected = key
            self.post_message(self.Selected(key))
