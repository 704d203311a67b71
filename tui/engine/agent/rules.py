"""The rule runner: clauses carried out one by one through the session's own steps."""

from __future__ import annotations

import re

from rapidfuzz import fuzz

from tui.engine.agent.matching import (
    Pick,
    coverage,
    destructive_kind,
    is_password,
    is_select,
    is_text_input,
    kind_of,
    label_of,
    pick_target,
    says_so,
    score_actions,
    tokens,
)
from tui.engine.agent.parsing import Clause
from tui.engine.agent.runner import Pending, Run, ask
from tui.engine.agent.vocabulary import SUBMIT_WORDS
from tui.errors import StepdeckError
from tui.model import Action, Observation, StepRequest, StepResult, StepStatus


def _pool(obs: Observation, clause: Clause) -> list[Action]:
    if clause.verb in ("fill", "focus", "copy", "paste"):
        return [a for a in obs.actions if kind_of(a) == "input"]
    if clause.verb == "select":
        return [a for a in obs.actions if kind_of(a) in ("input", "checkbox", "option")]
    if clause.verb in ("check", "uncheck"):
        boxes = [a for a in obs.actions if kind_of(a) == "checkbox"]
        return boxes or [a for a in obs.actions if kind_of(a) == "button"]
    # An image is rarely what "open X" means (a product photo repeats its name): leave
    # figures out unless the command asks for a picture.
    pictures = re.search(r"\b(image|picture|photo|logo|icon|figure)\b", clause.target, re.I)
    return [
        a for a in obs.actions if not is_text_input(a) and (pictures or kind_of(a) != "figure")
    ] or list(obs.actions)


def _option(a: Action, wanted: str) -> str | None:
    values = a.params[0].values if a.params else []
    for v in values:
        if v.strip().lower() == wanted.strip().lower():
            return v
    best = max(values, key=lambda v: fuzz.WRatio(wanted, v), default=None)
    return best if best is not None and fuzz.WRatio(wanted, best) >= 80 else None


