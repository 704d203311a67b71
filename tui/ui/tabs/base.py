"""What every tab of the main area implements."""

from __future__ import annotations

from typing import ClassVar

from textual.containers import Vertical
from textual.widgets import TabbedContent, TabPane

from tui.ui.state import SessionView


class SessionTab(Vertical):
    """A pane showing one aspect of the selected session.

    Subclasses implement `draw(view)`. `show(view)` only draws when the pane is
    on screen; a hidden pane draws when it is next shown, so a step costs only
    the visible tab's redraw.
    """

    TITLE: ClassVar[str] = ""
    TAB_ID: ClassVar[str] = ""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.view: SessionView | None = None
        self._stale = False

    @property
    def on_screen(self) -> bool:
        tabbed = next((a for a in self.ancestors if isinstance(a, TabbedContent)), None)
        pane = self.parent
        return tabbed is None or (isinstance(pane, TabPane) and tabbed.active == pane.id)

    def show(self, view: SessionView | None) -> None:
        """Render this session (None: nothing selected), now or when next shown."""
        self.view = view
        self._stale = True
        if self.on_screen:
            self._stale = False
            self.draw(view)

    def on_show(self) -> None:
        if self._stale:
            self._stale = False
            self.draw(self.view)

    def missing(self, view: SessionView | None, capability: str) -> str | None:
        """Why the session's provider lacks `capability` (None when it has it)."""
        provider = getattr(self.app, "providers", {}).get(view.provider) if view else None
        caps = getattr(provider, "capabilities", None)
        if caps is None or getattr(caps, capability, True):
            return None
        return caps.reason(capability)

    def draw(self, view: SessionView | None) -> None:
        """Render the session into this pane (tabs that override `show` may skip this)."""
