"""Replay an export on a new session of any provider with an action space.

Steps run one at a time, and replay stops at the first step whose target is
gone (or is now a different element), saying why.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from tui.engine.masking import MASK
from tui.model import CreateSession, Session, StepStatus
from tui.providers.base import Provider, StepdeckError, Unsupported
from tui.records.export import ExportedSession, ExportedStep, load_export

# Steps that address an element by id; the rest of REPLAYABLE needs no element.
ID_STEPS = {"auto", "click", "fill", "select", "check", "uncheck"}
REPLAYABLE = ID_STEPS | {
    "goto",
    "back",
    "forward",
    "reload",
    "scroll_down",
    "scroll_up",
    "press_key",
    "new_tab",
    "switch_tab",
    "close_tab",
    "wait",
    "click_xy",
}


class ReplayOutcome(BaseModel):
    """What happened to one exported step when replayed."""

    seq: int
    description: str
    outcome: Literal["done", "skipped", "failed", "stopped"]
    reason: str = ""
    url: str = ""  # where the replay is after this step
    expected_url: str = ""  # where the recorded session was after it

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
    export: ExportedSession, provider: Provider, *, start_url: str | None = None
) -> Session:
    """A new session on `provider` where the exported one started (or at `start_url`)."""
    if not provider.capabilities.action_space:
        raise Unsupported(
            f"{provider.label or provider.name} has no action space: a replay needs element ids",
            provider.capabilities.reason("action_space"),
        )
    url = start_url or replay_start(export)[0]
    return await provider.create_session(
        CreateSession(url=url, label=f"replay of {export.session.id}")
    )


async def replay_steps(
    export: ExportedSession, provider: Provider, session_id: str
) -> AsyncIterator[ReplayOutcome]:
    """Run each replayable step on `session_id`, yielding its outcome; stop at the first miss."""
    for st in export.steps:
        request = st.request.model_copy(update={"source": "replay", "confirm": False})
        out = ReplayOutcome(
            seq=st.seq, description=st.description, outcome="done", expected_url=st.url
        )
        if request.type not in REPLAYABLE:
            why = "a natural-language command" if request.type == "command" else request.type
            yield out.model_copy(update={"outcome": "skipped", "reason": f"not replayed: {why}"})
            continue
        if not st.success or st.status == StepStatus.ERROR:
            yield out.model_copy(update={"outcome": "skipped", "reason": "it failed when recorded"})
            continue
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
            reason = _target_missing(st, observation)
            if reason:
                url = observation.metadata.url
                yield out.model_copy(update={"outcome": "stopped", "reason": reason, "url": url})
                return
        try:
            result = await provider.step(session_id, request)
        except StepdeckError as exc:
            yield out.model_copy(update={"outcome": "failed", "reason": why(exc)})
            return
        url = result.observation.metadata.url if result.observation else ""
        if not url:
            try:
                url = (await provider.get_session(session_id)).url
            except StepdeckError:
                url = ""
        if not result.success or result.status == StepStatus.ERROR:
            reason = result.message or "the provider said the step failed"
            yield out.model_copy(update={"outcome": "failed", "reason": reason, "url": url})
            return
        yield out.model_copy(update={"url": url})


def why(exc: StepdeckError) -> str:
    """An error's message and what to do next, on one line."""
    return exc.message + (f" ({exc.hint})" if exc.hint else "")


def _target_missing(step: ExportedStep, observation) -> str | None:
    """Why the step's element is not there any more, or None when it is."""
    ident = step.request.id or ""
    action = observation.action(ident)
    where = observation.metadata.url or "this page"
    if action is None:
        was = f" ('{step.target.description}')" if step.target else ""
        return f"{ident}{was} no longer exists on {where} ({len(observation.actions)} actions)"
    if step.target and _norm(action.description) != _norm(step.target.description):
        return (
            f"{ident} is now '{action.description}' on {where}; "
            f"it was '{step.target.description}' when recorded"
        )
    return None


async def replay(
    export: ExportedSession | Path | str,
    provider: Provider,
    *,
    session_id: str | None = None,
    start_url: str | None = None,
) -> ReplayReport:
    """Replay a whole export (on a new session unless `session_id` is given)."""
    if not isinstance(export, ExportedSession):
        export = load_export(export)
    if session_id is None:
        session_id = (await start_replay(export, provider, start_url=start_url)).id
    report = ReplayReport(session_id=session_id)
    async for outcome in replay_steps(export, provider, session_id):
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
    "ID_STEPS",
    "REPLAYABLE",
    "ReplayOutcome",
    "ReplayReport",
    "replay",
    "replay_start",
    "replay_steps",
    "start_replay",
    "why",
]
