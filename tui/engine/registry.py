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

from dataclasses import dataclass, field

from tui.model import BROWSER_ACTIONS, BrowserAction, Param


@dataclass(frozen=True)
class ActionSpec:
    """One action: what it is called, what it takes, what it does, how it is typed."""

    name: str
    description: str
    params: tuple[Param, ...] = ()
    typed: tuple[str, ...] = ()  # command-bar forms, e.g. ("goto URL", "open URL")
    element: bool = False  # acts on an element id (B3, I1) from the action space
    in_space: bool = True  # listed among an observation's browser actions
    wire: BrowserAction | None = field(default=None, compare=False)


# How a person types each browser action in the command bar (tui/ui/parse.py).
_TYPED: dict[str, tuple[str, ...]] = {
    "goto": ("goto URL", "navigate URL", "open URL", "go URL"),
    "back": ("back",),
    "forward": ("forward",),
    "reload": ("reload",),
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

ELEMENT_ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec(
        "auto",
        "Click the element, or type the value into it (select an option of a select)",
        (Param(name="value"),),
        ("ID", "ID VALUE", "ID VALUE --enter"),
        element=True,
        in_space=False,
    ),
    ActionSpec("click", "Click the element", (), ("click ID",), element=True, in_space=False),
    ActionSpec(
        "fill",
        "Type a value into an input",
        (Param(name="value"),),
        ("fill ID VALUE",),
        element=True,
        in_space=False,
    ),
    ActionSpec(
        "select",
        "Pick an option of a select",
        (Param(name="value"),),
        ("select ID OPTION",),
        element=True,
        in_space=False,
    ),
    ActionSpec("check", "Tick a checkbox, radio or switch", (), ("check ID",), True, False),
    ActionSpec("uncheck", "Untick a checkbox or switch", (), ("uncheck ID",), True, False),
)

BROWSER: tuple[ActionSpec, ...] = (
    *(
        ActionSpec(a.name, a.description, tuple(a.params), _TYPED.get(a.name, (a.name,)), wire=a)
        for a in BROWSER_ACTIONS
    ),
    ActionSpec(
        "click_xy",
        "Click a point of the page (pixels from the top-left of the view)",
        (Param(name="x", type="float"), Param(name="y", type="float")),
        (),
        in_space=False,
    ),
)

ACTIONS: dict[str, ActionSpec] = {a.name: a for a in (*ELEMENT_ACTIONS, *BROWSER)}
BROWSER_NAMES: frozenset[str] = frozenset(a.name for a in BROWSER)
ELEMENT_NAMES: frozenset[str] = frozenset(a.name for a in ELEMENT_ACTIONS)


def spec(name: str) -> ActionSpec | None:
    """The action called `name`, or None."""
    return ACTIONS.get(name)


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