async def run_clauses(
    run: Run, clauses: list[Clause], command: str, *, chosen: Action | None = None,
    confirmed: bool = False,
) -> StepResult:  # fmt: skip
    """Carry out clauses in order; stop at the first that needs the person."""
    for i, clause in enumerate(clauses):
        obs = await run.observe()
        rest = clauses[i:]
        try:
            if clause.verb == "goto":
                await run.do(StepRequest(type="goto", url=clause.url), f"opened {clause.url}")
            elif clause.verb in ("back", "forward", "reload"):
                await run.do(StepRequest(type=clause.verb), f"went {clause.verb}")
            elif clause.verb == "scroll":
                await run.do(StepRequest(type=f"scroll_{clause.value}"), f"scrolled {clause.value}")
            elif clause.verb == "press":
                # Enter submits the form in focus: on a page that pays or publishes, ask first.
                risky = next((a for a in obs.actions if destructive_kind(a)), None)
                kind = destructive_kind(risky) if risky and clause.key == "Enter" else None
                if (
                    kind
                    and not confirmed
                    and not run.request.confirm
                    and not says_so(command, kind)
                ):
                    return await ask(
                        run,
                        Pending("confirm", command, rest),
                        f"Enter may submit {label_of(risky)!r}, which looks like it will {kind}: "
                        "shall I go ahead?",
                    )
                confirmed = False
                await run.do(StepRequest(type="press_key", key=clause.key), f"pressed {clause.key}")
            elif clause.verb == "wait":
                await run.do(
                    StepRequest(type="wait", value=clause.value), f"waited {clause.value} ms"
                )
            elif clause.verb == "stop":
                return await _stop(run, clause)
            elif clause.verb == "search":
                box = _search_box(obs)
                if box is None:
                    return await run.finish(
                        StepStatus.CONTINUE,
                        run.summary(
                            f"Stopped: there is no search box on {obs.metadata.title or 'this page'!r}."
                        ),
                    )
                run.mem.last_query = clause.value
                await run.do(
                    StepRequest(type="fill", id=box.id, value=clause.value, enter=True),
                    f"searched for {clause.value!r}",
                )
            elif clause.verb == "login":
                await _login(run, clause)
            elif clause.verb == "noop":
                continue
            elif clause.verb == "scope":
                run.scope = clause.target
            elif clause.verb == "solve":
                answer = solve(obs.markdown or "")
                if answer is None:
                    return await run.finish(
                        StepStatus.ASK_USER,
                        run.summary("I see no arithmetic to solve here: what is the answer?"),
                    )
                pick = _answer_field(obs)
                if pick.action is None:
                    return await ask(
                        run,
                        Pending("choose", command, rest, candidates=pick.candidates),
                        pick.question,
                    )
                await run.do(
                    StepRequest(type="fill", id=pick.action.id, value=answer),
                    f"typed the answer {answer!r} into {label_of(pick.action)!r}",
                )
            elif (
                clause.verb == "copy" and (text := _copied_text(obs, clause, run.scope)) is not None
            ):
                run.mem.clipboard = text
                run.done.append(f"copied {text!r}")
            elif clause.verb == "paste" and run.mem.clipboard is None:
                return await run.finish(
                    StepStatus.ASK_USER,
                    run.summary("There is nothing copied yet: what should I paste?"),
                )
            else:
                element = chosen
                chosen = None
                if element is None:
                    if clause.verb == "close":
                        pick = _close_control(obs)
                    elif clause.verb == "copy":
                        pick = Pick(
                            question=f"I cannot find {clause.named or clause.target!r} to copy"
                        )
                    elif (
                        clause.verb == "fill"
                        and not clause.target
                        and clause.kind is None
                        and clause.ordinal is None
                    ):
                        inputs = [a for a in obs.actions if is_text_input(a)]
                        pick = (
                            Pick(inputs[0])
                            if len(inputs) == 1
                            else Pick(
                                candidates=inputs[:8], question="Which field should I type into?"
                            )
                        )
                    elif clause.verb == "fill" and clause.target.lower() in (
                        "post", "tweet", "message", "comment", "reply", "note", "review"
                    ):  # fmt: skip
                        pick = _textarea(obs, clause)
                    elif clause.verb == "submit":
                        pick = _submit_button(obs, clause)
                    elif clause.verb == "choose":
                        pick = _choose(obs, clause, run.mem.last_query)
                    else:
                        pick = pick_target(
                            obs,
                            clause,
                            pool=_pool(obs, clause),
                            query=run.mem.last_query,
                            scope=run.scope,
                        )
                    if pick.action is None and clause.skip_if_here and _is_here(obs, clause.target):
                        continue
                    if pick.action is None:
                        return await ask(
                            run,
                            Pending("choose", command, rest, candidates=pick.candidates),
                            pick.question,
                        )
                    element = pick.action
                kind = (
                    destructive_kind(element)
                    if clause.verb in ("click", "submit", "choose", "close")
                    else None
                )
                if (
                    kind
                    and not confirmed
                    and not run.request.confirm
                    and not says_so(command, kind)
                ):
                    return await ask(
                        run,
                        Pending("confirm", command, rest, action=element),
                        f"{label_of(element)!r} looks like it will {kind}: shall I go ahead?",
                    )
                confirmed = False
                await _act(run, clause, element)
        except StepdeckError as e:
            return await run.finish(
                StepStatus.ERROR,
                run.summary(f"Stopped at {clause.raw!r}: {e}"),
                success=False,
            )
    return await run.finish(StepStatus.DONE, run.summary() or "Nothing to do.")


