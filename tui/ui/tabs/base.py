"""What every tab of the main area implements."""

from __future__ import annotations

from typing import ClassVar

from textual.containers import Vertical

from tui.ui.state import SessionView


class SessionTab(Vertical):
    """A pane showing one aspect of the selected session."""

    TITLE: ClassVar[str] = ""
    TAB_ID: ClassVar[str] = ""

    def show(self, view: SessionView | None) -> None:
        """Render this session (None: nothing selected). Must be cheap or lazy."""
        raise NotImplementedError
