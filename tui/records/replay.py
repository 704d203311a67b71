"""Replay an export on a new session of any provider with an action space.

Steps run one at a time. A natural-language command runs the actions it
resolved to when recorded (`reinterpret=True` sends the command again instead).
An export of the bundled demo site names the demo's origin; replay rewrites it
to the demo running now (`demo_url`), so a demo export replays anywhere.
Replay stops at the first step whose target is gone (or is now a different
element), saying why and showing what differs between the page as recorded and
the page now.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from tui.engine.masking import MASK
from tui.model import CreateSession, Observation, Session, StepRequest, StepStatus
from tui.providers.base import Provider, StepdeckError, Unsupported
from tui.records.export import (
    ID_STEPS,
    REPLAYABLE,
    ExportedSession,
    ExportedStep,
    load_export,
)


class ReplayOutcome(BaseModel):
    """What happened to one exported step when replayed."""

    seq: int
    description: str
    outcome: Literal["done", "skipped", "failed", "stopped"]
    reason: str = ""
    url: str = ""  # where the replay is after this step
    expected_url: str = ""  # where the recorded session was after it (origin rewritten)
    ran: list[str] = Field(default_factory=list)  # the actions sent, as typed
    changes: str = ""  # stopped: the recorded page before this step against the page now

    @property
    def same_page(self) -> bool:
        return bool(self.url) and self.url == self.expected_url


class ReplayReport(BaseModel):
    """The whole replay: the new session and every outcome."""

    session_id: str
    outcomes: list[ReplayOutcome] = Field(default_factory=list)
    url: str = ""

    @property
    def completed(self) -> bool:
        return all(o.outcome in ("done", "skipped") for o in self.outcomes)

    @property
    def stopped(self) -> ReplayOutcome | None:
        for o in self.outcomes:
            if o.outcome in ("failed", "stopped"):
                return o
        return None


# --- replay ------------------------------------------------------------------------------


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


class Rewrite:
    """The recorded demo origin to the running demo's (identity when there is none)."""

    def __init__(self, export: ExportedSession, demo_url: str | None) -> None:
        self.old = (export.demo_origin or "").rstrip("/")
        self.new = (demo_url or "").rstrip("/")

    def __call__(self, url: str | None) -> str | None:
        if not url or not self.old or not self.new or self.old == self.new:
            return url
        if url == self.old or url.startswith(self.old + "/") or url.startswith(self.old + "?"):
            return self.new + url[len(self.old) :]
        return url

    def request(self, request: StepRequest) -> StepRequest:
        if request.url:
            return request.model_copy(update={"url": self(request.url)})
        return request


def replay_start(export: ExportedSession) -> tuple[str | None, str]:
    """The url a replay opens before its first step, and a note when it is a guess."""
    if export.start_url:
        return export.start_url, ""
    first = export.steps[0] if export.steps else None
    if first is not None and first.request.type == "goto":
        return None, ""  # the first step goes there itself
    guess = (first.url if first else "") or export.session.url or None
    return guess, (
        f"the export does not say where the session started: starting at {guess}, "
        "where its first step ended (give the start url to replay from elsewhere)"
    )


async def start_replay(
    export: ExportedSession,
    provider: Provider,
    *,
    start_url: str | None = None,
    demo_url: str | None = None,
) -> Session:
    """A new session on `provider` where the exported one started (or at `start_url`)."""
    if not provider.capabilities.action_space:
        raise Unsupported(
            f"{provider.label or provider.name} has no action space: a replay needs element ids",
            provider.capabilities.reason("action_space"),
        )
    url = start_url or Rewrite(export, demo_url)(replay_start(export)[0])
    return await provider.create_session(
        CreateSession(url=url, label=f"replay of {export.session.id}")
    )


