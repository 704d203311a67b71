"""The one registry of actions: name, params, description, and how a person types it.

The parser (the command bar), the model prompt, replay, the dialects and the engine
read this table instead of keeping lists of their own. Browser actions are the ones
every page has (`BROWSER_ACTIONS` of the neutral model, listed in each observation's
space); element actions act on an id from the page's action space; `click_xy` is a
point on the page (clicking the screenshot), never listed in a space.

The engine's handlers (`tui.engine.actions`) cover exactly these names: adding an
action here without a handler fails at import.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from tui.model import BROWSER_ACTIONS, BrowserAction, Param

# Built without validation (these literals are right): a validator built at import costs
# the app's first frame (issue 15), as in tui.model.
_param = Param.model_construct


@dataclass(frozen=True)
class ActionSpec:
    """One action: what it is called, what it takes, what it does, how it is typed."""

    name: str
    description: str
    params: tuple[Param, ...] = ()
    # Command-bar forms (tui/ui/parse.py reads them): words, then placeholders in capitals
    # (ID, VALUE, URL, ADDRESS, KEY, N, MS), `[X]` when optional. None: not typed.
    typed: tuple[str, ...] = ()
    element: bool = False  # acts on an element id (B3, I1) from the action space
    in_space: bool = True  # listed among an observation's browser actions
    wire: BrowserAction | None = field(default=None, compare=False)
    arg: str | None = None  # the StepRequest field that carries its one argument
    replay: bool = True  # a recorded step of this kind is repeated by replay
    stays: bool = False  # never leaves the page it acts on (no navigation)
    model: bool = True  # offered to the model loop (engine/agent/model_loop.py)
    needs: bool = False  # its argument must be given


# How a person types each browser action in the command bar (tui/ui/parse.py).
_TYPED: dict[str, tuple[str, ...]] = {
    "goto": ("goto URL", "navigate URL", "open ADDRESS", "go ADDRESS"),
    "back": ("back",),
    "forward": ("forward",),
    "reload": ("reload", "refresh"),
    "scroll_down": ("scroll down", "scroll"),
    "scroll_up": ("scroll up",),
    "press_key": ("press KEY",),
    "new_tab": ("new tab [URL]",),
    "switch_tab": ("tab N",),
    "close_tab": ("close tab [N]",),
    "wait": ("wait MS",),
    "scrape": ("scrape",),
    "done": ("done",),
}
# Which StepRequest field carries a browser action's one argument.
_ARG = {
    "goto": "url",
    "new_tab": "url",
    "press_key": "key",
    "switch_tab": "index",
    "close_tab": "index",
    "wait": "value",
    "done": "value",
}
_NEEDS = {"goto", "switch_tab"}
_STAYS = {"scroll_down", "scroll_up", "wait", "scrape", "done"}
_NOT_REPLAYED = {"scrape", "done"}  # a recording repeats what changed the page, nothing else
# What the model loop's answers call a parameter where the neutral model has none.
_MODEL_PARAMS = {
    "press_key": (_param(name="key", default="Enter"),),
    "done": (_param(name="message"),),
}

ELEMENT_ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec(
        "auto",
        "Click the element, or type the value into it (select an option of a select)",
        (_param(name="value"),),
        ("ID", "ID VALUE", "ID VALUE --enter"),
        element=True,
        in_space=False,
        arg="value",
        model=False,  # the model names what it does: click, fill, select
    ),
    ActionSpec("click", "Click the element", (), ("click ID",), element=True, in_space=False),
    ActionSpec(
        "fill",
        "Type a value into an input",
        (_param(name="value"),),
        ("fill ID VALUE", "type ID VALUE"),
        element=True,
        in_space=False,
        arg="value",
        stays=True,
        needs=True,
    ),
    ActionSpec(
        "select",
        "Pick an option of a select",
        (_param(name="value"),),
        ("select ID OPTION",),
        element=True,
        in_space=False,
        arg="value",
        stays=True,
        needs=True,
    ),
    ActionSpec(
        "check",
        "Tick a checkbox, radio or switch",
        (),
        ("check ID",),
        element=True,
        in_space=False,
        stays=True,
    ),
    ActionSpec(
        "uncheck",
        "Untick a checkbox or switch",
        (),
        ("uncheck ID",),
        element=True,
        in_space=False,
        stays=True,
    ),
)

BROWSER: tuple[ActionSpec, ...] = (
    *(
        ActionSpec(
            a.name,
            a.description,
            _MODEL_PARAMS.get(a.name, tuple(a.params)),
            _TYPED.get(a.name, (a.name,)),
            wire=a,
            arg=_ARG.get(a.name),
            replay=a.name not in _NOT_REPLAYED,
            stays=a.name in _STAYS,
            needs=a.name in _NEEDS,
        )
        for a in BROWSER_ACTIONS
    ),
    ActionSpec(
        "click_xy",
        "Click a point of the page (pixels from the top-left of the view)",
        (_param(name="x", type="float"), _param(name="y", type="float")),
        (),  # not typed: a person clicks the screenshot
        in_space=False,
        model=False,  # the model reads the page's text, not its pixels
    ),
)

ACTIONS: dict[str, ActionSpec] = {a.name: a for a in (*ELEMENT_ACTIONS, *BROWSER)}
BROWSER_NAMES: frozenset[str] = frozenset(a.name for a in BROWSER)
ELEMENT_NAMES: frozenset[str] = frozenset(a.name for a in ELEMENT_ACTIONS)
REPLAYABLE: frozenset[str] = frozenset(a.name for a in ACTIONS.values() if a.replay)
STAYS: frozenset[str] = frozenset(a.name for a in ACTIONS.values() if a.stays)


def spec(name: str) -> ActionSpec | None:
    """The action called `name`, or None."""
    return ACTIONS.get(name)


def browser_actions(names: set[str] | frozenset[str] | None = None) -> list[BrowserAction]:
    """The neutral model's browser actions (as an observation lists them), maybe only `names`."""
    return [
        a.wire
        for a in BROWSER
        if a.wire is not None and a.in_space and (names is None or a.name in names)
    ]


def prompt_lines() -> list[str]:
    """The actions as a model prompt lists them: `name(params): description`."""
    lines = []
    for a in ACTIONS.values():
        if a.name == "auto":
            continue
        args = ", ".join(p.name for p in a.params)
        target = "id" + (", " if args else "") if a.element else ""
        lines.append(f"{a.name}({target}{args}): {a.description}")
    return lines


_EXAMPLES = {
    "url": "https://...",
    "key": "Enter",
    "index": 1,
    "ms": 1000,
    "message": "what was achieved",
}


def model_answers() -> list[str]:
    """The JSON answers a model may give, one per action offered to it, with what each does."""
    lines = []
    for a in ACTIONS.values():
        if not a.model:
            continue
        answer: dict[str, object] = {"action": a.name}
        if a.element:
            answer["id"] = "I1" if a.arg else "B3"
        for p in a.params:
            answer[p.name] = _EXAMPLES.get(p.name, "text")
        if a.name == "fill":
            answer["enter"] = False
        lines.append(f"{json.dumps(answer)}  ({a.description})")
    return lines
