"""Natural-language commands -> actions: rules by default, a model when configured.

Contract used by the local provider:

    async def run_command(target: CommandTarget, request: StepRequest) -> StepResult

`target` has `async observe(screenshot: bool = True) -> Observation` and
`async step(request: StepRequest) -> StepResult` (by id / browser action).
Every action a command runs goes through `target.step`, so it lands in the
session's log like any other step; the returned result lists them in `steps`
(plus one `llm` entry per model call) and carries the final observation.

Statuses: DONE (carried out), CONTINUE (a chain stopped early; the message says
why), ASK_USER (ambiguous or missing target, or a destructive step to confirm;
`candidates` lists the answers). The next command sent to the same target
answers the question and resumes the same command: a candidate as shown
("L5 AirPods Max"), its id, a number or ordinal ("2", "the second"), words from
it, or yes/no for a confirmation (`request.confirm=True` also confirms). A
question lapses when the page changed in between.

What the rules understand (clauses chained by "and", "then", commas, ";"):
    go to / open example.com      back, forward, reload, scroll (up|down|to the bottom)
    search for X                  click / press / tap / open / expand / go to <named thing>
    type X into F, fill F with X  select X from F, choose X (a radio or option)
    check / uncheck / turn on X   press enter|escape|tab…, wait 2 seconds
    focus (into) F                close the dialog, ... by clicking "x"
    draft a post saying X         submit it, log in as U with password P
    username U and password P     solve the math problem, copy A, paste it into B
    add X to the cart             stop at the payment page (checks where it is)
    generic kinds and order: the text field, the dropdown, the list, the 2nd checkbox,
      the first result, the last button (a unique match needs no question)
    positions: the field below Billing address; "for the user @sam, click Follow"
Quotes keep values whole: type "salt and pepper" into search.
A step that looks destructive (pay, place order, publish, delete, send, buy)
asks first unless the command says so ("... and place the order").

Modules: vocabulary (words), parsing (clauses), matching (targets), runner (one run; the
memory a session keeps between commands lives on the session), rules (the rule runner),
model_loop (a model choosing each action).

With a model configured (`llm` here, from the settings' `llm_url`; see `tui.engine.llm`), it
chooses each action instead, as JSON, for up to `request.max_steps` (or `llm.max_steps`).
"""

from __future__ import annotations

import re

from tui.engine import llm
from tui.engine.agent.matching import score_actions
from tui.engine.agent.model_loop import (
    Conversation,
    describe_page,
    model_continue,
    model_loop,
    model_resume,
)
from tui.engine.agent.parsing import Clause, parse_clause, parse_command, split_chain
from tui.engine.agent.rules import run_clauses
from tui.engine.agent.runner import AgentMemory, CommandTarget, Pending, Run, memory
from tui.engine.agent.vocabulary import NO, ORDINALS, YES
from tui.model import Action, StepRequest, StepResult, StepStatus

__all__ = [
    "AgentMemory",
    "Clause",
    "CommandTarget",
    "describe_page",
    "memory",
    "parse_clause",
    "parse_command",
    "run_command",
    "split_chain",
]


async def _resume(run: Run, pending: Pending, answer: str) -> StepResult | None:
    """Answer the pending question; None when the answer is a new command instead."""
    low = answer.strip().lower()
    if pending.kind == "model-ask":
        run.mem.pending = None
        convo: Conversation = pending.model
        page = describe_page(await run.observe())
        convo.messages.append(
            {"role": "user", "content": f"The person answered: {answer}\n\n{page}"}
        )
        return await model_continue(run, convo)
    if pending.kind in ("confirm", "model-confirm"):
        if run.request.confirm or re.fullmatch(YES, low):
            run.mem.pending = None
            if pending.kind == "model-confirm":
                return await model_resume(run, pending)
            return await run_clauses(
                run, pending.clauses, pending.command, chosen=pending.action, confirmed=True
            )
        if re.fullmatch(NO, low):
            run.mem.pending = None
            return await run.finish(StepStatus.CONTINUE, "Cancelled: nothing was done.")
        run.mem.pending = None
        return None
    # A choice: an id, a number, an ordinal, or words from one candidate.
    if re.fullmatch(NO, low):
        run.mem.pending = None
        return await run.finish(StepStatus.CONTINUE, "Cancelled.")
    cands = pending.candidates
    chosen: Action | None = None
    if m := re.match(r"\s*([LBIFOM]\d+)\b", answer, re.I):
        obs = await run.observe()
        chosen = obs.action(m.group(1).upper())
    elif m := re.fullmatch(r"(?:the )?(\d+|[a-z0-9]+)(?: one)?", low):
        word = m.group(1)
        n = int(word) if word.isdigit() else ORDINALS.get(word)
        if n is not None and cands and (n == -1 or 1 <= n <= len(cands)):
            chosen = cands[n - 1] if n > 0 else cands[-1]
    if chosen is None and cands:
        scored = sorted(score_actions(cands, answer), key=lambda s: -s.score)
        if (
            scored
            and scored[0].score >= 60
            and (len(scored) == 1 or scored[0].score - scored[1].score >= 5)
        ):
            chosen = scored[0].action
    run.mem.pending = None
    if chosen is None:
        return None
    return await run_clauses(run, pending.clauses, pending.command, chosen=chosen)


async def run_command(
    target: CommandTarget, request: StepRequest, llm_config: llm.LLMConfig | None = None
) -> StepResult:
    """Carry out a natural-language command on one session (see the module doc)."""
    run = Run(target, request)
    text = (request.cmd or "").strip()
    pending = run.mem.pending
    if pending is not None and (await run.observe()).metadata.url != pending.url:
        pending = run.mem.pending = None  # the person went elsewhere meanwhile
    if pending is not None:
        result = await _resume(run, pending, text)
        if result is not None:
            return result
    if not text:
        return await run.finish(StepStatus.ASK_USER, "What should I do? Type a command.")
    if llm_config is not None:
        return await model_loop(run, llm_config, text)
    clauses = parse_command(text)
    return await run_clauses(run, clauses, text)
