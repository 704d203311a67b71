"""One command being carried out (`Run`), and what a session remembers between commands."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from tui.engine.agent.matching import is_password, label_of
from tui.engine.agent.parsing import Clause
from tui.errors import StepdeckError
from tui.model import Action, LogEntry, Observation, StepRequest, StepResult, StepStatus


class CommandTarget(Protocol):
    async def observe(self, screenshot: bool = True) -> Observation: ...

    async def step(self, request: StepRequest) -> StepResult: ...


# ---------------------------------------------------------------- state per session


@dataclass
class Pending:
    """A question the person has to answer before the command goes on."""

    kind: str  # "choose" or "confirm" (rules); "model-confirm" or "model-ask" (model loop)
    command: str
    clauses: list[Clause]  # the clause asked about first, then the rest of the chain
    candidates: list[Action] = field(default_factory=list)
    action: Action | None = None  # the element to confirm
    model: Any = None  # the model loop's conversation, for "model-confirm"
    url: str = ""  # where the question was asked: elsewhere, it no longer applies


@dataclass
class AgentMemory:
    """What the agent remembers of one session between commands."""

    pending: Pending | None = None
    last_query: str | None = None
    clipboard: str | None = None  # what "copy ..." took, for "paste ..."


def memory(target: Any) -> AgentMemory:
    """The agent's memory for one session (pending question, last search).

    It lives on the session itself (`agent_memory`), so it ends with the session.
    """
    mem = getattr(target, "agent_memory", None)
    if not isinstance(mem, AgentMemory):
        mem = AgentMemory()
        target.agent_memory = mem
    return mem


# ---------------------------------------------------------------- running


class Run:
    """One command being carried out: its steps, observation and summary."""

    def __init__(self, target: CommandTarget, request: StepRequest) -> None:
        self.target = target
        self.request = request
        self.started = time.perf_counter()
        self.started_at = StepResult().started_at
        self.steps: list[LogEntry] = []
        self.done: list[str] = []
        self.obs: Observation | None = None
        self.mem = memory(target)
        self.secret = False  # the current step types into a password field
        self.scope = ""  # "for the user @sam, ...": the page text the next target follows

    async def observe(self) -> Observation:
        if self.obs is None:
            self.obs = await self.target.observe(screenshot=False)
        return self.obs

    async def do(self, req: StepRequest, summary: str) -> StepResult:
        """Run one action through the session; raises StepdeckError on failure.

        The action carries the command's request id, so its step event tells the client
        that asked for the command that this sub-step is its own."""
        if self.request.request_id and not req.request_id:
            req = req.model_copy(update={"request_id": self.request.request_id})
        element = self.obs.action(req.id) if self.obs is not None and req.id else None
        self.secret = element is not None and is_password(element)
        t0 = time.perf_counter()
        try:
            res = await self.target.step(req)
        except StepdeckError as e:
            self._log(req, t0, False, e.message, "")
            raise
        url = res.observation.metadata.url if res.observation else ""
        self._log(req, t0, res.success, res.message if not res.success else None, url)
        if not res.success:
            raise StepdeckError(res.message or f"{req.describe()} failed")
        self.obs = res.observation or await self.target.observe(screenshot=False)
        self.done.append(summary)
        return res

    def record_llm(self, entry: LogEntry) -> None:
        """A model call: in the result's steps and, where the session keeps one, its log."""
        entry.index = len(self.steps)
        self.steps.append(entry)
        log = getattr(self.target, "log", None)
        if isinstance(log, list):
            log.append(entry.model_copy(update={"index": len(log)}))

    def _log(self, req: StepRequest, t0: float, ok: bool, error: str | None, url: str) -> None:
        params = req.model_dump(exclude_defaults=True, exclude_none=True)
        if self.secret and "value" in params:
            params["value"] = "••••••"  # never keep what went into a password field
            req = req.model_copy(update={"value": "••••••"})
        self.steps.append(
            LogEntry(
                index=len(self.steps),
                type=req.type,
                params=params,
                duration_ms=(time.perf_counter() - t0) * 1000,
                success=ok,
                error=error,
                message=req.describe(),
                url=url,
            )
        )

    async def finish(
        self,
        status: StepStatus,
        message: str,
        *,
        candidates: list[str] | None = None,
        success: bool = True,
        data: Any = None,
    ) -> StepResult:
        obs = self.obs
        if obs is None or obs.screenshot is None:  # a step's own observation has its screenshot
            try:
                obs = await self.target.observe(screenshot=True)
            except StepdeckError:
                pass
        return StepResult(
            status=status,
            success=success,
            message=message,
            request=self.request,
            observation=obs,
            started_at=self.started_at,
            duration_ms=(time.perf_counter() - self.started) * 1000,
            candidates=candidates or [],
            steps=self.steps,
            data=data,
        )

    def summary(self, tail: str = "") -> str:
        parts = "; ".join(self.done)
        head = parts[:1].upper() + parts[1:] + "." if parts else ""
        return " ".join(p for p in (head, tail) if p)


def choice_text(a: Action) -> str:
    return f"{a.id} {label_of(a)}".strip()


async def ask(run: Run, pending: Pending, question: str) -> StepResult:
    pending.url = (await run.observe()).metadata.url
    run.mem.pending = pending
    if pending.kind in ("confirm", "model-confirm"):
        choices = ["yes", "no"]
    else:
        choices = [choice_text(a) for a in pending.candidates]
    tail = f"{question}." if not question.endswith(("?", ".")) else question
    return await run.finish(StepStatus.ASK_USER, run.summary(tail), candidates=choices)
