"""Playwright traces of embedded-engine sessions, when recording is on.

A traced session records every Playwright action with before/after DOM
snapshots, screenshots and console into `<data dir>/traces/<session id>.zip`,
written when the session closes. `playwright show-trace FILE` opens it; an
export of the session carries it as `trace.zip`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

from playwright.async_api import BrowserContext
from playwright.async_api import Error as PlaywrightError

from tui import locations
from tui.engine.masking import scrub

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


async def stop(
    context: BrowserContext, path: Path, secrets: set[str] | frozenset[str] = frozenset()
) -> Path | None:
    """Write the trace to `path` (whole or not at all), `secrets` masked; None if it failed."""
    locations.ensure(path.parent)
    part = path.with_suffix(".zip.part")
    try:
        await context.tracing.stop(path=part)
        if secrets:
            await asyncio.to_thread(scrub_zip, part, secrets)
    except (PlaywrightError, OSError, zipfile.BadZipFile) as exc:
        log.warning("the trace of %s was not written: %s", path.stem, exc)
        with contextlib.suppress(OSError):
            part.unlink()
        return None
    part.replace(path)
    return path


def scrub_zip(path: Path, secrets: set[str] | frozenset[str]) -> None:
    """Mask every known secret (typed passwords) in the trace's text entries, in place.

    Playwright records what was typed (`Fill "..."`) and the DOM it saw; a password
    typed in a session is masked there as everywhere else.
    """
    out = path.with_suffix(".scrub")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                dst.writestr(info, data)  # images and other binaries
                continue
            dst.writestr(info, scrub(text, secrets).encode("utf-8"))
    out.replace(path)


@contextlib.asynccontextmanager
async def step_group(context: BrowserContext, name: str, traced: bool) -> AsyncIterator[None]:
    """A named group around one step's actions in a traced session's trace."""
    opened = False
    if traced:
        with contextlib.suppress(PlaywrightError):
            await context.tracing.group(name)
            opened = True
    try:
        yield
    finally:
        if opened:
            with contextlib.suppress(PlaywrightError):
                await context.tracing.group_end()


__all__ = ["scrub_zip", "start", "step_group", "stop", "trace_file"]
