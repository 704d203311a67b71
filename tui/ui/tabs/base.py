"""What every pane of the main screen implements."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.containers import Vertical
from textual.widgets import TabbedContent, TabPane

from tui.ui.state import SessionView


def pane_active(widget) -> bool:
    """Whether `widget` is on show: every tab holding it active, nothing above it hidden."""
    node = widget
    while node is not None and node.parent is not None:
        if not node.display:
            return False
        if isinstance(node, TabPane):
            tabbed = next((a for a in node.ancestors if isinstance(a, TabbedContent)), None)
            if tabbed is not None and tabbed.active != node.id:
                return False
        node = node.parent
    return True


class SessionTab(Vertical):
    """A pane showing one aspect of the selected session.

    Given what it needs as attributes (`providers`, `store`, `image_class`) and
    posting what it wants done as messages (`tui.ui.messages`). Subclasses
    implement `draw(view)`. `show(view)` only draws when the pane is on screen; a
    hidden pane draws when it is next shown, so a step costs only what is visible.
    """

    TITLE: ClassVar[str] = ""
    TAB_ID: ClassVar[str] = ""
    ALLOW_MAXIMIZE = True

    def __init__(
        self,
        *,
        providers: dict | None = None,
        store: Any = None,
        image_class: type | None = None,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.providers: dict = providers if providers is not None else {}
        self.store = store
        self.image_class = image_class
        self.view: SessionView | None = None
        self._stale = False
        if self.TITLE:
            self.border_title = self.TITLE

    @property
    def on_screen(self) -> bool:
        return pane_active(self)

    def show(self, view: SessionView | None, force: bool = False) -> None:
        """Render this session (None: nothing selected), now or when next shown."""
        self.view = view
        self._stale = True
        if force or self.on_screen:
            self._stale = False
            self.draw(view)

    def on_show(self) -> None:
        if self._stale:
            self._stale = False
            self.draw(self.view)

    def capabilities(self, view: SessionView | None) -> Any:
        provider = self.providers.get(view.provider) if view else None
        return getattr(provider, "capabilities", None)

    def missing(self, view: SessionView | None, capability: str) -> str | None:
        """Why the session's provider lacks `capability` (None when it has it)."""
        caps = self.capabilities(view)
        if caps is None or getattr(caps, capability, True):
            return None
        return caps.reason(capability)

    def images_ready(self, image_class: type | None) -> None:
        """The screenshot renderer, loaded after the first frame (`stepdeck` defers it)."""
        self.image_class = image_class

    def draw(self, view: SessionView | None) -> None:
        """Render the session into this pane (tabs that override `show` may skip this)."""
