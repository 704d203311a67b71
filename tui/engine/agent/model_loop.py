"""The model loop: a configured model picks each action, as JSON, from the page it is shown."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx

from tui.engine import llm, registry
from tui.engine.agent.matching import destructive_kind, label_of, says_so
from tui.engine.agent.runner import Pending, Run, ask
from tui.engine.uploads import FILE_INPUT
from tui.errors import StepdeckError
from tui.model import LogEntry, Observation, StepRequest, StepResult, StepStatus

# ---------------------------------------------------------------- the model loop

MODEL_SYSTEM = (
    """You drive a web browser for a person, one action at a time.
Each turn you see the page as a person reads it (title, url, its text with each element's id
inline, like `[B2 Add to cart]`) and the list of its elements as `ID: description [kind] (state)`.
Elements that only respond to a script (rows, words, div buttons) have M ids; "(focused)" marks
the element with the keyboard focus.
Answer with ONE JSON object and nothing else, one of:
"""
    # The actions come from the one registry (engine/registry.py): what the engine runs.
    + "\n".join(registry.model_answers())
    + """
{"action": "ask_user", "message": "the question for the person"}
Use only ids from the current list. Answer "done" as soon as the task is carried out."""
)

MAX_BAD_ANSWERS = 3
MAX_MARKDOWN = 6000
DEFAULT_MAX_STEPS = 10


def describe_page(obs: Observation) -> str:
    lines = [f"Title: {obs.metadata.title}", f"URL: {obs.metadata.url}", "", "Elements:"]
    for a in obs.actions:
        extra = ""
        kind = a.field or (
            a.role if a.role not in ("", "generic", "textbox", "link", "button") else ""
        )
        if kind and kind.lower() != label_of(a).lower():
            extra += f" [{kind}]"
        if a.params and a.params[0].values:
            extra += " options: " + " | ".join(a.params[0].values[:20])
        if a.value:
            extra += f" (value: {a.value})"
        if a.checked is not None:
            extra += " (checked)" if a.checked else " (not checked)"
        if a.focused:
            extra += " (focused)"
        lines.append(f"{a.id}: {label_of(a)}{extra}")
    md = obs.markdown or ""
    if len(md) > MAX_MARKDOWN:
        md = md[:MAX_MARKDOWN] + "\n…(truncated)"
    lines += ["", "Page:", md]
    return "\n".join(lines)


@dataclass
class Conversation:
    config: llm.LLMConfig
    task: str
    messages: list[dict[str, str]]
    steps_taken: int = 0
    bad: int = 0
    proposed: StepRequest | None = None
    max_steps: int = DEFAULT_MAX_STEPS


def _to_request(answer: Any, obs: Observation) -> tuple[StepRequest | None, str | None, str]:
    """A model answer -> (request, terminal kind, message). Raises ValueError when unusable."""
    if not isinstance(answer, dict) or not isinstance(answer.get("action"), str):
        raise ValueError('answer with one JSON object that has an "action" field')
    kind = answer["action"].strip().lower()
    message = str(answer.get("message") or "")
    if kind in ("done", "ask_user"):
        return None, kind, message
    action = registry.spec(kind)
    if action is None or not action.model:
        raise ValueError(f"unknown action {kind!r}")
    if action.element:
        action_id = str(answer.get("id") or "").strip().upper()
        if obs.action(action_id) is None:
            known = ", ".join(a.id for a in obs.actions[:60])
            raise ValueError(f"there is no element {action_id or '(none)'!r}; the ids are: {known}")
        if action.needs and answer.get("value") is None:
            raise ValueError(f'"{kind}" needs a "value"')
        if obs.action(action_id).field == FILE_INPUT and answer.get("value") is not None:
            # A page could ask the model for any file on this machine (tui.engine.uploads).
            raise ValueError(f"{action_id} is a file input: only a person uploads files")
        return (
            StepRequest(
                type=kind,
                id=action_id,
                value=None if answer.get("value") is None else str(answer["value"]),
                enter=bool(answer.get("enter", False)),
            ),
            None,
            message,
        )
    fields: dict[str, Any] = {}
    for param in action.params:  # a browser action takes at most one argument
        given = answer.get(param.name)
        if given is None or given == "":
            given = param.default
        if given is None:
            if action.needs:
                raise ValueError(f'"{kind}" needs a "{param.name}"')
            continue
        if action.arg == "index":
            try:
                fields["index"] = int(given)
            except (TypeError, ValueError):
                raise ValueError(f'"{param.name}" of "{kind}" is a number') from None
        elif action.arg is not None:
            fields[action.arg] = str(given)
    return StepRequest(type=kind, **fields), None, message


async def model_loop(run: Run, config: llm.LLMConfig, task: str) -> StepResult:
    obs = await run.observe()
    limit = run.request.max_steps or config.max_steps
    convo = Conversation(
        config,
        task,
        [
            {"role": "system", "content": MODEL_SYSTEM},
            {"role": "user", "content": f"Task: {task}\n\n{describe_page(obs)}"},
        ],
        max_steps=limit,
    )
    return await model_continue(run, convo)


async def model_resume(run: Run, pending: Pending) -> StepResult:
    convo: Conversation = pending.model
    req = convo.proposed
    assert req is not None
    convo.proposed = None
    try:
        await run.do(req, f"{req.describe()} (confirmed)")
    except StepdeckError as e:
        return await run.finish(StepStatus.ERROR, run.summary(f"Stopped: {e}"), success=False)
    convo.steps_taken += 1
    convo.messages.append(
        {
            "role": "user",
            "content": f"The person confirmed; done.\n\n{describe_page(await run.observe())}",
        }
    )
    return await model_continue(run, convo)


async def model_continue(run: Run, convo: Conversation) -> StepResult:
    async with httpx.AsyncClient(timeout=convo.config.timeout) as client:
        while convo.steps_taken < convo.max_steps:
            obs = await run.observe()
            t0 = time.perf_counter()
            try:
                reply = await llm.chat(convo.config, convo.messages, client=client)
            except StepdeckError as e:
                run.record_llm(
                    LogEntry(
                        index=len(run.steps),
                        type="llm",
                        params={"model": convo.config.model},
                        duration_ms=(time.perf_counter() - t0) * 1000,
                        success=False,
                        error=e.message,
                    )
                )
                return await run.finish(
                    StepStatus.ERROR, run.summary(f"The model failed: {e}"), success=False
                )
            convo.messages.append({"role": "assistant", "content": reply.content})
            entry = LogEntry(
                index=len(run.steps),
                type="llm",
                params={"model": convo.config.model, "usage": reply.usage},
                duration_ms=reply.duration_ms,
                message=reply.content[:500],
            )
            try:
                req, terminal, message = _to_request(llm.parse_json_object(reply.content), obs)
                run.record_llm(entry)
            except ValueError as e:
                entry.success = False
                entry.error = str(e)
                run.record_llm(entry)
                convo.bad += 1
                if convo.bad >= MAX_BAD_ANSWERS:
                    return await run.finish(
                        StepStatus.ERROR,
                        run.summary(f"The model gave {convo.bad} unusable answers; last: {e}."),
                        success=False,
                    )
                convo.messages.append(
                    {
                        "role": "user",
                        "content": f"That answer was not usable: {e}. Answer with one JSON object.",
                    }
                )
                continue
            if terminal == "done":
                return await run.finish(StepStatus.DONE, run.summary(message or "Done."))
            if terminal == "ask_user":
                # The person's answer goes back into this conversation.
                return await ask(
                    run,
                    Pending("model-ask", convo.task, [], model=convo),
                    message or "The model needs you.",
                )
            assert req is not None
            element = obs.action(req.id) if req.id else None
            kind = destructive_kind(element) if element and req.type == "click" else None
            if req.enter or (req.type == "press_key" and (req.key or "").lower() == "enter"):
                # Enter submits the form in focus: a page that pays or publishes asks first.
                element = next((a for a in obs.actions if destructive_kind(a)), None)
                kind = destructive_kind(element) if element else None
            if kind and element and not run.request.confirm and not says_so(convo.task, kind):
                convo.proposed = req
                return await ask(
                    run,
                    Pending("model-confirm", convo.task, [], action=element, model=convo),
                    f"{label_of(element)!r} looks like it will {kind}: shall I go ahead?",
                )
            try:
                await run.do(req, req.describe())
                outcome = "done"
            except StepdeckError as e:
                outcome = f"failed: {e}"
            convo.steps_taken += 1
            convo.messages.append(
                {
                    "role": "user",
                    "content": f"{req.describe()}: {outcome}\n\n{describe_page(await run.observe())}",
                }
            )
    return await run.finish(
        StepStatus.CONTINUE,
        run.summary(
            f"Stopped after {convo.max_steps} step{'s' * (convo.max_steps != 1)} (max_steps)."
        ),
    )