async def _act(run: Run, clause: Clause, a: Action) -> None:
    label = label_of(a)
    if clause.verb == "paste":
        clause = Clause("fill", clause.raw, target=clause.target, value=run.mem.clipboard or "")
    if clause.verb == "fill" and (is_select(a) or _is_custom_dropdown(a)):
        clause = Clause("select", clause.raw, target=clause.target, value=clause.value)
    if clause.verb == "select" and _is_custom_dropdown(a):
        await _pick_from_popup(run, a, clause.value or "")
    elif clause.verb == "fill":
        shown = "a password" if is_password(a) else repr(clause.value)
        await run.do(
            StepRequest(type="fill", id=a.id, value=clause.value or "", enter=clause.enter),
            f"typed {shown} into {label!r}",
        )
    elif clause.verb == "select" and is_select(a):
        option = _option(a, clause.value or "")
        if option is None:
            raise StepdeckError(
                f"{label!r} has no option {clause.value!r}",
                "options: " + ", ".join(a.params[0].values[:12]) if a.params else None,
            )
        await run.do(
            StepRequest(type="select", id=a.id, value=option), f"chose {option!r} in {label!r}"
        )
    elif clause.verb in ("check", "uncheck", "choose") and kind_of(a) == "checkbox":
        verb = "uncheck" if clause.verb == "uncheck" else "check"
        await run.do(StepRequest(type=verb, id=a.id), f"{verb}ed {label!r}")
    else:
        await run.do(StepRequest(type="click", id=a.id), f"clicked {label!r}")


def _is_custom_dropdown(a: Action) -> bool:
    """An ARIA combobox or listbox that is not a <select>: opened by a click, options follow."""
    return (
        (a.role or "").lower() in ("combobox", "listbox")
        and not is_select(a)
        and ((a.tag or "").lower() not in ("input", "textarea"))
    )


async def _pick_from_popup(run: Run, box: Action, value: str) -> None:
    """Open a custom dropdown and click the option named `value`."""
    await run.do(StepRequest(type="click", id=box.id), f"opened {label_of(box)!r}")
    obs = await run.observe()
    options = [
        a
        for a in obs.actions
        if (a.role or "").lower() in ("option", "menuitem", "menuitemradio", "treeitem")
        or a.id[:1] in ("O", "M")
    ]
    scored = sorted((s for s in score_actions(options, value) if s.full), key=lambda s: -s.score)
    if not scored:
        raise StepdeckError(
            f"{label_of(box)!r} shows no option {value!r}",
            "options: " + ", ".join(label_of(a) for a in options[:12]) if options else None,
        )
    option = scored[0].action
    await run.do(
        StepRequest(type="click", id=option.id), f"chose {label_of(option)!r} in {label_of(box)!r}"
    )


_CLOSE = re.compile(
    r"(?:close|dismiss|x|×|✕|✖|╳|no,? thanks|got it|not now)(?: dialog| window| popup)?", re.I
)


def _close_control(obs: Observation) -> Pick:
    """'close the dialog': the control that closes it (an "x", "Close", "Dismiss")."""
    hits = [
        a
        for a in obs.actions
        if kind_of(a) in ("button", "link", "misc") and _CLOSE.fullmatch(label_of(a).strip())
    ]
    if len(hits) > 1:
        boxed = [a for a in hits if (a.category or "").startswith("Dialog")]
        hits = boxed or hits
    if len(hits) == 1:
        return Pick(hits[0])
    return Pick(
        candidates=hits[:8],
        question="Which one closes it?" if hits else "I see nothing to close here",
    )


_EXPR = r"(-?\d+(?:\.\d+)?)((?:\s*[-+*/x×÷]\s*-?\d+(?:\.\d+)?)+)"


