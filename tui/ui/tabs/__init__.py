"""The panes of the main screen, one module each.

`COCKPIT` are always on screen together at 120 columns (page | screenshot
above actions); `LOWER` are the tabs beside the cockpit, one key away. To add a
tab, write a `SessionTab` subclass in its own module and append a `LowerTab`
naming it to `LOWER`: the main screen composes one pane per entry and calls
`show(view)` whenever the selected session changes or gets new data.

The lower tabs are hidden until picked, so their modules (the Timeline's diff and
TextArea, the Console's and Network's filters) load just after the first frame:
`LOWER` names them without importing them (a test checks the names match).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from tui.ui.tabs.actions import ActionsTab
from tui.ui.tabs.base import SessionTab
from tui.ui.tabs.page import PageTab
from tui.ui.tabs.shot import ShotTab

COCKPIT: list[type[SessionTab]] = [PageTab, ShotTab, ActionsTab]


@dataclass(frozen=True)
class LowerTab:
    """A tab beside the cockpit, named without importing its module."""

    TAB_ID: str
    TITLE: str
    module: str  # in tui.ui.tabs
    name: str  # the SessionTab subclass

    def load(self) -> type[SessionTab]:
        return getattr(importlib.import_module(f"tui.ui.tabs.{self.module}"), self.name)


LOWER: list[LowerTab] = [
    LowerTab("tab-log", "Log", "log", "LogTab"),
    LowerTab("tab-timeline", "Timeline", "timeline", "TimelineTab"),
    LowerTab("tab-console", "Console", "console", "ConsoleTab"),
    LowerTab("tab-network", "Network", "network", "NetworkTab"),
    LowerTab("tab-tabs", "Tabs", "browser_tabs", "BrowserTabsTab"),
    LowerTab("tab-raw", "Raw", "raw", "RawTab"),
]

__all__ = ["COCKPIT", "LOWER", "ActionsTab", "LowerTab", "PageTab", "SessionTab", "ShotTab"]
