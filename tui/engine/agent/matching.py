"""Target matching: which element of the action space a clause means."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from tui.engine.agent.parsing import Clause
from tui.engine.agent.vocabulary import (
    DESTRUCTIVE,
    EXPLICIT,
    SOFT_WORDS,
    STOPWORDS,
    SYNONYMS,
)
from tui.model import Action, Observation

# ---------------------------------------------------------------- matching


def tokens(text: str) -> list[str]:
    text = text.lower()
    text = re.sub(r"\(\s*\d+\s*\)", " ", text)  # counters: "Cart (2)"
    text = re.sub(r"[$€£]\s?\d[\d,]*(?:\.\d+)?", " ", text)  # prices: "Pay now $414.98"
    return [w for w in re.findall(r"[\w']+", text) if w not in STOPWORDS]


def _same(a: str, b: str) -> bool:
    if a == b:
        return True
    if min(len(a), len(b)) >= 4 and (a.startswith(b) or b.startswith(a)):
        return True
    return min(len(a), len(b)) >= 5 and fuzz.ratio(a, b) >= 85


def coverage(target: list[str], desc: list[str]) -> tuple[float, float]:
    """How much of the target the description covers, and how much of the description is the target."""
    if not target or not desc:
        return 0.0, 0.0
    t = sum(1 for w in target if any(_same(w, d) for d in desc)) / len(target)
    d = sum(1 for w in desc if any(_same(w, t2) for t2 in target)) / len(desc)
    return t, d


def _variants(text: str) -> list[list[str]]:
    """The target's tokens, plus the same with each known synonym swapped in."""
    low = " " + " ".join(re.findall(r"[\w']+", text.lower())) + " "
    out = [tokens(text)]
    for group in SYNONYMS:
        for phrase in group:
            if f" {phrase} " in low:
                for other in group:
                    if other != phrase:
                        out.append(tokens(low.replace(f" {phrase} ", f" {other} ")))
    return [v for v in out if v]


def label_of(a: Action) -> str:
    text = a.description or (a.value or "") or (a.href or "")
    return " ".join(text.split())[:80]


def _href_tokens(a: Action) -> list[str]:
    if not a.href:
        return []
    path = re.sub(r"^[a-z]+://[^/]+", "", a.href.lower())
    return [w for w in re.findall(r"[a-z]+", path) if w not in STOPWORDS]


@dataclass
class Scored:
    action: Action
    score: float
    full: bool  # every target word found
    exact: bool  # and nothing else in the description


def score_actions(actions: list[Action], target: str) -> list[Scored]:
    variants = _variants(target)
    out = []
    for a in actions:
        desc = tokens(label_of(a))
        best = Scored(a, 0.0, False, False)
        for v in variants:
            t, d = coverage(v, desc)
            s = 100 * (0.7 * t + 0.3 * d)
            if s > best.score:
                best = Scored(a, s, t == 1.0, t == 1.0 and d == 1.0)
            href = _href_tokens(a)
            if href:
                ht, hd = coverage(v, href)
                hs = 80 * (0.7 * ht + 0.3 * hd)
                if hs > best.score:
                    best = Scored(a, hs, False, False)
        out.append(best)
    return out


def kind_of(a: Action) -> str:
    role = (a.role or "").lower()
    if role in ("checkbox", "radio", "switch"):
        return "checkbox"
    prefix = a.id[:1]
    return {"L": "link", "B": "button", "I": "input", "F": "figure", "O": "option"}.get(
        prefix, "misc"
    )


def is_select(a: Action) -> bool:
    role = (a.role or "").lower()
    return (a.tag or "").lower() == "select" or (
        role in ("combobox", "listbox") and bool(a.params and a.params[0].values)
    )


def is_password(a: Action) -> bool:
    return any(p.type == "password" for p in a.params) or "password" in label_of(a).lower()


def is_text_input(a: Action) -> bool:
    return kind_of(a) == "input" and not is_select(a)


def distinct(items: list[Action]) -> list[Action]:
    """One per destination: a product's image and title link are the same choice.

    Controls without a destination stay apart: two "Follow" buttons are two choices.
    """
    seen: set[str] = set()
    out = []
    for a in items:
        key = f"href:{a.href}" if a.href else f"id:{a.id}"
        if key not in seen:
            seen.add(key)
            out.append(a)
    return out


CHROME = ("Header", "Navigation", "Footer", "Sidebar")


