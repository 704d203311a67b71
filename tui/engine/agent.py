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
    search for X                  click / press / open / go to <named thing>
    type X into F, fill F with X  select X from F, choose X (a radio or option)
    check / uncheck / turn on X   press enter|escape|tab…, wait 2 seconds
    draft a post saying X         submit it, log in as U with password P
    add X to the cart             stop at the payment page (checks where it is)
    the first result, the second link, the last button  (positions)
Quotes keep values whole: type "salt and pepper" into search.
A step that looks destructive (pay, place order, publish, delete, send, buy)
asks first unless the command says so ("... and place the order").

With STEPDECK_LLM_URL set (see `tui.engine.llm`), a model chooses each action
instead, as JSON, for up to `request.max_steps` (or STEPDECK_LLM_MAX_STEPS, 10).
"""

from __future__ import annotations

import os
import re
import time
import weakref
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx
from rapidfuzz import fuzz

from tui.engine import llm
from tui.errors import StepdeckError
from tui.model import Action, LogEntry, Observation, StepRequest, StepResult, StepStatus


class CommandTarget(Protocol):
    async def observe(self, screenshot: bool = True) -> Observation: ...

    async def step(self, request: StepRequest) -> StepResult: ...


# ---------------------------------------------------------------- parsing

ORDINALS = {
    "first": 1,
    "1st": 1,
    "top": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
    "fifth": 5,
    "5th": 5,
    "sixth": 6,
    "6th": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "last": -1,
}
NOUNS = {
    "result": "content",
    "results": "content",
    "product": "content",
    "item": "content",
    "entry": "content",
    "hit": "content",
    "article": "content",
    "one": "content",
    "link": "link",
    "button": "button",
    "field": "input",
    "input": "input",
    "box": "input",
    "textbox": "input",
    "image": "figure",
    "picture": "figure",
    "checkbox": "checkbox",
    "option": "option",
}
KEYS = {
    "enter": "Enter",
    "return": "Enter",
    "escape": "Escape",
    "esc": "Escape",
    "tab": "Tab",
    "space": "Space",
    "backspace": "Backspace",
    "delete": "Delete",
    "up": "ArrowUp",
    "down": "ArrowDown",
    "left": "ArrowLeft",
    "right": "ArrowRight",
    "page down": "PageDown",
    "page up": "PageUp",
    "pagedown": "PageDown",
    "pageup": "PageUp",
    "home": "Home",
    "end": "End",
}
STOPWORDS = {
    "the", "a", "an", "to", "on", "in", "into", "of", "for", "my", "your", "this", "that",
    "it", "its", "button", "link", "field", "box", "page", "please", "tab", "with", "and",
}  # fmt: skip
# Phrases people use for the same control: matched as alternatives of each other.
SYNONYMS = [
    ["place order", "pay", "pay now", "buy now", "complete order", "submit order", "purchase"],
    ["publish", "post", "share", "tweet"],
    ["sign in", "log in", "login", "signin"],
    ["sign out", "log out", "logout"],
    ["cart", "basket", "bag", "shopping cart"],
    ["search", "find", "look up"],
]
# A step that spends money or speaks for the person: confirm unless the command says so.
DESTRUCTIVE = {
    "pay": r"\b(pay|place (the |my |your )?order|buy|purchase|checkout now|complete (the )?order|submit (the )?order|confirm (the )?order)\b",
    "publish": r"\b(publish|post|share|tweet)\b",
    "delete": r"\b(delete|erase|destroy)\b",
    "send": r"\b(send|transfer)\b",
}
URL_RE = re.compile(
    r"^(?:[a-z][a-z0-9+.-]*://\S+|localhost(?::\d+)?(?:/\S*)?|(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?(?:/\S*)?"
    r"|[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}(?::\d+)?(?:/\S*)?|/\S*)$",
    re.I,
)


@dataclass
class Clause:
    """One imperative part of a command: `verb` plus what it applies to."""

    verb: str  # goto click fill select check uncheck search press scroll back forward reload wait stop login
    raw: str
    target: str = ""
    value: str | None = None
    enter: bool = False
    url: str | None = None
    key: str | None = None
    ordinal: int | None = None
    noun: str | None = None
    prefer: str = ""  # "link" or "button": what the verb suggests on a tie
    skip_if_here: bool = False  # "open X" that is needless when the page already is X
    verbless: bool = False  # no verb recognised: taken as a click on a named thing


def _protect_quotes(text: str) -> tuple[str, list[str]]:
    quoted: list[str] = []

    def keep(m: re.Match[str]) -> str:
        quoted.append(m.group(0))
        return f"\x00{len(quoted) - 1}\x00"

    return re.sub(r"(?:(?<=\s)|^)([\"“'‘])(.+?)([\"”'’])(?=\W|$)", keep, text), quoted


def _restore(text: str, quoted: list[str]) -> str:
    return re.sub(r"\x00(\d+)\x00", lambda m: quoted[int(m.group(1))], text)


_CHAIN_SEP = re.compile(
    r"(\s*(?:;|,\s*(?:and\s+then|and|then)?|\.\s+|\s+and\s+then\s+|\s+then\s+|\s+and\s+)\s*)",
    re.I,
)


def split_chain(text: str) -> list[str]:
    """'search for X and open the first result, then go back' -> three clauses.

    A bare "and" splits only when what follows is a command of its own: "check Terms and
    Conditions" and "click Save and Continue" name one thing each.
    """
    protected, quoted = _protect_quotes(text.strip())
    pieces = _CHAIN_SEP.split(protected)
    parts: list[str] = []
    for i in range(0, len(pieces), 2):
        piece = pieces[i]
        if not piece or not piece.strip(" ."):
            continue
        sep = pieces[i - 1] if i else ""
        if parts and re.fullmatch(r"\s*and\s*", sep, re.I) and not _is_command(piece, parts[-1]):
            parts[-1] = f"{parts[-1]} and {piece}"
        else:
            parts.append(piece)
    return [_restore(p, quoted).strip(" .") for p in parts]


# Verbs the parser takes as a click on a named thing, that still start a command of their own
# after "and" ("... and publish it", "... and place the order").
_ACTION_VERBS = {
    "publish", "post", "share", "tweet", "send", "pay", "buy", "purchase", "place", "order",
    "confirm", "delete", "remove", "sign", "log", "login", "logout", "complete", "finish",
    "checkout", "close", "dismiss", "download", "upload", "book", "reserve", "subscribe",
    "apply", "reply", "comment", "like", "save", "clear", "reset", "empty", "find", "read",
}  # fmt: skip


def _is_command(text: str, before: str) -> bool:
    """Whether `text` (quotes protected) reads as a command of its own after `before`."""
    clause = _parse_clause(text, _parse_clause(before, None))
    if not clause.verbless:
        return True
    words = re.sub(r"^(?:please|now|also|then|first|finally|next)\s+", "", text.strip(), flags=re.I)
    first = words.split()[0].lower() if words.split() else ""
    return first in _ACTION_VERBS


def _clean_target(text: str) -> str:
    text = re.sub(r"^(?:on|at)\s+", "", text.strip(), flags=re.I)
    return text.strip(" .!?\"'“”")


def _ordinal(target: str) -> tuple[str, int | None, str | None]:
    """'the second link' -> ('', 2, 'link'); 'the first AirPods result' -> ('AirPods', 1, 'content')."""
    words = target.split()
    ordinal = None
    noun = None
    rest: list[str] = []
    for w in words:
        lw = w.lower().strip(",.")
        if ordinal is None and lw in ORDINALS:
            ordinal = ORDINALS[lw]
        elif ordinal is None and re.fullmatch(r"\d+(st|nd|rd|th)", lw):
            ordinal = int(re.match(r"\d+", lw).group())  # type: ignore[union-attr]
        else:
            rest.append(w)
    if ordinal is not None and rest and rest[-1].lower() in NOUNS:
        noun = NOUNS[rest.pop().lower()]
    rest = [w for w in rest if w.lower() not in ("the", "a", "an")]
    return " ".join(rest), ordinal, noun


def parse_clause(text: str, previous: Clause | None = None) -> Clause:
    """One clause -> a Clause. Anything not recognised is a click on a named thing.

    Quoted text is taken as is: 'type "log in" into search' types `log in`.
    """
    protected, quoted = _protect_quotes(text.strip())
    clause = _parse_clause(protected, previous)

    def restore(value: str | None) -> str | None:
        if value is None:
            return None
        return re.sub(r"\x00(\d+)\x00", lambda m: _unquote(quoted[int(m.group(1))]), value)

    clause.raw = text.strip()
    clause.target = restore(clause.target) or ""
    clause.value = restore(clause.value)
    clause.url = restore(clause.url)
    return clause


def _parse_clause(text: str, previous: Clause | None) -> Clause:
    raw = text.strip()
    t = re.sub(r"^(?:please|now|also|then|and|first|finally|next)\s+", "", raw, flags=re.I)
    t = re.sub(r"\s+(?:please|now)$", "", t, flags=re.I)
    low = t.lower()

    if re.fullmatch(r"(?:go |navigate )?back|previous page", low):
        return Clause("back", raw)
    if re.fullmatch(r"(?:go |navigate )?forward", low):
        return Clause("forward", raw)
    if re.fullmatch(r"(?:reload|refresh)(?: the page)?", low):
        return Clause("reload", raw)
    if m := re.fullmatch(r"scroll(?: (up|down))?(?: to the (top|bottom))?(?: of the page)?", low):
        if m.group(2):
            return Clause("press", raw, key="Home" if m.group(2) == "top" else "End")
        return Clause("scroll", raw, value=m.group(1) or "down")
    if m := re.fullmatch(
        r"wait(?: for)? (\d+(?:\.\d+)?)\s*(ms|milliseconds?|s|secs?|seconds?)?", low
    ):
        n = float(m.group(1))
        ms = n if (m.group(2) or "s").startswith("m") else n * 1000
        return Clause("wait", raw, value=str(int(ms)))
    if m := re.fullmatch(
        r"(?:stop|finish|end)(?: (?:at|on|before|when you reach)\s+(.+))?", t, re.I
    ):
        where = re.sub(r"^(?:the|a)\s+", "", _clean_target(m.group(1) or ""), flags=re.I)
        return Clause("stop", raw, target=where)
    if m := re.fullmatch(r"press (?:the )?(.+?)(?: key)?", low):
        if m.group(1) in KEYS:
            return Clause("press", raw, key=KEYS[m.group(1)])
    if m := re.fullmatch(
        r"(?:go to|goto|open|navigate to|visit|browse to|load)\s+(?:the )?(?:url |page |site )?(\S+)",
        t,
        re.I,
    ):
        if URL_RE.match(m.group(1)) and not re.fullmatch(r"[a-z]+", m.group(1), re.I):
            return Clause("goto", raw, url=m.group(1))
    if m := re.fullmatch(
        r"(?:search(?: for)?|look (?:for|up)|find)\s+(.+?)(?:\s+on (?:this|the) (?:site|page))?",
        t,
        re.I,
    ):
        query = re.sub(r"^(?:a|an|the|some)\s+", "", _clean_target(m.group(1)), flags=re.I)
        return Clause("search", raw, value=query)
    if m := re.fullmatch(
        r"(?:log ?in|sign ?in)(?: as (\S+))?(?:(?: with)?(?: the)? password (\S+))?", t, re.I
    ):
        if m.group(1):
            return Clause("login", raw, value=m.group(1), key=m.group(2) or "")
    if m := re.fullmatch(
        r"(?:draft|write|compose)\s+(?:a |an |the )?(?:new )?(post|tweet|message|comment|reply|note|review)"
        r"\s*(?:saying|that says|with the text|with|reading|:)\s*(.+)",
        t,
        re.I,
    ):
        return Clause("fill", raw, target=m.group(1), value=_unquote(m.group(2)))
    if m := re.fullmatch(
        r"(?:type|enter|write|put|input|fill in|fill)\s+(.+?)\s+(?:in|into|as|in the|into the)\s+(.+)",
        t,
        re.I,
    ):
        return Clause("fill", raw, target=_clean_target(m.group(2)), value=_unquote(m.group(1)))
    if m := re.fullmatch(
        r"(?:fill(?: in| out)?|set|enter|change)\s+(.+?)\s+(?:with|to|as|=)\s+(.+)", t, re.I
    ):
        return Clause("fill", raw, target=_clean_target(m.group(1)), value=_unquote(m.group(2)))
    if m := re.fullmatch(r"(?:fill(?: in)?|type|write|enter)\s+(?:the )?([^:]+?):\s*(.+)", t, re.I):
        return Clause("fill", raw, target=_clean_target(m.group(1)), value=_unquote(m.group(2)))
    if m := re.fullmatch(r"(?:type|write|enter)\s+(.+)", t, re.I):
        return Clause("fill", raw, value=_unquote(m.group(1)))
    if m := re.fullmatch(
        r"(?:select|choose|pick)\s+(.+?)\s+(?:in|from|for|as)\s+(?:the )?(.+)", t, re.I
    ):
        return Clause("select", raw, target=_clean_target(m.group(2)), value=_unquote(m.group(1)))
    if m := re.fullmatch(r"(un)?(?:check|tick)(?: the)?\s+(.+)", t, re.I):
        return Clause("uncheck" if m.group(1) else "check", raw, target=_clean_target(m.group(2)))
    if m := re.fullmatch(
        r"(?:turn|switch) (on|off)\s+(.+)|(?:turn|switch)\s+(.+?) (on|off)", t, re.I
    ):
        state, what = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        verb = "check" if state.lower() == "on" else "uncheck"
        return Clause(verb, raw, target=_clean_target(what))
    if m := re.fullmatch(r"(enable|disable)\s+(.+)", t, re.I):
        verb = "check" if m.group(1).lower() == "enable" else "uncheck"
        return Clause(verb, raw, target=_clean_target(m.group(2)))
    if m := re.fullmatch(r"(?:accept|agree to)\s+(.+)", t, re.I):
        return Clause("check", raw, target=_clean_target(m.group(1)))
    if m := re.fullmatch(r"submit(?: (?:it|the form|the (.+)))?", t, re.I):
        return Clause("submit", raw, target=m.group(1) or "")
    if m := re.fullmatch(
        r"add (?:it |this |that |them |one |the item |the product )?to (?:the |my )?(cart|basket|bag)",
        t,
        re.I,
    ):
        return Clause("click", raw, target="add to cart", prefer="button")
    if m := re.fullmatch(r"(proceed|continue|go on) to (.+)", t, re.I):
        return Clause("click", raw, target=_clean_target(t), prefer="button")
    if m := re.fullmatch(
        r"(?:go to|open|visit|follow|navigate to|show(?: me)?|view)\s+(.+)", t, re.I
    ):
        return _click(raw, m.group(1), "link")
    if m := re.fullmatch(r"(?:choose|select|pick)\s+(.+)", t, re.I):
        clause = _click(raw, m.group(1), "")
        clause.verb = "choose"
        return clause
    if m := re.fullmatch(r"(?:click(?: on)?|tap(?: on)?|press|hit|push)\s+(.+)", t, re.I):
        return _click(raw, m.group(1), "button")
    # A clause without a verb continues the previous one: "fill name with A, city with B".
    if previous and previous.verb == "fill":
        if m := re.fullmatch(r"(.+?)\s+(?:with|to|as|=)\s+(.+)", t, re.I):
            return Clause("fill", raw, target=_clean_target(m.group(1)), value=_unquote(m.group(2)))
    clause = _click(raw, t, "")
    clause.verbless = True
    return clause


def _click(raw: str, target: str, prefer: str) -> Clause:
    rest, ordinal, noun = _ordinal(_clean_target(target))
    return Clause("click", raw, target=rest, ordinal=ordinal, noun=noun, prefer=prefer)


def _unquote(value: str) -> str:
    return value.strip().strip("\"“”'‘’")


def parse_command(text: str) -> list[Clause]:
    """A whole command -> its clauses, in order."""
    clauses: list[Clause] = []
    for part in split_chain(text):
        # "add the AirPods Max to the cart": open that product, then add it.
        m = re.fullmatch(
            r"(?:please\s+)?add\s+(?!it\b|this\b|that\b|them\b|one\b)(.+?)\s+to\s+(?:the\s+|my\s+)?(cart|basket|bag)",
            part,
            re.I,
        )
        if m:
            opener = _click(part, m.group(1), "link")
            opener.skip_if_here = True
            clauses.append(opener)
            clauses.append(Clause("click", part, target="add to cart", prefer="button"))
            continue
        clauses.append(parse_clause(part, clauses[-1] if clauses else None))
    return clauses


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


def _label(a: Action) -> str:
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
        desc = tokens(_label(a))
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


def _kind(a: Action) -> str:
    role = (a.role or "").lower()
    if role in ("checkbox", "radio", "switch"):
        return "checkbox"
    prefix = a.id[:1]
    return {"L": "link", "B": "button", "I": "input", "F": "figure", "O": "option"}.get(
        prefix, "misc"
    )


def _is_select(a: Action) -> bool:
    role = (a.role or "").lower()
    return (a.tag or "").lower() == "select" or (
        role in ("combobox", "listbox") and bool(a.params and a.params[0].values)
    )


def _is_password(a: Action) -> bool:
    return any(p.type == "password" for p in a.params) or "password" in _label(a).lower()


def _is_text_input(a: Action) -> bool:
    return _kind(a) == "input" and not _is_select(a)


def _distinct(items: list[Action]) -> list[Action]:
    """One per destination: a product's image and title link are the same choice."""
    seen: set[str] = set()
    out = []
    for a in items:
        key = f"href:{a.href}" if a.href else f"{_kind(a)}:{' '.join(tokens(_label(a)))}"
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
        hits = [a for a in links if coverage(q, tokens(_label(a)))[0] >= 0.99]
        if hits:
            return _distinct(hits)
    # Links whose text appears below the page's first heading in the markdown.
    md = obs.markdown or ""
    heading = re.search(r"^#{1,3} .+$", md, re.M)
    if heading:
        below = md[heading.end() :]
        after = [a for a in links if a.description and a.description.strip() in below]
        if after:
            return _distinct(after)
    return _distinct(links)


