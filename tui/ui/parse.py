"""The command bar's language: what a person types -> a `StepRequest`.

Pure (no Textual, no I/O) so it is cheap to test and reuse. Two meanings
share one input: an action (`B3`, `I1 hello --enter`, `goto example.com`,
`back`, `scroll down`, `tab 2`, ...) runs directly; anything else is a
natural-language command for the provider's agent. The forms an action is
typed in are the action registry's (`tui.engine.registry`, `typed`).
"""

from __future__ import annotations

import re
import shlex

from tui.engine.registry import ACTIONS, ELEMENT_ACTIONS
from tui.kinds import ACTION_PREFIXES
from tui.model import StepRequest

ID_RE = re.compile(rf"^[{''.join(ACTION_PREFIXES)}]\d+$", re.IGNORECASE)
# A lone letter+number (`Z99`) is an id step too, if not one this page can have: it gets
# the same "no such element" answer as an absent `B3`, never a trip to the agent.
LONE_ID_RE = re.compile(r"^[A-Za-z]\d{1,5}$")
_SCHEME_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
_BARE_SCHEMES = ("about:", "data:", "file:", "javascript:", "chrome:")
_LOCAL_HOSTS = ("localhost", "127.", "[::1]", "0.0.0.0")
_ENTER_MARKS = ("⏎", "\\n", "↵")

# Keywords taking an element id first: `click B3`, `fill I1 text`, ... (from the registry)
_ID_VERBS = {
    form.split()[0]: a.name
    for a in ELEMENT_ACTIONS
    for form in a.typed
    if form.split()[1:2] == ["ID"]
}
# Every other form that starts with a word: `goto URL`, `scroll down`, `close tab [N]`, ...
_FORMS = [
    (form.split(), a)
    for a in ACTIONS.values()
    if not a.element
    for form in a.typed
    if form.split()[0].islower()
]


RELATIVE_STARTS = ("/", "./", "../", "?", "#")


def _looks_like_address(word: str) -> bool:
    """`example.com`, `localhost:8000`, `/cart`, `https://…`: not a bare name like `airpods`."""
    return (
        "." in word
        or ":" in word
        or word.startswith(RELATIVE_STARTS)
        or word.lower().startswith("localhost")
    )


def normalize_url(text: str) -> str:
    """Add a scheme where the person left it out (`example.com` -> https)."""
    text = text.strip()
    if not text or _SCHEME_RE.match(text) or text.lower().startswith(_BARE_SCHEMES):
        return text
    if text.startswith(RELATIVE_STARTS):  # the engine resolves it against the current page
        return text
    scheme = "http" if text.lower().startswith(_LOCAL_HOSTS) else "https"
    return f"{scheme}://{text}"


def _value(rest: str) -> tuple[str, bool]:
    """Split a typed value from its enter marker; strip one pair of quotes."""
    value = rest.strip()
    enter = False
    if value.endswith("--enter"):
        value, enter = value[: -len("--enter")].rstrip(), True
    for mark in _ENTER_MARKS:
        if value.endswith(mark):
            value, enter = value[: -len(mark)].rstrip(), True
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        try:
            value = shlex.split(value)[0]
        except ValueError:
            value = value[1:-1]
    return value, enter


def _int(word: str) -> int | None:
    return int(word) if word.isdigit() else None


def parse_command(text: str) -> StepRequest | None:
    """Parse one line of the command bar. Empty text gives None."""
    line = text.strip()
    if line.startswith(":"):  # vim habit: `:B3` is `B3`
        line = line[1:].strip()
    if not line:
        return None
    head, _, rest = line.partition(" ")
    verb = head.lower()
    rest = rest.strip()
    words = rest.split()

    if not rest and LONE_ID_RE.match(head):
        return StepRequest(type="auto", id=head.upper())
    if ID_RE.match(head):
        if not rest:
            return StepRequest(type="auto", id=head.upper())
        value, enter = _value(rest)
        if not value and enter:  # `I1 --enter`: press Enter in the field
            return StepRequest(type="auto", id=head.upper(), value="", enter=True)
        return StepRequest(type="auto", id=head.upper(), value=value, enter=enter)

    if verb in _ID_VERBS and words and ID_RE.match(words[0]):
        kind = _ID_VERBS[verb]
        action_id = words[0].upper()
        tail = rest[len(words[0]) :].strip()
        if not tail:
            return StepRequest(type=kind, id=action_id)
        value, enter = _value(tail)
        return StepRequest(type=kind, id=action_id, value=value, enter=enter)

    for form, action in _FORMS:
        fields = _match(form, [verb, *words], action.arg)
        if fields is not None:
            return StepRequest(type=action.name, **fields)
    return StepRequest(type="command", cmd=line)


def _slot(placeholder: str, word: str) -> str | int | None:
    """A typed word as a placeholder's value, or None when it is not one."""
    if placeholder == "URL":
        return normalize_url(word)
    if placeholder == "ADDRESS":  # `open example.com` navigates; `open airpods` is the agent's
        return normalize_url(word) if _looks_like_address(word) else None
    if placeholder == "N":
        return _int(word)
    if placeholder == "MS":
        return word if _int(word) is not None else None
    return word  # KEY


def _match(form: list[str], words: list[str], arg: str | None) -> dict[str, object] | None:
    """The step's fields when `words` (the verb lowercased) are typed in `form`, else None."""
    fields: dict[str, object] = {}
    at = 0
    for token in form:
        optional = token.startswith("[")
        token = token.strip("[]")
        if at == len(words):
            if optional:
                if arg is not None:
                    fields[arg] = None
                continue
            return None
        word = words[at]
        if token.isupper():
            value = _slot(token, word)
            if value is None or arg is None:
                return None
            fields[arg] = value
        elif word != token:
            return None
        at += 1
    return fields if at == len(words) else None


def _hint(form: str) -> list[str]:
    """What the command bar suggests for one typed form (`press KEY` -> a few keys)."""
    words = form.replace("[", "").replace("]", "").split()
    head = " ".join(w for w in words if not w.isupper())
    if "KEY" in words:
        return [f"{head} {key}" for key in ("Enter", "Escape", "Tab")]
    return [head + (" " if len(words) > len(head.split()) else "")]


# The first form of each browser action a page lists (`goto `, `back`, `press Enter`, ...).
KEYWORDS = [hint for a in ACTIONS.values() if a.in_space and a.typed for hint in _hint(a.typed[0])]


def completions(ids: list[str]) -> list[str]:
    """What the command bar suggests while typing: ids first, then keywords."""
    return [*ids, *KEYWORDS]
