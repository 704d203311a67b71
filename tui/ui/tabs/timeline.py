"""Timeline: every step of the selected session, and time travel to any of them.

Steps come from the store (so a session whose browser is gone still has its
history), merged with this app's steps the store has not written yet. Picking
a row shows the page, its action space and screenshot as they were after
that step, with the console messages and network requests from that step
until the next one. `c` toggles "changes": what the picked step changed against
the step before it (actions, page text, the screenshot with changed regions
outlined), from `tui.records.diff`.
"""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass, field

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import DataTable, Static, TextArea

from tui.model import ConsoleMessage, NetworkRequest, PageMeta, StepResult
from tui.providers.base import StepdeckError
from tui.records.diff import PageState, diff_steps, observed_state, page_state, render_diff
from tui.ui.state import SessionView, clean
from tui.ui.tabs.base import SessionTab, pane_active
from tui.ui.tabs.console import clock
from tui.ui.tabs.log import OUTCOME_STYLES

HIGHLIGHT_LIMIT = 200_000


@dataclass
class Moment:
    """One step as the timeline shows it: stored, or only in this app's memory so far."""

    seq: int
    description: str
    status: str
    success: bool
    message: str
    started_at: object
    ended_at: object
    duration_ms: float
    url: str
    title: str
    markdown: str | None
    actions: list
    metadata: PageMeta | None
    screenshot_path: object = None
    png: bytes | None = None
    console: list[ConsoleMessage] = field(default_factory=list)
    network: list[NetworkRequest] = field(default_factory=list)
    stored: bool = True
    own_logs: bool = False  # console/network are the step's own (else: by time window)

    @classmethod
    def from_stored(cls, step) -> Moment:
        return cls(
            seq=step.seq,
            description=step.description or step.request.describe(),
            status=step.status.value,
            success=step.success,
            message=step.message,
            started_at=step.started_at,
            ended_at=step.ended_at,
            duration_ms=step.duration_ms,
            url=step.url,
            title=step.title,
            markdown=step.markdown,
            actions=list(step.actions),
            metadata=step.metadata,
            screenshot_path=step.screenshot_path,
            console=list(step.console),
            network=list(step.network),
            own_logs=getattr(step, "logs", bool(step.console or step.network)),
        )

    @classmethod
    def from_result(cls, seq: int, result: StepResult) -> Moment:
        obs = result.observation
        return cls(
            seq=seq,
            description=result.request.describe(),
            status=result.status.value,
            success=result.success,
            message=result.message,
            started_at=result.started_at,
            ended_at=result.ended_at,
            duration_ms=result.duration_ms,
            url=obs.metadata.url if obs else "",
            title=obs.metadata.title if obs else "",
            markdown=obs.markdown if obs else None,
            actions=list(obs.actions) if obs else [],
            metadata=obs.metadata if obs else None,
            png=obs.screenshot if obs else None,
            console=list(result.console),
            network=list(result.network),
            stored=False,
            own_logs=bool({"console", "network"} & result.model_fields_set),
        )

    def screenshot(self) -> bytes | None:
        if self.png is None and self.screenshot_path is not None:
            try:
                self.png = self.screenshot_path.read_bytes()
            except OSError:
                return None
        return self.png


def merge(stored: list, results: list[StepResult]) -> list[Moment]:
    """Stored steps (each once), plus this app's results the store does not hold yet, by time."""
    from tui.records.export import once  # the export machinery loads when it is used

    moments = [Moment.from_stored(s) for s in once(stored)]
    seen = {s.started_at for s in stored}
    moments += [Moment.from_result(0, r) for r in results if r.started_at not in seen]
    moments.sort(key=lambda m: m.started_at)
    # Numbered in time order: a step the store never got (a failed one) sits in its place.
    for n, moment in enumerate(moments, 1):
        moment.seq = n
    return moments


def during(moments: list[Moment], index: int, items: list):
    """Entries logged from step `index` until the next step started."""
    start = moments[index].started_at
    end = moments[index + 1].started_at if index + 1 < len(moments) else None
    return [i for i in items if i.timestamp >= start and (end is None or i.timestamp < end)]