def _content_links(obs: Observation, query: str | None) -> list[Action]:
    """Links that are the page's content (results, products), not its header."""
    links = [a for a in obs.actions if a.id[:1] == "L" and (a.href or a.description)]
    links = links or [a for a in obs.actions if a.id[:1] == "F"]
    # The walk names the page's chrome (header, nav, footer): results are elsewhere.
    body = [a for a in links if not (a.category or "").startswith(CHROME)]
    links = body or links
    if query:
        q = tokens(query)
        hits = [a for a in links if coverage(q, tokens(label_of(a)))[0] >= 0.99]
        if hits:
            return distinct(hits)
    # Links whose text appears below the page's first heading in the markdown.
    md = obs.markdown or ""
    heading = re.search(r"^#{1,3} .+$", md, re.M)
    if heading:
        below = md[heading.end() :]
        after = [a for a in links if a.description and a.description.strip() in below]
        if after:
            return distinct(after)
    return distinct(links)


@dataclass
class Pick:
    action: Action | None = None
    candidates: list[Action] = field(default_factory=list)
    question: str = ""


TEXT_FIELDS = {
    "text input", "email input", "search box", "password input", "number input", "text area",
    "date input", "time input",
}  # fmt: skip


def matches_kind(a: Action, kind: str) -> bool:
    """Whether `a` is what a generic reference ("the text field", "the dropdown") means."""
    role = (a.role or "").lower()
    field = a.field or ""
    if kind == "text":
        if field:
            return field in TEXT_FIELDS
        return role in ("textbox", "searchbox") and not is_select(a)
    if kind == "select":
        return field in ("dropdown", "list") or is_select(a) or role in ("combobox", "listbox")
    if kind == "list":
        return field == "list" or role == "listbox"
    if kind == "checkbox":
        return role in ("checkbox", "switch", "menuitemcheckbox")
    if kind == "radio":
        return role in ("radio", "menuitemradio")
    if kind == "tab":
        return role == "tab"
    if kind == "slider":
        return role == "slider" or field == "slider"
    if kind == "button":
        return (a.id[:1] == "B" and role not in ("checkbox", "radio", "switch", "tab")) or (
            a.id[:1] == "M" and len(label_of(a)) <= 40
        )
    if kind == "link":
        return a.id[:1] == "L"
    return False


def has_option(a: Action, value: str) -> bool:
    values = a.params[0].values if a.params else []
    want = value.strip().casefold()
    return any(v.strip().casefold() == want for v in values)


def _by_kind(obs: Observation, clause: Clause) -> Pick | None:
    """A generic reference resolved by kind and order; None when the kind finds nothing."""
    assert clause.kind is not None
    kind = clause.kind
    pool = [a for a in obs.actions if matches_kind(a, kind)]
    if not pool and kind == "list":  # "the list" of a page whose only list is a dropdown
        pool = [a for a in obs.actions if matches_kind(a, "select")]
    if not pool and kind == "text":  # "the box" may be any field
        pool = [a for a in obs.actions if kind_of(a) == "input"]
    if kind == "text" and clause.ordinal is not None:
        # "the 2nd textbox" counts the boxes that look alike, not dates, times or text areas
        plain = [
            a
            for a in pool
            if a.field in ("text input", "email input", "search box", "password input")
        ]
        pool = plain or pool
    if clause.value and kind in ("select", "list") and len(pool) > 1:
        offering = [a for a in pool if has_option(a, clause.value)]
        pool = offering or pool
    if clause.target:
        scored = score_actions(pool, clause.target)
        full = [s.action for s in scored if s.full]
        if not full:
            soft = _soften(clause.target)
            if soft:
                full = [s.action for s in score_actions(pool, soft) if s.full]
        pool = full
    if not pool:
        return None
    n = clause.ordinal
    if n is not None:
        if n == -1 or 1 <= n <= len(pool):
            return Pick(pool[n - 1] if n > 0 else pool[-1])
        return Pick(candidates=pool[:8], question=f"There are only {len(pool)} of those here")
    if clause.anchor and len(pool) > 1:
        if hit := in_scope(obs, pool, clause.anchor, before=clause.before):
            return Pick(hit)
    if len(pool) == 1:
        return Pick(pool[0])
    what = clause.named or clause.target or "one"
    return Pick(candidates=pool[:8], question=f"Which {what!r} do you mean?")


def _soften(target: str) -> str:
    """The target without words that describe rather than name ("the email from Bob" -> "Bob")."""
    words = [w for w in target.split() if w.lower().strip(",.") not in SOFT_WORDS]
    out = " ".join(words)
    return out if out != target and tokens(out) else ""


