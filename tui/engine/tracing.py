"""Playwright traces of embedded-engine sessions, when recording is on.

A traced session records every Playwright action with before/after DOM
snapshots, screenshots and console into `<data dir>/traces/<session id>.zip`,
written when the session closes. `playwright show-trace FILE` opens it; an
export of the session carries it as `trace.zip`.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path

from playwright.async_api import BrowserContext
from playwright.async_api import Error as PlaywrightError

from tui import locations

log = logging.getLogger("stepdeck.engine.tracing")


def trace_file(session_id: str) -> Path:
    """Where the trace of session `session_id` is (or will be) written."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in session_id)
    return locations.traces_dir() / f"{safe}.zip"


async def start(context: BrowserContext, session_id: str, title: str = "") -> Path | None:
    """Start recording `context`; the path its trace will be written to (None: could not)."""
    try:
        await context.tracing.start(
            name=session_id,
            title=title or f"stepdeck session {session_id}",
            screenshots=True,
            snapshots=True,
        )
    except PlaywrightError as exc:  # a remote browser may refuse: the session still works
        log.warning("no trace for session %s: %s", session_id, exc)
        return None
    return trace_file(session_id)


async def stop(context: BrowserContext, path: Path) -> Path | None:
    """Write the trace to `path` (whole or not at all); None when it could not be written."""
    locations.ensure(path.parent)
    part = path.with_suffix(".zip.part")
    try:
        await context.tracing.stop(path=part)
    except PlaywrightError as exc:
        log.warning("the trace of %s was not written: %s", path.stem, exc)
        with contextlib.suppress(OSError):
            part.unlink()
        return None
    part.replace(path)
    return path


__all__ = ["start", "stop", "trace_file"]
