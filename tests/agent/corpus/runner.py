"""Run instruction/page cases against one LocalProvider session and check the page state.

Shared by tests/agent/test_corpus.py and scripts/bench_agent.py. One session serves the
whole corpus: each case opens its page afresh (a new document), clears the agent's memory,
sends the instruction as one command and reads the page's `snapshot()` (state.js).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from tui.model import StepRequest


@dataclass
class Case:
    """An instruction on a page, and the state (a subset of `snapshot()`) it must leave."""

    page: str
    cmd: str
    expect: dict[str, Any]
    status: str = "DONE"


@dataclass
class Outcome:
    case: Case
    ok: bool
    status: str
    message: str
    state: dict[str, Any]
    irreversible_mistake: bool
    duration_ms: float
    steps_ms: float  # time spent in the steps the command ran (the rest is the interpreter's)
    problems: list[str] = field(default_factory=list)

    @property
    def overhead_ms(self) -> float:
        return max(0.0, self.duration_ms - self.steps_ms)


async def run_case(provider: Any, session_id: str, base: str, case: Case, n: int) -> Outcome:
    sess = provider.session_target(session_id)
    sess.agent_memory = None  # a question left by the case before does not carry over
    # A fresh document for each case; straight through Playwright, as the case's own setup
    # needs no observation or screenshot (the command observes for itself).
    await sess.page.goto(f"{base}/corpus/{case.page}?case={n}", wait_until="load")
    t0 = time.perf_counter()
    result = await provider.step(session_id, StepRequest(type="command", cmd=case.cmd))
    duration = (time.perf_counter() - t0) * 1000
    steps = sum(s.duration_ms or 0 for s in result.steps)
    state = await sess.page.evaluate("() => window.snapshot ? window.snapshot() : {}")
    problems = []
    if result.status.value != case.status:
        problems.append(f"status {result.status.value} (wanted {case.status}): {result.message}")
    for key, want in case.expect.items():
        if state.get(key) != want:
            problems.append(f"{key}={state.get(key)!r} (wanted {want!r})")
    mistake = "irreversible" in state and case.expect.get("irreversible") != state["irreversible"]
    if mistake:
        problems.append(f"IRREVERSIBLE {state['irreversible']!r} done unasked")
    return Outcome(
        case,
        not problems,
        result.status.value,
        result.message,
        state,
        mistake,
        duration,
        steps,
        problems,
    )


async def run_cases(
    provider: Any, sessions: str | list[str], base: str, cases: list[Case]
) -> list[Outcome]:
    """Every case, in order; with several sessions, interleaved over them (the browser works
    on one page while Python interprets the next command)."""
    ids = [sessions] if isinstance(sessions, str) else sessions
    results: list[Outcome | None] = [None] * len(cases)

    async def lane(k: int) -> None:
        for n in range(k, len(cases), len(ids)):
            results[n] = await run_case(provider, ids[k], base, cases[n], n)

    await asyncio.gather(*(lane(k) for k in range(len(ids))))
    return [r for r in results if r is not None]


def report(name: str, outcomes: list[Outcome]) -> str:
    """The failures, one per line, for an assertion message."""
    bad = [o for o in outcomes if not o.ok]
    lines = [f"{name}: {len(outcomes) - len(bad)}/{len(outcomes)} passed"]
    lines += [f"  {o.case.page}: {o.case.cmd!r} -> {'; '.join(o.problems)}" for o in bad]
    return "\n".join(lines)
