"""Export a session: JSON + a Markdown report + screenshot files.

UI-free: the app, the CLI and tests call it with a `Store` and, for a live
session, its `Provider` (for the action log, console and network).

An export folder holds:
- `session.json`: every step with its request, outcome, observation summary
  (url, title, the actions it offered), console and network during it, and the
  session's logs; `load_export` reads it back;
- `report.md`: the same as a page a person reads, screenshots linked;
- `shots/00001.png`, `pages/00001.md`: the screenshot and page text after each step.
"""

from __future__ import annotations

import asyncio
import shutil
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, PrivateAttr

from tui import locations
from tui.demo.pages import FOOTER as DEMO_FOOTER
from tui.engine import registry
from tui.model import (
    ConsoleMessage,
    LogEntry,
    NetworkRequest,
    Session,
    StepRequest,
    StepStatus,
    utcnow,
)
from tui.providers.base import Provider, StepdeckError
from tui.store import Store
from tui.stored import StoredStep

EXPORT_FORMAT = "stepdeck-export/1"

# Steps that address an element by id; the rest of REPLAYABLE needs no element. Both come
# from the one action registry: a scrape or a done changes nothing worth repeating.
ID_STEPS = set(registry.ELEMENT_NAMES)
REPLAYABLE = set(registry.REPLAYABLE)


class ActionSummary(BaseModel):
    """An element the page offered: its id and what it is."""

    id: str
    description: str = ""
    role: str = ""


class ExportedStep(BaseModel):
    """One step of an exported session, with what the page looked like after it."""

    seq: int
    request: StepRequest
    description: str = ""
    status: StepStatus = StepStatus.DONE
    success: bool = True
    message: str = ""
    started_at: datetime
    ended_at: datetime
    duration_ms: float = 0.0
    url: str = ""
    title: str = ""
    # The element the step addressed, as the page before it described it (None: unknown).
    target: ActionSummary | None = None
    actions: list[ActionSummary] = Field(default_factory=list)
    screenshot: str | None = None  # path relative to the export folder
    page: str | None = None  # the page text after the step, relative path
    console: list[ConsoleMessage] = Field(default_factory=list)
    network: list[NetworkRequest] = Field(default_factory=list)
    # A natural-language command: the actions it resolved to, in order (replay runs these).
    resolved: list[StepRequest] = Field(default_factory=list)


class ExportedSession(BaseModel):
    """What `session.json` holds."""

    format: str = EXPORT_FORMAT
    exported_at: datetime = Field(default_factory=utcnow)
    provider: str
    session: Session
    start_url: str | None = None  # where the session was before its first step
    steps: list[ExportedStep] = Field(default_factory=list)
    action_log: list[LogEntry] = Field(default_factory=list)
    console: list[ConsoleMessage] = Field(default_factory=list)
    network: list[NetworkRequest] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)  # what could not be included, and why
    # The bundled demo site's origin when the session ran on it (its port was random):
    # replay rewrites it to the demo running then.
    demo_origin: str | None = None
    # The session's Playwright trace (embedded engine, recorded with --trace), relative path.
    trace: str | None = None
    _folder: Path | None = PrivateAttr(default=None)  # where it was loaded from

    @property
    def folder(self) -> Path | None:
        """The export's folder (screenshots and pages are relative to it), when known."""
        return self._folder

    def page_text(self, step: ExportedStep) -> str | None:
        """The page text kept after `step`, if the folder holds it."""
        if self._folder is None or not step.page:
            return None
        try:
            return (self._folder / step.page).read_text()
        except OSError:
            return None

    def screenshot(self, step: ExportedStep) -> bytes | None:
        """The screenshot kept after `step`, if the folder holds it."""
        if self._folder is None or not step.screenshot:
            return None
        try:
            return (self._folder / step.screenshot).read_bytes()
        except OSError:
            return None


class ExportResult(BaseModel):
    """Where an export went."""

    folder: Path
    json_path: Path
    markdown_path: Path
    steps: int
    export: ExportedSession


# --- export ------------------------------------------------------------------------------


def in_window[T: (ConsoleMessage, NetworkRequest)](
    items: list[T], start: datetime, end: datetime | None
) -> list[T]:
    """Entries logged from `start` until `end` (None: until now)."""
    return [i for i in items if i.timestamp >= start and (end is None or i.timestamp < end)]


def _summary(actions: list) -> list[ActionSummary]:
    # model_construct: these come from validated Actions, and a long session has thousands.
    return [
        ActionSummary.model_construct(id=a.id, description=a.description, role=a.role)
        for a in actions
    ]


