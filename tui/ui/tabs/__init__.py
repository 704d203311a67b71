"""The panes of the main screen, one module each.

`COCKPIT` are always on screen together at 120 columns (page | screenshot
above actions); `LOWER` are the tabs beside the cockpit, one key away. To add a
tab, write a `SessionTab` subclass in its own module and append it to `LOWER`:
the main screen composes one pane per class and calls `show(view)` whenever
the selected session changes or gets new data.
"""

from __future__ import annotations

from tui.ui.tabs.actions import ActionsTab
from tui.ui.tabs.base import SessionTab
from tui.ui.tabs.browser_tabs import BrowserTabsTab
from tui.ui.tabs.console import ConsoleTab
from tui.ui.tabs.log import LogTab
from tui.ui.tabs.network import NetworkTab
from tui.ui.tabs.page import PageTab
from tui.ui.tabs.raw import RawTab
from tui.ui.tabs.shot import ShotTab
from tui.ui.tabs.timeline import TimelineTab

COCKPIT: list[type[SessionTab]] = [PageTab, ShotTab, ActionsTab]
LOWER: list[type[SessionTab]] = [LogTab, TimelineTab, ConsoleTab, NetworkTab, BrowserTabsTab]
LOWER += [RawTab]
TABS = COCKPIT + LOWER

__all__ = ["COCKPIT", "LOWER", "TABS", "ActionsTab", "LogTab", "PageTab", "SessionTab", "ShotTab"]