def moment_text(moment: Moment, console: list[ConsoleMessage], network: list) -> str:
    """What the detail pane shows for one step: summary, actions, logs, then the page."""
    word = moment.status if moment.success else f"{moment.status} (failed)"
    lines = [
        f"# Step {moment.seq} · {moment.description} · {word} · {moment.duration_ms:.0f} ms",
        "",
        f"{moment.title or '(untitled)'}",
        f"{moment.url or '(no url)'}",
    ]
    if moment.message:
        lines += ["", f"> {moment.message}"]
    if not moment.stored:
        lines += ["", "(not in the store yet: shown from this app's memory)"]
    lines += ["", f"## Actions after this step ({len(moment.actions)})", ""]
    lines += [f"- {a.id} {a.role} {a.description}".rstrip() for a in moment.actions[:200]]
    if len(moment.actions) > 200:
        lines.append(f"- … {len(moment.actions) - 200} more")
    span = "during this step" if moment.own_logs else "from this step until the next"
    lines += ["", f"## Console {span} ({len(console)})", ""]
    lines += [f"- {clock(c.timestamp)} {c.level}: {c.text[:300]}" for c in console[-100:]]
    lines += ["", f"## Network {span} ({len(network)})", ""]
    for r in network[-200:]:
        status = r.failure or (str(r.status) if r.status is not None else "…")
        lines.append(f"- {clock(r.timestamp)} {r.method} {status} {r.url[:200]}")
    lines += ["", "## Page after this step", ""]
    lines.append(moment.markdown if moment.markdown is not None else "(the store kept no page)")
    return clean("\n".join(lines))


class TimelineTable(DataTable):
    """One row per step; moving the cursor travels to that step."""

    BINDINGS = [
        Binding(
            "e",
            "export",
            "Export",
            id="timeline.export",
            tooltip="Export this session: session.json, report.md and screenshots",
        ),
        Binding(
            "c",
            "changes",
            "Changes",
            id="timeline.changes",
            tooltip="Toggle what this step changed against the step before it",
        ),
    ]

    def _owner(self) -> TimelineTab | None:
        return next((a for a in self.ancestors if isinstance(a, TimelineTab)), None)

    def action_export(self) -> None:
        owner = self._owner()
        if owner is not None:
            owner.export()

    def action_changes(self) -> None:
        owner = self._owner()
        if owner is not None:
            owner.toggle_changes()


class TimelinePage(TextArea):
    """The page and its logs as they were after the picked step."""