def _start_url(steps: list[StoredStep], network: list[NetworkRequest]) -> str | None:
    """Where the session was before its first step: the first page it loaded."""
    first = steps[0].started_at if steps else None
    for request in network:
        if request.resource_type == "document" and (first is None or request.timestamp < first):
            return request.url
    if steps and steps[0].request.type in registry.STAYS:
        return steps[0].url  # these steps do not leave the page
    return None


def default_folder(provider: str, session_id: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in f"{provider}-{session_id}")
    return locations.exports_dir() / f"{safe}-{stamp}"


async def export_session(
    session_id: str,
    *,
    provider: str = "local",
    store: Store,
    live: Provider | None = None,
    out: Path | None = None,
    start_url: str | None = None,
) -> ExportResult:
    """Write a session's steps (from the store) and logs (from `live`) to a folder."""
    stored = await asyncio.to_thread(store.steps, provider, session_id)
    session = await asyncio.to_thread(store.session, provider, session_id)
    notes: list[str] = []
    action_log: list[LogEntry] = []
    console: list[ConsoleMessage] = []
    network: list[NetworkRequest] = []
    if live is not None:
        try:
            session = await live.get_session(session_id)
            action_log = await live.action_log(session_id)
            console = await live.console(session_id)
            network = await live.network(session_id)
        except StepdeckError as exc:
            notes.append(f"live logs not included: {exc.message}")
    if session is None:
        if not stored:
            raise StepdeckError(
                f"No session {session_id} from {provider} in the store",
                "list sessions with the app; an export needs at least one recorded step",
            )
        session = Session(id=session_id, provider=provider, url=stored[-1].url)
    if live is None:
        notes.append("exported from the store only: no action log, console or network")

    folder = Path(out) if out is not None else default_folder(provider, session_id)
    export = ExportedSession(
        provider=provider,
        session=session,
        start_url=start_url or session.start_url or _start_url(stored, network),
        action_log=action_log,
        console=console,
        network=network,
        notes=notes,
    )
    export._folder = folder
    json_path = folder / "session.json"
    markdown_path = folder / "report.md"

    def write() -> None:  # files (screenshots, pages, JSON) off the event loop
        _write_steps(folder, stored, export)
        _copy_trace(folder, session_id, export)
        json_path.write_text(export.model_dump_json(indent=2))
        markdown_path.write_text(markdown_report(export))

    await asyncio.to_thread(write)
    return ExportResult(
        folder=folder,
        json_path=json_path,
        markdown_path=markdown_path,
        steps=len(export.steps),
        export=export,
    )


def once(stored: list[StoredStep]) -> list[StoredStep]:
    """Each step once: the app and `stepdeck serve` may both have recorded it."""
    seen: set = set()
    out = []
    for step in stored:
        mark = (step.started_at, step.description)
        if mark not in seen:
            seen.add(mark)
            out.append(step)
    return out


def _write_steps(folder: Path, stored: list[StoredStep], export: ExportedSession) -> None:
    locations.ensure(folder)
    stored = once(stored)
    before: list[ActionSummary] | None = None  # the action space the step acted on
    for i, step in enumerate(stored):
        name = f"{step.seq:05d}"
        shot = page = None
        if step.screenshot_path and step.screenshot_path.exists():
            locations.ensure(folder / "shots")
            shutil.copyfile(step.screenshot_path, folder / "shots" / f"{name}.png")
            shot = f"shots/{name}.png"
        if step.markdown:
            locations.ensure(folder / "pages")
            (folder / "pages" / f"{name}.md").write_text(step.markdown)
            page = f"pages/{name}.md"
        target = None
        if step.request.id and before is not None:
            target = next((a for a in before if a.id == step.request.id), None)
        # The store keeps console/network per step when its recorder passed them;
        # otherwise take the session's, from this step until the next one.
        end = stored[i + 1].started_at if i + 1 < len(stored) else None
        console = step.console or in_window(export.console, step.started_at, end)
        network = step.network or in_window(export.network, step.started_at, end)
        actions = _summary(step.actions)
        if export.demo_origin is None and step.markdown and DEMO_FOOTER in step.markdown:
            export.demo_origin = origin_of(step.url)
        export.steps.append(
            ExportedStep(
                seq=step.seq,
                request=step.request,
                description=step.description or step.request.describe(),
                status=step.status,
                success=step.success,
                message=step.message,
                started_at=step.started_at,
                ended_at=step.ended_at,
                duration_ms=step.duration_ms,
                url=step.url,
                title=step.title,
                target=target,
                actions=actions,
                screenshot=shot,
                page=page,
                console=console,
                network=network,
                resolved=resolved_actions(step) if step.request.type == "command" else [],
            )
        )
        if step.metadata is not None or step.actions:
            before = actions