def solve(text: str) -> str | None:
    """The answer to the arithmetic a page asks ("what is 17 + 25?" -> "42"), or None."""
    m = re.search(
        r"(?:what is|what's|solve|calculate|compute|equals?|=)\s*:?\s*" + _EXPR, text, re.I
    )
    m = m or re.search(
        r"(?<![\w-])" + _EXPR.replace("\\s*[-+*/x×÷]\\s*", "\\s+[-+*/x×÷]\\s+"), text
    )
    if not m:
        return None
    expr = (m.group(1) + m.group(2)).replace("×", "*").replace("x", "*").replace("÷", "/")
    nums = [float(n) for n in re.findall(r"(?<![\d.])-?\d+(?:\.\d+)?|(?<=[-+*/]\s)-?\d+", expr)]
    ops = re.findall(r"(?<=[\d\s])[-+*/](?=\s*-?\d)", expr)
    if len(ops) != len(nums) - 1:
        nums = [float(n) for n in re.findall(r"\d+(?:\.\d+)?", expr)]
        ops = re.findall(r"[-+*/]", expr.lstrip("-"))[: len(nums) - 1]
        if len(ops) != len(nums) - 1:
            return None
    # * and / before + and -
    vals, pend = [nums[0]], []
    for op, n in zip(ops, nums[1:], strict=True):
        if op == "*":
            vals[-1] *= n
        elif op == "/":
            if n == 0:
                return None
            vals[-1] /= n
        else:
            pend.append(op)
            vals.append(n)
    total = vals[0]
    for op, n in zip(pend, vals[1:], strict=True):
        total = total + n if op == "+" else total - n
    return str(int(total)) if float(total).is_integer() else f"{total:.4g}"


def _answer_field(obs: Observation) -> Pick:
    inputs = [a for a in obs.actions if is_text_input(a)]
    if len(inputs) == 1:
        return Pick(inputs[0])
    named = [a for a in inputs if re.search(r"answer|result|solution|total|sum", label_of(a), re.I)]
    if len(named) == 1:
        return Pick(named[0])
    return Pick(candidates=inputs[:8], question="Which field takes the answer?")


def _copied_text(obs: Observation, clause: Clause, scope: str) -> str | None:
    """What "copy X" copies: a field's value, or the text after "X:" on the page."""
    if clause.kind or clause.ordinal is not None or clause.target:
        pick = pick_target(obs, clause, pool=_pool(obs, clause), query=None, scope=scope)
        if pick.action is not None and pick.action.value:
            return pick.action.value
    name = re.escape(clause.named or clause.target)
    if name and (
        m := re.search(rf"\b{name}\b\s*[:=]?\s*\**`?([^\s`*]+)", obs.markdown or "", re.I)
    ):
        return m.group(1)
    return None


def _choose(obs: Observation, clause: Clause, query: str | None) -> Pick:
    """'choose express shipping': a radio, checkbox or option first, then anything clickable."""
    if clause.ordinal is None and clause.target:
        boxes = [a for a in obs.actions if kind_of(a) in ("checkbox", "option")]
        scored = sorted(
            (s for s in score_actions(boxes, clause.target) if s.score > 0), key=lambda s: -s.score
        )
        # A radio's label rarely repeats its group's legend ("Express" under "Shipping"):
        # one partial match among the choices is enough.
        if scored and (
            scored[0].full or len(scored) == 1 or scored[0].score - scored[1].score >= 10
        ):
            return Pick(scored[0].action)
    click = Clause(
        "click", clause.raw, target=clause.target, ordinal=clause.ordinal, noun=clause.noun
    )
    return pick_target(obs, click, pool=_pool(obs, click), query=query)


def _search_box(obs: Observation) -> Action | None:
    # A post box or a password field is no search box, even when it is the only input.
    inputs = [
        a
        for a in obs.actions
        if is_text_input(a) and (a.tag or "").lower() != "textarea" and not is_password(a)
    ]
    for a in inputs:
        if (a.role or "").lower() == "searchbox" or "search" in label_of(a).lower():
            return a
    return inputs[0] if len(inputs) == 1 else None