class TimelineTab(SessionTab):
    """The selected session's steps from the store, with time travel."""

    TITLE = "Timeline"
    TAB_ID = "tab-timeline"

    DEFAULT_CSS = """
    TimelineTab TimelineTable { height: auto; max-height: 40%; min-height: 3; }
    TimelineTab #timeline-detail { height: 1fr; border-top: hkey $primary-background-lighten-2; }
    TimelineTab TimelinePage { width: 1fr; border: none; }
    TimelineTab #timeline-shot-box { width: 1fr; display: none; }
    TimelineTab #timeline-shot-box.-with-image { display: block; }
    TimelineTab #timeline-shot-image { width: auto; height: 1fr; }
    TimelineTab .note { color: $text-muted; padding: 0 1; height: auto; }
    """

    class Loaded(Message):
        """The timeline of one session, with its live logs when it has them."""

        def __init__(
            self,
            key: str,
            moments: list[Moment],
            console: list[ConsoleMessage],
            network: list[NetworkRequest],
            note: str = "",
        ) -> None:
            super().__init__()
            self.key, self.moments, self.note = key, moments, note
            self.console, self.network = console, network

    class Changes(Message):
        """What step `index` of one session changed, rendered."""

        def __init__(self, key: str, index: int, text: str, png: bytes | None) -> None:
            super().__init__()
            self.key, self.index, self.text, self.png = key, index, text, png

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.view: SessionView | None = None
        self._mark: object = None
        self._loaded_mark: object = None
        self.moments: list[Moment] = []
        self.console: list[ConsoleMessage] = []
        self.network: list[NetworkRequest] = []
        self.picked: int | None = None
        self._moments_key = ""  # the session `moments` belong to
        self.last_export = None  # the folder of the last export from this tab
        self.changes = False  # showing what the picked step changed, not the page after it

    def compose(self) -> ComposeResult:
        yield Static("", id="timeline-note", classes="note", markup=False)
        table = TimelineTable(id="timeline-table", cursor_type="row", zebra_stripes=True)
        table.add_column("#", key="n")
        table.add_column("time", key="time")
        table.add_column("step", key="step")
        table.add_column("status", key="status")
        table.add_column("ms", key="ms")
        table.add_column("url", key="url")
        yield table
        with Horizontal(id="timeline-detail"):
            yield TimelinePage(
                "", language="markdown", read_only=True, soft_wrap=True, id="timeline-page"
            )
            with Vertical(id="timeline-shot-box"):
                if self.image_class is not None:
                    yield self.image_class(id="timeline-shot-image")

    def show(self, view: SessionView | None, force: bool = False) -> None:
        # Drawn only while on show; a hidden tab draws when it next comes into view.
        self.view = view
        if force or pane_active(self):
            self.draw(view)

    def on_show(self) -> None:
        # Other clients (through `stepdeck serve`) add steps too: read the store again.
        self._mark = self._mark_of(self.view)
        self.refresh_timeline(force=True)

    def draw(self, view: SessionView | None) -> None:
        self._mark = self._mark_of(view)
        self.refresh_timeline()

    @staticmethod
    def _mark_of(view: SessionView | None) -> object:
        return (view.key, view.step_count, len(view.results)) if view else None

    def refresh_timeline(self, force: bool = False) -> None:
        """Load the selected session's steps again if they may have changed."""
        if self._mark == self._loaded_mark and not force:
            return
        self._loaded_mark = self._mark
        if self.view is None:
            self._loaded(self.Loaded("", [], [], []))
            return
        self.load(self.view)

    # description: the default repr of a SessionView (page, screenshot) costs ~20 ms a step.
    @work(exclusive=True, group="timeline", exit_on_error=False, description="timeline")
    async def load(self, view: SessionView) -> None:
        store = self.store
        note = ""
        stored: list = []
        if store is None:
            note = "no store: showing this app's steps only (steps are not kept after it quits)"
        else:
            try:
                stored = await asyncio.to_thread(store.steps, view.provider, view.session.id)
            except Exception as exc:  # the store is a record: say so, show what the app has
                note = f"the store could not be read ({exc}): showing this app's steps only"
        console: list[ConsoleMessage] = []
        network: list[NetworkRequest] = []
        provider = self.providers.get(view.provider)
        if provider is not None and view.session.status.is_live:
            try:
                if provider.capabilities.console:
                    console = await provider.console(view.session.id)
                if provider.capabilities.network:
                    network = await provider.network(view.session.id)
            except StepdeckError:
                pass  # the steps still show; the logs are a bonus
        moments = merge(stored, list(view.results))
        self.post_message(self.Loaded(view.key, moments, console, network, note))

    @on(Loaded)
    def _loaded(self, event: Loaded) -> None:
        current = self.view.key if self.view else ""
        if event.key != current:
            return
        # Someone looking at an older step stays there when a new one arrives.
        same = event.key == self._moments_key and self.picked is not None
        stay = self.picked if same and self.picked < len(self.moments) - 1 else None
        self._moments_key = event.key
        self.moments, self.console, self.network = event.moments, event.console, event.network
        text = event.note
        if not text and self.view is not None and not self.moments:
            text = "no steps yet: run one from the command bar"
        note = self.query_one("#timeline-note", Static)
        note.update(text)
        note.display = bool(text)
        table = self.query_one(TimelineTable)
        table.clear()
        for m in self.moments:
            table.add_row(
                Text(str(m.seq)),
                Text(clock(m.started_at), style="dim"),
                Text(clean(m.description)[:60]),
                Text(m.status, style=OUTCOME_STYLES.get(m.status, "") if m.success else "red"),
                Text(f"{m.duration_ms:.0f}", justify="right"),
                Text(clean(m.url)[:120], no_wrap=True, overflow="ellipsis"),
            )
        if self.moments:
            row = stay if stay is not None and stay < len(self.moments) else len(self.moments) - 1
            table.move_cursor(row=row)
            self.travel(row)
        else:
            self.picked = None
            self.query_one(TimelinePage).load_text("")
            self._show_image(None)

    @on(DataTable.RowHighlighted, "#timeline-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if 0 <= event.cursor_row < len(self.moments) and event.cursor_row != self.picked:
            self.travel(event.cursor_row)

    def toggle_changes(self) -> None:
        """Switch between the page after the picked step and what the step changed."""
        self.changes = not self.changes
        if self.picked is not None and self.picked < len(self.moments):
            self.travel(self.picked)

    def travel(self, index: int) -> None:
        """Show the page, actions, screenshot and logs as they were after step `index`."""
        self.picked = index
        moment = self.moments[index]
        if self.changes:
            if index > 0:
                self._diff(self._moments_key, index, self.moments[index - 1], moment)
            elif (opened := self._opened(moment)) is not None:
                self._diff(self._moments_key, index, opened, moment)
            else:
                text = (
                    f"# Changes: step {moment.seq} · {moment.description}\n\n"
                    "The first step: there is no step before it to compare with, and the page "
                    "the session opened on was not seen by this app.\n"
                )
                self._show_detail(text, moment.screenshot())
            return
        if moment.own_logs:  # recorded with the step: an ended session keeps them too
            console, network = moment.console, moment.network
        else:
            console = moment.console or during(self.moments, index, self.console)
            network = moment.network or during(self.moments, index, self.network)
        self._show_detail(moment_text(moment, console, network), moment.screenshot())

    def _show_detail(self, text: str, png: bytes | None) -> None:
        area = self.query_one(TimelinePage)
        area.language = "markdown" if len(text) <= HIGHLIGHT_LIMIT else None
        area.load_text(text)
        area.scroll_home(animate=False)
        self._show_image(png)

    def _opened(self, first: Moment) -> PageState | None:
        """The page the session opened on, as one side of a diff: known when this app opened
        the session and `first` is its first step."""
        opening = self.view.opening if self.view is not None else None
        if opening is None or first.seq != 1:
            return None
        return observed_state(opening, "the page it opened on")

    @work(exclusive=True, group="timeline-changes", exit_on_error=False, description="changes")
    async def _diff(self, key: str, index: int, before: Moment | PageState, after: Moment) -> None:
        # Reading two screenshots (a stored step's from its file) and a pixel diff: off the
        # UI's turn.
        def compute():
            first = before if isinstance(before, PageState) else page_state(before)
            return diff_steps(first, page_state(after))

        diff = await asyncio.to_thread(compute)
        self.post_message(self.Changes(key, index, render_diff(diff), diff.image))

    @on(Changes)
    def _changed(self, event: Changes) -> None:
        if not self.changes or event.key != self._moments_key or event.index != self.picked:
            return  # another step (or session) was picked meanwhile
        self._show_detail(clean(event.text), event.png)

    def images_ready(self, image_class: type | None) -> None:
        had = self.image_class is not None
        super().images_ready(image_class)
        if not had and image_class is not None:
            self.query_one("#timeline-shot-box").mount(image_class(id="timeline-shot-image"))

    def _show_image(self, png: bytes | None) -> None:
        box = self.query_one("#timeline-shot-box")
        images = self.query("#timeline-shot-image")
        box.set_class(bool(images) and png is not None, "-with-image")
        if images:
            images.first().image = io.BytesIO(png) if png else None

    def export(self) -> None:
        """Export the selected session (store + live logs) into the exports folder."""
        store = self.store
        if self.view is None or store is None:
            why = "no session selected" if self.view is None else "there is no store to export from"
            self.notify(f"Nothing to export: {why}.", severity="warning", markup=False)
            return
        self._export(self.view)

    @work(group="timeline-export", exit_on_error=False, description="export")
    async def _export(self, view: SessionView) -> None:
        from tui.records.export import export_session

        provider = self.providers.get(view.provider)
        live = provider if provider is not None and view.session.status.is_live else None
        try:
            result = await export_session(
                view.session.id, provider=view.provider, store=self.store, live=live
            )
        except StepdeckError as exc:
            self.notify(
                f"{exc.message}\n→ {exc.hint}",
                title="Export failed",
                severity="error",
                markup=False,
            )
            return
        except OSError as exc:
            self.notify(str(exc), title="Export failed", severity="error", markup=False)
            return
        self.last_export = result.folder
        self.notify(
            f"{result.steps} steps → {result.markdown_path}", title="Exported", markup=False
        )

    @property
    def detail_text(self) -> str:
        return self.query_one(TimelinePage).text