@dataclass
class Pick:
    action: Action | None = None
    candidates: list[Action] = field(default_factory=list)
    question: str = ""


def pick_target(obs: Observation, clause: Clause, *, pool: list[Action], query: str | None) -> Pick:
    """The one element a clause means, or the candidates to ask about."""
    what = clause.target or clause.noun or "that"
    if clause.ordinal is not None:
        if clause.noun in (None, "content"):
            base = _content_links(obs, query if not clause.target else None)
        else:
            base = [a for a in obs.actions if _kind(a) == clause.noun]
        if clause.target:
            scored = [s for s in score_actions(base, clause.target) if s.full]
            base = [s.action for s in scored]
        base = _distinct(base)
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
    if not scored:
        return Pick(candidates=[], question=f"I cannot find {what!r} on this page")
    group = [s for s in scored if s.exact] or [s for s in scored if s.full]
    if group:
        actions = _distinct([s.action for s in group])
        if len(actions) > 1 and clause.prefer:
            preferred = [a for a in actions if _kind(a) == clause.prefer]
            actions = preferred or actions
        if len(actions) > 1 and clause.verb in ("fill", "select"):
            inputs = [a for a in actions if _kind(a) == "input"]
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
        candidates=_distinct(near),
        question=f"I cannot find {what!r} on this page"
        if not near
        else f"Which {what!r} do you mean?",
    )


