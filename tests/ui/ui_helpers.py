"""Small helpers shared by the app's tests."""

from __future__ import annotations

from tests.support import settle  # the one settle: re-exported for the app tests

HOSTILE_TITLE = "[bold red]Pwned[/] \x1b[31mred\x1b[0m"

__all__ = ["HOSTILE_TITLE", "settle"]
