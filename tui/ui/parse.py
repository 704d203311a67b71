"""The command bar's language: what a person types -> a `StepRequest`.

Pure (no Textual, no I/O) so it is cheap to test and reuse. Two meanings
share one input: an action (`B3`, `I1 hello --enter`, `goto example.com`,
`back`, `scroll down`, `tab 2`, ...) runs directly; anything else is a
natural-language command for the provider's agent.
"""

from __future__ import annotations

import re
import shlex

from tui.model import ACTION_PREFIXES, StepRequest

ID_RE = re.compile(rf"^[{''.join(ACTION_PREFIXES)}]\d+$", re.IGNORECASE)
# A lone letter+number (`Z99`) is an id step too, if not one this page can have: it gets
# the same "no such element" answer as an absent `B3`, never a trip to the agent.
LONE_ID_RE = re.compile(r"^[A-Za-z]\d{1,5}$")
_SCHEME_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
_BARE_SCHEMES = ("about:", "data:", "file:", "javascript:", "chrome:")
_LOCAL_HOSTS = ("localhost", "127.", "[::1]", "0.0.0.0")
_ENTER_MARKS = ("⏎", "\\n", "↵")

# Keywords taking an element id first: `click B3`, `fill I1 text`, ...
_ID_VERBS = {"click": "click", "fill": "fill", "type": "fill", "select": "select"}
_ID_VERBS |= {"check": "check", "uncheck": "uncheck"}
_SIMPLE = {
    "back": "back",
    "forward": "forward",
    "reload": "reload",
    "refresh": "reload",
    "scrape": "scrape",
    "done": "done",
}


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

    if verb in ("goto", "navigate") and len(words) == 1:
        return StepRequest(type="goto", url=normalize_url(words[0]))
    if verb in ("go", "open") and len(words) == 1 and _looks_like_address(words[0]):
        # `open example.com` navigates; `open airpods` names a thing on the page (agent)
        return StepRequest(type="goto", url=normalize_url(words[0]))
    if verb in _SIMPLE and not words:
        return StepRequest(type=_SIMPLE[verb])
    if verb == "scroll" and (not words or (len(words) == 1 and words[0] in ("down", "up"))):
        return StepRequest(type="scroll_up" if words == ["up"] else "scroll_down")
    if verb == "tab" and len(words) == 1 and _int(words[0]) is not None:
        return StepRequest(type="switch_tab", index=_int(words[0]))
    if verb == "press" and len(words) == 1:
        return StepRequest(type="press_key", key=words[0])
    if verb == "wait" and len(words) == 1 and _int(words[0]) is not None:
        return StepRequest(type="wait", value=words[0])
    if verb == "new" and words[:1] == ["tab"] and len(words) <= 2:
        url = normalize_url(words[1]) if len(words) == 2 else None
        return StepRequest(type="new_tab", url=url)
    if verb == "close" and words[:1] == ["tab"] and len(words) <= 2:
        index = _int(words[1]) if len(words) == 2 else None
        if len(words) == 2 and index is None:
            return StepRequest(type="command", cmd=line)
        return StepRequest(type="close_tab", index=index)

    return StepRequest(type="command", cmd=line)


KEYWORDS = [
    "goto ",
    "back",
    "forward",
    "reload",
    "scroll down",
    "scroll up",
    "tab ",
    "new tab ",
    "close tab",
    "press Enter",
    "press Escape",
    "press Tab",
    "wait ",
    "scrape",
]


def completions(ids: list[str]) -> list[str]:
    """What the command bar suggests while typing: ids first, then keywords."""
    return [*ids, *KEYWORDS]