def in_scope(
    obs: Observation, actions: list[Action], scope: str, *, before: bool = False
) -> Action | None:
    """Of look-alike actions, the one that follows `scope` ("@sam") in the page text
    (with `before`, the last one that precedes it)."""
    md = obs.markdown or ""
    pos = md.lower().find(scope.lower().strip())
    if pos < 0 or not actions:
        return None
    ids = {a.id for a in actions}
    inline = re.compile(r"\[([LBIFOM]\d+)\b")  # ids inline in the page text
    if before:
        found = [m.group(1) for m in inline.finditer(md[:pos]) if m.group(1) in ids]
        return next(a for a in actions if a.id == found[-1]) if found else None
    for m in inline.finditer(md[pos:]):
        if m.group(1) in ids:
            return next(a for a in actions if a.id == m.group(1))
    label = (actions[0].description or "").strip()
    if not label or any((a.description or "").strip() != label for a in actions):
        return None
    k = md[:pos].count(label)  # the same label shown k times before the scope text
    return actions[k] if k < len(actions) else None


def pick_target(
    obs: Observation, clause: Clause, *, pool: list[Action], query: str | None, scope: str = ""
) -> Pick:
    """The one element a clause means, or the candidates to ask about."""
    before = clause.before
    scope = clause.anchor or scope
    if clause.kind:
        pick = _by_kind(obs, clause)
        if pick is not None:
            return pick
        if clause.named:  # the kind found nothing: the words as written may be a name
            clause = Clause(
                clause.verb,
                clause.raw,
                target=clause.named,
                prefer=clause.prefer,
                value=clause.value,
            )
    what = clause.target or clause.noun or "that"
    if clause.ordinal is not None:
        if clause.noun in (None, "content"):
            base = _content_links(obs, query if not clause.target else None)
        else:
            base = [a for a in obs.actions if kind_of(a) == clause.noun]
        if clause.target:
            scored = [s for s in score_actions(base, clause.target) if s.full]
            base = [s.action for s in scored]
        base = distinct(base)
        n = clause.ordinal
        if base and (n == -1 or 1 <= n <= len(base)):
            return Pick(base[n - 1] if n > 0 else base[-1])
        return Pick(
            candidates=base[:8],
            question=f"There is no {clause.raw.split(' ', 1)[-1]!s} here ({len(base)} found)",
        )
    if not clause.target:
        return Pick(candidates=pool[:8], question=f"What should I {clause.verb}?")
    if m := re.fullmatch(r"[LBIFOM]\d+", clause.target.strip(), re.I):
        a = obs.action(m.group().upper())
        if a:
            return Pick(a)
    scored = [s for s in score_actions(pool, clause.target) if s.score > 0]
    if not any(s.full for s in scored) and (soft := _soften(clause.target)):
        scored = [s for s in score_actions(pool, soft) if s.score > 0] or scored
    if not scored:
        return Pick(candidates=[], question=f"I cannot find {what!r} on this page")
    group = [s for s in scored if s.exact] or [s for s in scored if s.full]
    if (
        group
        and scope
        and len(group) > 1
        and (hit := in_scope(obs, [s.action for s in group], scope, before=before))
    ):
        return Pick(hit)
    if group:
        actions = distinct([s.action for s in group])
        if len(actions) > 1 and clause.prefer:
            preferred = [a for a in actions if kind_of(a) == clause.prefer]
            actions = preferred or actions
        if len(actions) > 1 and clause.verb in ("fill", "select"):
            inputs = [a for a in actions if kind_of(a) == "input"]
            actions = inputs or actions
        if len(actions) == 1:
            return Pick(actions[0])
        return Pick(candidates=actions[:8], question=f"Which {what!r} do you mean?")
    scored.sort(key=lambda s: -s.score)
    best = scored[0]
    rivals = [s for s in scored[1:] if s.action.href != best.action.href or not s.action.href]
    if best.score >= 75 and (not rivals or best.score - rivals[0].score >= 10):
        return Pick(best.action)
    near = [s.action for s in scored if s.score >= 40][:8]
    return Pick(
        candidates=distinct(near),
        question=f"I cannot find {what!r} on this page"
        if not near
        else f"Which {what!r} do you mean?",
    )


def destructive_kind(a: Action) -> str | None:
    """'pay', 'publish', 'delete' or 'send' when clicking `a` looks irreversible."""
    if kind_of(a) in ("input", "checkbox", "option"):
        return None
    text = label_of(a).lower()
    for kind, pattern in DESTRUCTIVE.items():
        if re.search(pattern, text):
            return kind
    return None


def says_so(command_text: str, kind: str) -> bool:
    """Does the person's own command ask for this kind of destructive step?"""
    return bool(re.search(EXPLICIT[kind], command_text.lower()))
