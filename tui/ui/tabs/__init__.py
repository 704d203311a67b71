"""The tabs of the main area, one module each.

To add a tab, write a `SessionTab` subclass in its own module and append it to
`TABS`: the app composes one pane per class and calls `show(view)` whenever
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

TABS: list[type[SessionTab]] = [PageTab, ActionsTab, ShotTab, LogTab]
TABS += [TimelineTab, ConsoleTab, NetworkTab, BrowserTabsTab, RawTab]  # debugging (issue 7)

__all__ = ["TABS", "ActionsTab", "LogTab", "PageTab", "SessionTab", "ShotTab"]
