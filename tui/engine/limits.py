"""What the engine accepts: sizes and lengths that keep a session (and its store) sane.

Every entry point (the app, `stepdeck serve` in any dialect) creates sessions and
runs steps through the engine, so these checks answer bad input with a clear
422 wherever it comes from, before anything is opened or typed.
"""

from __future__ import annotations

import math

from tui.errors import InvalidRequest

VIEWPORT_MIN = 100
VIEWPORT_MAX = 8192
MAX_LABEL = 200  # characters of a session's label
MAX_VALUE = 65_536  # characters typed into one field (a 20 MB value drove a renderer to 3.5 GB)
MAX_URL = 8_192
MAX_COMMAND = 10_000


def check_viewport(width: float, height: float) -> tuple[int, int]:
    """A viewport size in pixels, or a refusal that says which sizes work."""
    for name, value in (("width", width), ("height", height)):
        if not isinstance(value, int | float) or not math.isfinite(value):
            raise InvalidRequest(
                f"The viewport {name} must be a number, not {value!r}",
                f"use {VIEWPORT_MIN} to {VIEWPORT_MAX} pixels, e.g. 1280x800",
            )
        if not VIEWPORT_MIN <= value <= VIEWPORT_MAX:
            raise InvalidRequest(
                f"The viewport {name} {value:g} is out of range",
                f"use {VIEWPORT_MIN} to {VIEWPORT_MAX} pixels, e.g. 1280x800",
            )
    return int(width), int(height)


def check_length(what: str, text: str | None, limit: int) -> None:
    """Refuse a text longer than `limit` characters."""
    if text is not None and len(text) > limit:
        raise InvalidRequest(
            f"The {what} is {len(text):,} characters long; at most {limit:,} are accepted",
            f"shorten the {what}",
        )