def destructive_kind(a: Action) -> str | None:
    """'pay', 'publish', 'delete' or 'send' when clicking `a` looks irreversible."""
    if _kind(a) in ("input", "checkbox", "option"):
        return None
    text = _label(a).lower()
    for kind, pattern in DESTRUCTIVE.items():
        if re.search(pattern, text):
            return kind
    return None


# What a command says to ask for one explicitly ("a post" is a noun, "post it" a verb).
EXPLICIT = {
    **DESTRUCTIVE,
    "publish": r"\b(publish|share|tweet)\b|\bpost (it|this|that|now|the post)\b",
}


def says_so(command_text: str, kind: str) -> bool:
    """Does the person's own command ask for this kind of destructive step?"""
    return bool(re.search(EXPLICIT[kind], command_text.lower()))


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
    pending: Pending | None = None
    last_query: str | None = None


_memories: weakref.WeakKeyDictionary[Any, AgentMemory] = weakref.WeakKeyDictionary()


def memory(target: Any) -> AgentMemory:
    """The agent's memory for one session (pending question, last search)."""
    try:
        return _memories.setdefault(target, AgentMemory())
    except TypeError:  # not weak-referenceable: keep it on the object
        mem = getattr(target, "_stepdeck_agent_memory", None)
        if mem is None:
            mem = AgentMemory()
            target._stepdeck_agent_memory = mem
        return mem