def _textarea(obs: Observation, clause: Clause) -> Pick:
    inputs = [a for a in obs.actions if is_text_input(a)]
    areas = [a for a in inputs if (a.tag or "").lower() == "textarea"]
    if len(areas) == 1:
        return Pick(areas[0])
    pool = areas or inputs
    scored = [s for s in score_actions(pool, clause.target) if s.score >= 60]
    if len(scored) == 1:
        return Pick(scored[0].action)
    if areas and len(pool) > 1:
        return Pick(candidates=pool[:8], question=f"Where should I write the {clause.target}?")
    # A search box is no place for a post.
    return Pick(question=f"There is no place to write a {clause.target} on this page")


def _submit_button(obs: Observation, clause: Clause) -> Pick:
    buttons = [a for a in obs.actions if kind_of(a) == "button"]
    submits = [a for a in buttons if re.search(SUBMIT_WORDS, label_of(a).lower())]
    if clause.target:
        scored = [s for s in score_actions(submits or buttons, clause.target) if s.score >= 60]
        if len(scored) == 1:
            return Pick(scored[0].action)
    # Leave out the site-wide search button when the page has another form to submit.
    forms = [a for a in submits if not re.search(r"\bsearch\b", label_of(a).lower())] or submits
    if len(forms) == 1:
        return Pick(forms[0])
    return Pick(candidates=(forms or buttons)[:8], question="Which button submits it?")


def _login_fields(obs: Observation) -> tuple[Action | None, Action | None]:
    inputs = [a for a in obs.actions if is_text_input(a)]
    password = next((a for a in inputs if "password" in label_of(a).lower()), None)
    user = next(
        (
            a
            for a in inputs
            if a is not password and re.search(r"user|e-?mail|login|name", label_of(a).lower())
        ),
        None,
    )
    return user, password


async def _login(run: Run, clause: Clause) -> None:
    obs = await run.observe()
    user, password = _login_fields(obs)
    if user is None or password is None:
        # No form here: follow the page's own "Sign in" link first.
        entry = next(
            (a for a in obs.actions if re.fullmatch(r"(sign|log) ?in", label_of(a).lower())), None
        )
        if entry is not None:
            await run.do(StepRequest(type="click", id=entry.id), f"clicked {label_of(entry)!r}")
            user, password = _login_fields(await run.observe())
    if user is None or password is None:
        raise StepdeckError("There is no sign-in form here", "open the sign-in page first")
    await run.do(StepRequest(type="fill", id=user.id, value=clause.value), "typed the username")
    if clause.key:
        await run.do(
            StepRequest(type="fill", id=password.id, value=clause.key, enter=clause.enter),
            "signed in" if clause.enter else "typed the password",
        )


def _is_here(obs: Observation, what: str) -> bool:
    """Is the page itself about `what` (its title or first heading)?"""
    heading = re.search(r"^#{1,3} (.+)$", obs.markdown or "", re.M)
    here = f"{obs.metadata.title} {heading.group(1) if heading else ''}"
    want = tokens(what)
    return bool(want) and coverage(want, tokens(here))[0] >= 0.99


async def _stop(run: Run, clause: Clause) -> StepResult:
    obs = await run.observe()
    if not clause.target:
        return await run.finish(StepStatus.DONE, run.summary("Stopped."))
    want = [w for w in tokens(clause.target) if w not in ("page", "screen", "step")]
    heading = re.search(r"^#{1,3} (.+)$", obs.markdown or "", re.M)
    here = f"{obs.metadata.title} {obs.metadata.url} {heading.group(1) if heading else ''}"
    where = obs.metadata.title or obs.metadata.url
    if want and coverage(want, tokens(here))[0] >= 0.99:
        return await run.finish(StepStatus.DONE, run.summary(f"Stopped at {where!r} as asked."))
    return await run.finish(
        StepStatus.CONTINUE,
        run.summary(f"Stopped at {where!r}: this is not the {clause.target} yet."),
    )