def _copy_trace(folder: Path, session_id: str, export: ExportedSession) -> None:
    """The session's Playwright trace into the export, when one was recorded and written."""
    if export.provider not in ("local", "serve"):
        return
    from tui.engine.tracing import trace_file

    source = trace_file(session_id)
    if source.exists():
        shutil.copyfile(source, folder / "trace.zip")
        export.trace = "trace.zip"  # (a traced session's trace is written when it closes)


def origin_of(url: str) -> str | None:
    """`http://127.0.0.1:43657` of a url (None when it has no host)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def resolved_actions(step: StoredStep) -> list[StepRequest]:
    """The actions a command ran, as requests replay can send again (in order)."""
    out = []
    for entry in step.substeps:
        if entry.type not in REPLAYABLE or not entry.success:
            continue  # model calls, reads, and what failed
        try:
            out.append(StepRequest.model_validate({**entry.params, "type": entry.type}))
        except ValueError:
            continue
    return out


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")[:120]


def markdown_report(export: ExportedSession) -> str:
    """A readable report of an export, screenshots linked relative to its folder."""
    s = export.session
    lines = [
        f"# Session {s.id} ({export.provider})",
        "",
        f"- exported: {export.exported_at:%Y-%m-%d %H:%M:%S} UTC",
        f"- created: {s.created_at:%Y-%m-%d %H:%M:%S} UTC, status: {s.status.value}",
        f"- started at: {export.start_url or '(unknown)'}",
        f"- last page: {s.title or '(untitled)'} — {s.url or '(no url)'}",
        f"- steps: {len(export.steps)}",
    ]
    if export.trace:
        lines.append(
            f"- Playwright trace: [{export.trace}]({export.trace}) "
            f"(open it with `playwright show-trace {export.trace}`)"
        )
    lines += [f"- note: {n}" for n in export.notes]
    lines += ["", "| # | time | step | status | ms | url |", "|---|---|---|---|---|---|"]
    for st in export.steps:
        lines.append(
            f"| {st.seq} | {st.started_at:%H:%M:%S} | `{_cell(st.description)}` "
            f"| {st.status.value}{'' if st.success else ' (failed)'} | {st.duration_ms:.0f} "
            f"| {_cell(st.url)} |"
        )
    for st in export.steps:
        lines += ["", f"## {st.seq}. `{st.description}`", ""]
        lines.append(f"{st.status.value} in {st.duration_ms:.0f} ms — {st.title} ({st.url})")
        if st.message:
            lines += ["", f"> {st.message}"]
        if st.target is not None:
            lines += ["", f"Target: {st.target.id} — {st.target.description}"]
        if st.resolved:
            lines += ["", "Resolved to: " + "; ".join(f"`{r.describe()}`" for r in st.resolved)]
        if st.screenshot:
            lines += ["", f"![after step {st.seq}]({st.screenshot})"]
        if st.page:
            lines += ["", f"[page text after this step]({st.page}) — {len(st.actions)} actions"]
        errors = [c for c in st.console if c.level in ("error", "pageerror", "warning")]
        if errors:
            lines += ["", "Console:"] + [f"- {c.level}: {_cell(c.text)}" for c in errors]
        bad = [n for n in st.network if n.failure or (n.status or 0) >= 400]
        if st.network:
            lines += ["", f"Network: {len(st.network)} requests, {len(bad)} failed"]
            lines += [f"- {n.method} {n.status or n.failure} {_cell(n.url)}" for n in bad]
    return "\n".join(lines) + "\n"


def load_export(path: Path | str) -> ExportedSession:
    """Read an export's `session.json` (or the folder holding it)."""
    path = Path(path)
    if path.is_dir():
        path = path / "session.json"
    try:
        export = ExportedSession.model_validate_json(path.read_text())
    except OSError as exc:
        raise StepdeckError(
            f"Cannot read {path}: {exc.strerror}", "give an export's session.json"
        ) from None
    except ValueError as exc:
        raise StepdeckError(
            f"{path} is not a stepdeck export", f"expected {EXPORT_FORMAT}: {exc}"
        ) from None
    export._folder = path.parent
    return export


__all__ = [
    "EXPORT_FORMAT",
    "ID_STEPS",
    "REPLAYABLE",
    "ActionSummary",
    "ExportResult",
    "ExportedSession",
    "ExportedStep",
    "export_session",
    "in_window",
    "load_export",
    "markdown_report",
    "once",
    "origin_of",
    "resolved_actions",
]