# ---------------------------------------------------------------- running


class _Run:
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

    async def observe(self) -> Observation:
        if self.obs is None:
            self.obs = await self.target.observe(screenshot=False)
        return self.obs

    async def do(self, req: StepRequest, summary: str) -> StepResult:
        """Run one action through the session; raises StepdeckError on failure."""
        element = self.obs.action(req.id) if self.obs is not None and req.id else None
        self.secret = element is not None and _is_password(element)
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


def _choice(a: Action) -> str:
    return f"{a.id} {_label(a)}".strip()


def _pool(obs: Observation, clause: Clause) -> list[Action]:
    if clause.verb == "fill":
        return [a for a in obs.actions if _kind(a) == "input"]
    if clause.verb == "select":
        return [a for a in obs.actions if _kind(a) in ("input", "checkbox", "option")]
    if clause.verb in ("check", "uncheck"):
        boxes = [a for a in obs.actions if _kind(a) == "checkbox"]
        return boxes or [a for a in obs.actions if _kind(a) == "button"]
    # An image is rarely what "open X" means (a product photo repeats its name): leave
    # figures out unless the command asks for a picture.
    pictures = re.search(r"\b(image|picture|photo|logo|icon|figure)\b", clause.target, re.I)
    return [
        a for a in obs.actions if not _is_text_input(a) and (pictures or _kind(a) != "figure")
    ] or list(obs.actions)


