"""Instructions -> clauses: chains split, verbs recognised, quotes kept whole."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tui.engine.agent.vocabulary import (
    ACTION_VERBS,
    CLOSABLE,
    KEYS,
    KIND_WORDS,
    NOUNS,
    ORDINALS,
    URL_RE,
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
    kind: str | None = None  # a generic kind the target names: text, select, list, checkbox, ...
    named: str = ""  # the target as written, kind words included (when the kind alone fails)
    anchor: str = ""  # "the button below Returns": the page text the target is placed by
    before: bool = False  # above / before the anchor rather than below / after it


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


def _is_command(text: str, before: str) -> bool:
    """Whether `text` (quotes protected) reads as a command of its own after `before`."""
    clause = _parse_clause(text, _parse_clause(before, None))
    if not clause.verbless:
        return True
    words = re.sub(r"^(?:please|now|also|then|first|finally|next)\s+", "", text.strip(), flags=re.I)
    first = words.split()[0].lower() if words.split() else ""
    return first in ACTION_VERBS


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
        return re.sub(r"\x00(\d+)\x00", lambda m: unquote(quoted[int(m.group(1))]), value)

    clause.raw = text.strip()
    clause.target = restore(clause.target) or ""
    clause.value = restore(clause.value)
    clause.url = restore(clause.url)
    clause.key = restore(clause.key)
    clause.named = restore(clause.named) or ""
    clause.anchor = restore(clause.anchor) or ""
    return clause


def _parse_clause(text: str, previous: Clause | None) -> Clause:
    raw = text.strip()
    t = re.sub(r"^(?:please|now|also|then|and|first|finally|next)\s+", "", raw, flags=re.I)
    t = re.sub(r"\s+(?:please|now)$", "", t, flags=re.I)
    # Purpose tails say why, not what: "press START to begin".
    t = re.sub(r"\s+to (?:begin|start|continue|proceed|finish|go on)$", "", t, flags=re.I)
    low = t.lower()

    # "log in with username X and password Y", "enter the username X and the password Y"
    if m := re.search(
        r"\b(?:user ?name|user|login|e-?mail)\s+(?:is\s+|of\s+|:\s*|=\s*)?(\S+?),?\s+(?:and\s+|&\s+)?"
        r"(?:(?:the|a|with|using)\s+)?pass(?:word)?\s+(?:is\s+|:\s*|=\s*)?(\S+)$",
        t,
        re.I,
    ):
        submit = bool(re.match(r"(?:log ?in|login|sign ?in|sign on)\b", t, re.I))
        return Clause("login", raw, value=m.group(1), key=m.group(2), enter=submit)
    if re.fullmatch(
        r"(?:select|choose|pick|check|tick|enter|type|fill in|change) (?:nothing|none|no option|anything)"
        r"(?: else)?|(?:leave|keep) (?:it|everything|the form|all|.+?) (?:as it is|blank|empty|unchanged)",
        low,
    ):
        return Clause("noop", raw)
    if m := re.fullmatch(
        r"for (?:the )?(?:user|account|item|row|product|post|entry|person|name)?\s*(.+)", t, re.I
    ):
        return Clause("scope", raw, target=m.group(1).strip(" :,"))
    if m := re.fullmatch(
        r"(.+?)\s+by (?:clicking|pressing|tapping|selecting|choosing)(?: on)?\s+(.+)", t, re.I
    ):
        clause = _click(raw, m.group(2), "button")
        return clause
    if m := re.fullmatch(
        rf"(?:close|dismiss|hide|exit)(?: (?:the|this|that))?(?: {CLOSABLE})?", t, re.I
    ):
        return Clause("close", raw)
    if m := re.fullmatch(
        r"(?:focus|put the cursor|place the cursor|move the cursor)(?: on| into| in| inside)?\s+(.+)",
        t,
        re.I,
    ):
        return _typed(Clause("focus", raw, target=_clean_target(m.group(1))))
    if m := re.fullmatch(
        r"solve\b.*|(?:calculate|compute|answer) (?:the )?(?:math|sum|problem|question|equation).*",
        t,
        re.I,
    ):
        return Clause("solve", raw)
    if m := re.fullmatch(r"copy\s+(?:the )?(.+?)(?:\s+(?:to|into|in)\s+(?:the )?(.+))?", t, re.I):
        target = re.sub(
            r"^(?:text|value|content|contents)\s+(?:from|of|in)\s+(?:the\s+)?",
            "",
            m.group(1),
            flags=re.I,
        )
        return _typed(Clause("copy", raw, target=_clean_target(target), value=m.group(2)))
    if m := re.fullmatch(
        r"paste(?: it| that| this| the text| the value| the code)?\s+(?:in|into|to|in the|into the)\s+(.+)",
        t,
        re.I,
    ):
        return _typed(Clause("paste", raw, target=_clean_target(m.group(1))))
    if m := re.fullmatch(r"(?:expand|collapse|unfold|fold|toggle)\s+(.+)", t, re.I):
        return _click(raw, m.group(1), "")

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
            return Clause("login", raw, value=m.group(1), key=m.group(2) or "", enter=True)
    if m := re.fullmatch(
        r"(?:draft|write|compose)\s+(?:a |an |the )?(?:new )?(post|tweet|message|comment|reply|note|review)"
        r"\s*(?:saying|that says|with the text|with|reading|:)\s*(.+)",
        t,
        re.I,
    ):
        return Clause("fill", raw, target=m.group(1), value=unquote(m.group(2)))
    if m := re.fullmatch(
        r"(?:type|enter|write|put|input|fill in|fill)\s+(.+?)\s+(?:in|into|as|in the|into the)\s+(.+)",
        t,
        re.I,
    ):
        return _typed(
            Clause("fill", raw, target=_clean_target(m.group(2)), value=unquote(m.group(1)))
        )
    if m := re.fullmatch(
        r"(?:fill(?: in| out)?|set|enter|change)\s+(.+?)\s+(?:with|to|as|=)\s+(.+)", t, re.I
    ):
        return _typed(
            Clause("fill", raw, target=_clean_target(m.group(1)), value=unquote(m.group(2)))
        )
    if m := re.fullmatch(r"(?:fill(?: in)?|type|write|enter)\s+(?:the )?([^:]+?):\s*(.+)", t, re.I):
        return _typed(
            Clause("fill", raw, target=_clean_target(m.group(1)), value=unquote(m.group(2)))
        )
    if m := re.fullmatch(r"(?:type|write|enter)\s+(.+)", t, re.I):
        return Clause("fill", raw, value=unquote(m.group(1)))
    if m := re.fullmatch(
        r"(?:select|choose|pick)\s+(.+?)\s+(?:in|from|for|as)\s+(?:the )?(.+)", t, re.I
    ):
        return _typed(
            Clause("select", raw, target=_clean_target(m.group(2)), value=unquote(m.group(1)))
        )
    if m := re.fullmatch(r"(un)?(?:check|tick)(?: the)?\s+(.+)", t, re.I):
        return _typed(
            Clause("uncheck" if m.group(1) else "check", raw, target=_clean_target(m.group(2)))
        )
    if m := re.fullmatch(
        r"(?:turn|switch) (on|off)\s+(.+)|(?:turn|switch)\s+(.+?) (on|off)", t, re.I
    ):
        state, what = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        verb = "check" if state.lower() == "on" else "uncheck"
        return _typed(Clause(verb, raw, target=_clean_target(what)))
    if m := re.fullmatch(r"(enable|disable)\s+(.+)", t, re.I):
        verb = "check" if m.group(1).lower() == "enable" else "uncheck"
        return _typed(Clause(verb, raw, target=_clean_target(m.group(2))))
    if m := re.fullmatch(r"(?:accept|agree to)\s+(.+)", t, re.I):
        return _typed(Clause("check", raw, target=_clean_target(m.group(1))))
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
            return _typed(
                Clause("fill", raw, target=_clean_target(m.group(1)), value=unquote(m.group(2)))
            )
    clause = _click(raw, t, "")
    clause.verbless = True
    return clause


def _click(raw: str, target: str, prefer: str) -> Clause:
    cleaned = _clean_target(target)
    rest, ordinal, noun = _ordinal(cleaned)
    clause = Clause("click", raw, target=rest, ordinal=ordinal, noun=noun, prefer=prefer)
    if noun is None:
        return _typed(clause, cleaned)
    return clause


def split_kind(target: str) -> tuple[str, str | None, int | None]:
    """'the 2nd input textbox' -> ('', 'text', 2); 'the country dropdown' -> ('country', 'select', None).

    "first name" and "last name" are names, not ordinals.
    """
    words = target.split()
    ordinal = None
    rest: list[str] = []
    for i, w in enumerate(words):
        lw = w.lower().strip(",.")
        nxt = words[i + 1].lower() if i + 1 < len(words) else ""
        if ordinal is None and lw in ORDINALS and nxt not in ("name", "names"):
            ordinal = ORDINALS[lw]
        elif ordinal is None and re.fullmatch(r"\d+(st|nd|rd|th)", lw):
            ordinal = int(re.match(r"\d+", lw).group())  # type: ignore[union-attr]
        elif lw not in ("the", "a", "an"):
            rest.append(w)
    text = " ".join(rest)
    low = text.lower()
    for phrase, kind in KIND_WORDS:
        if low == phrase or low.endswith(" " + phrase):
            return text[: len(text) - len(phrase)].strip(), kind, ordinal
    return target if ordinal is None else text, None, ordinal


_RELATION = re.compile(
    r"(.+?)\s+(below|under|underneath|beneath|after|following|next to|beside|near|right of|"
    r"to the right of|above|over|before|left of|to the left of)\s+(?:the\s+)?(.+)",
    re.I,
)


def _typed(clause: Clause, written: str | None = None) -> Clause:
    """The clause with its target's generic kind and ordinal split off (quoted targets stay)."""
    written = clause.target if written is None else written
    if m := _RELATION.fullmatch(written or ""):
        written, clause.anchor = m.group(1), m.group(3).strip(" .")
        clause.before = m.group(2).lower() in (
            "above",
            "over",
            "before",
            "left of",
            "to the left of",
        )
        clause.target = written
    if not written or "\x00" in written:
        return clause
    words, kind, ordinal = split_kind(written)
    if kind is None and ordinal is None:
        return clause
    clause.named = written
    clause.kind = kind
    clause.target = words
    if ordinal is not None:
        clause.ordinal = ordinal
    return clause


def unquote(value: str) -> str:
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