async def replay_steps(
    export: ExportedSession,
    provider: Provider,
    session_id: str,
    *,
    demo_url: str | None = None,
    reinterpret: bool = False,
) -> AsyncIterator[ReplayOutcome]:
    """Run each replayable step on `session_id`, yielding its outcome; stop at the first miss."""
    rewrite = Rewrite(export, demo_url)
    before: ExportedStep | None = None  # the step whose page the next one acted on
    for st in export.steps:
        out = ReplayOutcome(
            seq=st.seq,
            description=st.description,
            outcome="done",
            expected_url=rewrite(st.url) or "",
        )
        page_before, before = before, st
        if not st.success or st.status == StepStatus.ERROR:
            yield out.model_copy(update={"outcome": "skipped", "reason": "it failed when recorded"})
            continue
        requests, skip = _requests(st, reinterpret)
        if skip:
            yield out.model_copy(update={"outcome": "skipped", "reason": skip})
            continue
        url = ""
        for n, raw in enumerate(requests):
            request = rewrite.request(raw).model_copy(update={"source": "replay", "confirm": False})
            if request.value == MASK:
                reason = (
                    "the value typed here went into a password field and was never kept; "
                    "type it by hand in this session, then replay the steps after it"
                )
                yield out.model_copy(update={"outcome": "stopped", "reason": reason})
                return
            if request.id and request.type in ID_STEPS:
                try:
                    observation = await provider.observe(session_id, screenshot=False)
                except StepdeckError as exc:
                    yield out.model_copy(update={"outcome": "failed", "reason": why(exc)})
                    return
                # The step's own target was recorded; a command's later actions act on
                # pages the recording did not keep, so only their presence is checked.
                target = st.target if n == 0 and st.request.type != "command" else None
                reason = _target_missing(request.id, target, observation)
                if reason:
                    changes = await _changes(export, page_before, provider, session_id, rewrite)
                    yield out.model_copy(
                        update={
                            "outcome": "stopped",
                            "reason": reason,
                            "url": observation.metadata.url,
                            "changes": changes,
                        }
                    )
                    return
            try:
                result = await provider.step(session_id, request)
            except StepdeckError as exc:
                yield out.model_copy(update={"outcome": "failed", "reason": why(exc)})
                return
            out.ran.append(request.describe())
            url = result.observation.metadata.url if result.observation else ""
            if not result.success or result.status == StepStatus.ERROR:
                reason = result.message or "the provider said the step failed"
                yield out.model_copy(update={"outcome": "failed", "reason": reason, "url": url})
                return
        if not url:
            try:
                url = (await provider.get_session(session_id)).url
            except StepdeckError:
                url = ""
        yield out.model_copy(update={"url": url})


def _requests(st: ExportedStep, reinterpret: bool) -> tuple[list[StepRequest], str]:
    """What to send for a recorded step, or why it is skipped."""
    request = st.request
    if request.type == "command":
        if reinterpret:
            return [request], ""
        if st.resolved:
            return list(st.resolved), ""
        return [], (
            "a natural-language command that ran no action when recorded "
            "(--reinterpret sends it again)"
        )
    if request.type not in REPLAYABLE:
        return [], f"not replayed: {request.type}"
    return [request], ""


async def _changes(
    export: ExportedSession,
    recorded: ExportedStep | None,
    provider: Provider,
    session_id: str,
    rewrite: Rewrite,
) -> str:
    """The page as recorded before the missed step against the page now, as text."""
    from tui.records.diff import PageState, diff_steps, observed_state, render_diff

    try:
        now: Observation = await provider.observe(session_id)
    except StepdeckError as exc:
        return f"(the page now could not be read: {why(exc)})"
    if recorded is None:
        then = PageState(label="recorded start", url=rewrite(export.start_url) or "")
    else:
        then = PageState(
            label=f"recorded after step {recorded.seq}",
            url=rewrite(recorded.url) or "",
            title=recorded.title,
            actions=recorded.actions,
            markdown=export.page_text(recorded),
            png=export.screenshot(recorded),
        )
    here = observed_state(now, "now")
    return render_diff(diff_steps(then, here, image=False), text_lines=60)


def why(exc: StepdeckError) -> str:
    """An error's message and what to do next, on one line."""
    return exc.message + (f" ({exc.hint})" if exc.hint else "")


def _target_missing(ident: str, target, observation: Observation) -> str | None:
    """Why the element `ident` is not there any more (or is another one), or None."""
    action = observation.action(ident)
    where = observation.metadata.url or "this page"
    if action is None:
        was = f" ('{target.description}')" if target else ""
        return f"{ident}{was} no longer exists on {where} ({len(observation.actions)} actions)"
    if target and _norm(action.description) != _norm(target.description):
        return (
            f"{ident} is now '{action.description}' on {where}; "
            f"it was '{target.description}' when recorded"
        )
    return None


async def replay(
    export: ExportedSession | Path | str,
    provider: Provider,
    *,
    session_id: str | None = None,
    start_url: str | None = None,
    demo_url: str | None = None,
    reinterpret: bool = False,
) -> ReplayReport:
    """Replay a whole export (on a new session unless `session_id` is given)."""
    if not isinstance(export, ExportedSession):
        export = load_export(export)
    if session_id is None:
        started = await start_replay(export, provider, start_url=start_url, demo_url=demo_url)
        session_id = started.id
    report = ReplayReport(session_id=session_id)
    steps = replay_steps(export, provider, session_id, demo_url=demo_url, reinterpret=reinterpret)
    async for outcome in steps:
        report.outcomes.append(outcome)
        if outcome.url:
            report.url = outcome.url
    if not report.url:
        try:
            report.url = (await provider.get_session(session_id)).url
        except StepdeckError:
            pass
    return report


__all__ = [
    "ReplayOutcome",
    "ReplayReport",
    "Rewrite",
    "replay",
    "replay_start",
    "replay_steps",
    "start_replay",
    "why",
]