def _option(a: Action, wanted: str) -> str | None:
    values = a.params[0].values if a.params else []
    for v in values:
        if v.strip().lower() == wanted.strip().lower():
            return v
    best = max(values, key=lambda v: fuzz.WRatio(wanted, v), default=None)
    return best if best is not None and fuzz.WRatio(wanted, best) >= 80 else None


async def _ask(run: _Run, pending: Pending, question: str) -> StepResult:
    pending.url = (await run.observe()).metadata.url
    run.mem.pending = pending
    if pending.kind in ("confirm", "model-confirm"):
        choices = ["yes", "no"]
    else:
        choices = [_choice(a) for a in pending.candidates]
    tail = f"{question}." if not question.endswith(("?", ".")) else question
    return await run.finish(StepStatus.ASK_USER, run.summary(tail), candidates=choices)


async def _run_clauses(
    run: _Run, clauses: list[Clause], command: str, *, chosen: Action | None = None,
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
                    return await _ask(
                        run,
                        Pending("confirm", command, rest),
                        f"Enter may submit {_label(risky)!r}, which looks like it will {kind}: "
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
            else:
                element = chosen
                chosen = None
                if element is None:
                    if clause.verb == "fill" and not clause.target:
                        inputs = [a for a in obs.actions if _is_text_input(a)]
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
                            obs, clause, pool=_pool(obs, clause), query=run.mem.last_query
                        )
                    if pick.action is None and clause.skip_if_here and _is_here(obs, clause.target):
                        continue
                    if pick.action is None:
                        return await _ask(
                            run,
                            Pending("choose", command, rest, candidates=pick.candidates),
                            pick.question,
                        )
                    element = pick.action
                kind = (
                    destructive_kind(element)
                    if clause.verb in ("click", "submit", "choose")
                    else None
                )
                if (
                    kind
                    and not confirmed
                    and not run.request.confirm
                    and not says_so(command, kind)
                ):
                    return await _ask(
                        run,
                        Pending("confirm", command, rest, action=element),
                        f"{_label(element)!r} looks like it will {kind}: shall I go ahead?",
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


async def _act(run: _Run, clause: Clause, a: Action) -> None:
    label = _label(a)
    if clause.verb == "fill" and _is_select(a):
        clause = Clause("select", clause.raw, target=clause.target, value=clause.value)
    if clause.verb == "fill":
        shown = "a password" if _is_password(a) else repr(clause.value)
        await run.do(
            StepRequest(type="fill", id=a.id, value=clause.value or "", enter=clause.enter),
            f"typed {shown} into {label!r}",
        )
    elif clause.verb == "select" and _is_select(a):
        option = _option(a, clause.value or "")
        if option is None:
            raise StepdeckError(
                f"{label!r} has no option {clause.value!r}",
                "options: " + ", ".join(a.params[0].values[:12]) if a.params else None,
            )
        await run.do(
            StepRequest(type="select", id=a.id, value=option), f"chose {option!r} in {label!r}"
        )
    elif clause.verb in ("check", "uncheck", "choose") and _kind(a) == "checkbox":
        verb = "uncheck" if clause.verb == "uncheck" else "check"
        await run.do(StepRequest(type=verb, id=a.id), f"{verb}ed {label!r}")
    else:
        await run.do(StepRequest(type="click", id=a.id), f"clicked {label!r}")


def _choose(obs: Observation, clause: Clause, query: str | None) -> Pick:
    """'choose express shipping': a radio, checkbox or option first, then anything clickable."""
    if clause.ordinal is None and clause.target:
        boxes = [a for a in obs.actions if _kind(a) in ("checkbox", "option")]
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
        if _is_text_input(a) and (a.tag or "").lower() != "textarea" and not _is_password(a)
    ]
    for a in inputs:
        if (a.role or "").lower() == "searchbox" or "search" in _label(a).lower():
            return a
    return inputs[0] if len(inputs) == 1 else None


def _textarea(obs: Observation, clause: Clause) -> Pick:
    inputs = [a for a in obs.actions if _is_text_input(a)]
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


SUBMIT_WORDS = r"\b(submit|publish|post|send|save|continue|sign in|log in|pay|place order|search|go|next|ok|done)\b"


def _submit_button(obs: Observation, clause: Clause) -> Pick:
    buttons = [a for a in obs.actions if _kind(a) == "button"]
    submits = [a for a in buttons if re.search(SUBMIT_WORDS, _label(a).lower())]
    if clause.target:
        scored = [s for s in score_actions(submits or buttons, clause.target) if s.score >= 60]
        if len(scored) == 1:
            return Pick(scored[0].action)
    # Leave out the site-wide search button when the page has another form to submit.
    forms = [a for a in submits if not re.search(r"\bsearch\b", _label(a).lower())] or submits
    if len(forms) == 1:
        return Pick(forms[0])
    return Pick(candidates=(forms or buttons)[:8], question="Which button submits it?")


def _login_fields(obs: Observation) -> tuple[Action | None, Action | None]:
    inputs = [a for a in obs.actions if _is_text_input(a)]
    password = next((a for a in inputs if "password" in _label(a).lower()), None)
    user = next(
        (
            a
            for a in inputs
            if a is not password and re.search(r"user|e-?mail|login|name", _label(a).lower())
        ),
        None,
    )
    return user, password


async def _login(run: _Run, clause: Clause) -> None:
    obs = await run.observe()
    user, password = _login_fields(obs)
    if user is None or password is None:
        # No form here: follow the page's own "Sign in" link first.
        entry = next(
            (a for a in obs.actions if re.fullmatch(r"(sign|log) ?in", _label(a).lower())), None
        )
        if entry is not None:
            await run.do(StepRequest(type="click", id=entry.id), f"clicked {_label(entry)!r}")
            user, password = _login_fields(await run.observe())
    if user is None or password is None:
        raise StepdeckError("There is no sign-in form here", "open the sign-in page first")
    await run.do(StepRequest(type="fill", id=user.id, value=clause.value), "typed the username")
    if clause.key:
        await run.do(
            StepRequest(type="fill", id=password.id, value=clause.key, enter=True), "signed in"
        )


def _is_here(obs: Observation, what: str) -> bool:
    """Is the page itself about `what` (its title or first heading)?"""
    heading = re.search(r"^#{1,3} (.+)$", obs.markdown or "", re.M)
    here = f"{obs.metadata.title} {heading.group(1) if heading else ''}"
    want = tokens(what)
    return bool(want) and coverage(want, tokens(here))[0] >= 0.99


async def _stop(run: _Run, clause: Clause) -> StepResult:
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


_YES = r"(y|yes|yep|yeah|sure|ok|okay|confirm|confirmed|go ahead|do it|proceed)(,? (please|it|go ahead|do it))?[.!]?"
_NO = r"(n|no|nope|cancel|stop|abort|don't|do not|never ?mind)(,? (thanks|please|it|that))?[.!]?"


async def _resume(run: _Run, pending: Pending, answer: str) -> StepResult | None:
    """Answer the pending question; None when the answer is a new command instead."""
    low = answer.strip().lower()
    if pending.kind == "model-ask":
        run.mem.pending = None
        convo: _Conversation = pending.model
        page = describe_page(await run.observe())
        convo.messages.append(
            {"role": "user", "content": f"The person answered: {answer}\n\n{page}"}
        )
        return await _model_continue(run, convo)
    if pending.kind in ("confirm", "model-confirm"):
        if run.request.confirm or re.fullmatch(_YES, low):
            run.mem.pending = None
            if pending.kind == "model-confirm":
                return await _model_resume(run, pending)
            return await _run_clauses(
                run, pending.clauses, pending.command, chosen=pending.action, confirmed=True
            )
        if re.fullmatch(_NO, low):
            run.mem.pending = None
            return await run.finish(StepStatus.CONTINUE, "Cancelled: nothing was done.")
        run.mem.pending = None
        return None
    # A choice: an id, a number, an ordinal, or words from one candidate.
    if re.fullmatch(_NO, low):
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
    return await _run_clauses(run, pending.clauses, pending.command, chosen=chosen)


async def run_command(target: CommandTarget, request: StepRequest) -> StepResult:
    """Carry out a natural-language command on one session (see the module doc)."""
    run = _Run(target, request)
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
    config = llm.LLMConfig.from_env()
    if config is not None:
        return await _model_loop(run, config, text)
    clauses = parse_command(text)
    return await _run_clauses(run, clauses, text)


# ---------------------------------------------------------------- the model loop

MODEL_SYSTEM = """You drive a web browser for a person, one action at a time.
Each turn you see the page (title, url, markdown) and its interactive elements as `ID: description`.
Answer with ONE JSON object and nothing else, one of:
{"action": "click", "id": "B3"}
{"action": "fill", "id": "I1", "value": "text", "enter": false}
{"action": "select", "id": "I2", "value": "option text"}
{"action": "check", "id": "B4"}   {"action": "uncheck", "id": "B4"}
{"action": "goto", "url": "https://..."}
{"action": "back"}   {"action": "scroll_down"}   {"action": "scroll_up"}
{"action": "press_key", "key": "Enter"}
{"action": "done", "message": "what was achieved"}
{"action": "ask_user", "message": "the question for the person"}
Use only ids from the current list. Answer "done" as soon as the task is carried out."""

MAX_BAD_ANSWERS = 3
MAX_MARKDOWN = 6000
DEFAULT_MAX_STEPS = 10


def describe_page(obs: Observation) -> str:
    lines = [f"Title: {obs.metadata.title}", f"URL: {obs.metadata.url}", "", "Elements:"]
    for a in obs.actions:
        extra = ""
        if a.params and a.params[0].values:
            extra = " options: " + " | ".join(a.params[0].values[:20])
        if a.value:
            extra += f" (value: {a.value})"
        lines.append(f"{a.id}: {_label(a)}{extra}")
    md = obs.markdown or ""
    if len(md) > MAX_MARKDOWN:
        md = md[:MAX_MARKDOWN] + "\n…(truncated)"
    lines += ["", "Page:", md]
    return "\n".join(lines)


@dataclass
class _Conversation:
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
    if kind in ("click", "fill", "select", "check", "uncheck"):
        action_id = str(answer.get("id") or "").strip().upper()
        if obs.action(action_id) is None:
            known = ", ".join(a.id for a in obs.actions[:60])
            raise ValueError(f"there is no element {action_id or '(none)'!r}; the ids are: {known}")
        if kind in ("fill", "select") and answer.get("value") is None:
            raise ValueError(f'"{kind}" needs a "value"')
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
    if kind == "goto":
        if not answer.get("url"):
            raise ValueError('"goto" needs a "url"')
        return StepRequest(type="goto", url=str(answer["url"])), None, message
    if kind in ("back", "forward", "reload", "scroll_down", "scroll_up"):
        return StepRequest(type=kind), None, message
    if kind == "press_key":
        return StepRequest(type="press_key", key=str(answer.get("key") or "Enter")), None, message
    raise ValueError(f"unknown action {kind!r}")


async def _model_loop(run: _Run, config: llm.LLMConfig, task: str) -> StepResult:
    obs = await run.observe()
    limit = run.request.max_steps or os.environ.get("STEPDECK_LLM_MAX_STEPS")
    convo = _Conversation(
        config,
        task,
        [
            {"role": "system", "content": MODEL_SYSTEM},
            {"role": "user", "content": f"Task: {task}\n\n{describe_page(obs)}"},
        ],
        max_steps=int(limit) if limit else DEFAULT_MAX_STEPS,
    )
    return await _model_continue(run, convo)


async def _model_resume(run: _Run, pending: Pending) -> StepResult:
    convo: _Conversation = pending.model
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
    return await _model_continue(run, convo)


async def _model_continue(run: _Run, convo: _Conversation) -> StepResult:
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
                return await _ask(
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
                return await _ask(
                    run,
                    Pending("model-confirm", convo.task, [], action=element, model=convo),
                    f"{_label(element)!r} looks like it will {kind}: shall I go ahead?",
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
