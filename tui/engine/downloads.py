"""A session's downloads: kept in its own folder, and told to the step that started them.

Chromium turns some navigations into downloads (`Content-Disposition: attachment`,
a type it cannot show, `<a download>`): no new document ever commits. Playwright
saves each into a temporary folder that goes with the context; `Downloads` copies
every one into the session's folder under the data dir (`downloads/<session id>/`),
under the name the server suggested (made safe, never overwriting), and a step
reports what it downloaded instead of waiting for a page.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from playwright.async_api import Download
from playwright.async_api import Error as PlaywrightError

MAX_KEPT = 50  # files one session keeps: a page that downloads in a loop cannot fill the disk
UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]")


@dataclass
class Kept:
    """One download: its safe name, and once it ended, where it was kept and its size."""

    name: str
    path: Path | None = None
    size: int | None = None
    note: str = ""  # why it was not kept
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def describe(self) -> str:
        """What a step says about it."""
        if not self.done.is_set():
            where = f"; it will be kept as {self.path}" if self.path else ""
            return f"downloading {self.name}: not finished yet{where}"
        if self.path is None or self.size is None:
            return f"download of {self.name} not kept: {self.note or 'it failed'}"
        return f"downloaded {self.name} ({size_text(self.size)}), kept as {self.path}"


def size_text(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    if n < 1024 * 1024:
        return f"{round(n / 1024)} KB"
    if n < 1024**3:
        return f"{n / 1024 / 1024:.1f} MB"
    return f"{n / 1024**3:.1f} GB"


def safe_name(suggested: str) -> str:
    """A file name from what the server suggested: no folders, no control characters."""
    name = UNSAFE.sub("_", suggested).strip().lstrip(".")[:200]
    return name or "download"


def free_path(folder: Path, name: str) -> Path:
    """`folder/name`, or `name (1)`, `name (2)`... if that file exists already."""
    path = folder / name
    stem, suffix = path.stem, path.suffix
    n = 1
    while path.exists():
        path = folder / f"{stem} ({n}){suffix}"
        n += 1
    return path


class Downloads:
    """The downloads of one session, in order; each kept in `folder` (if it has one)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.count = 0  # downloads ever started (the deque forgets the oldest)
        self.recent: deque[Kept] = deque(maxlen=MAX_KEPT)
        self._kept = 0
        self._waiters: list[asyncio.Future[None]] = []
        self._tasks: set[asyncio.Task[None]] = set()

    def mark(self) -> int:
        """Where the downloads stand now (see `since`)."""
        return self.count

    def since(self, mark: int) -> list[Kept]:
        """The downloads that started after `mark`."""
        new = min(self.count - mark, len(self.recent))
        return list(self.recent)[len(self.recent) - new :] if new > 0 else []

    def waiter(self) -> asyncio.Future[None]:
        """A future resolved by the next download."""
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(fut)
        return fut

    def drop_waiter(self, fut: asyncio.Future[None]) -> None:
        with contextlib.suppress(ValueError):
            self._waiters.remove(fut)

    def started(self, download: Download) -> Kept:
        """A download began (Playwright's `download` event): keep it, wake who waits."""
        entry = Kept(safe_name(download.suggested_filename))
        self.count += 1
        self.recent.append(entry)
        if self.folder is None:
            entry.note = "this session has no download folder"
            entry.done.set()
        elif self._kept >= MAX_KEPT:
            entry.note = f"this session kept {MAX_KEPT} files already"
            entry.done.set()
            self._spawn(self._cancel(download))
        else:
            self._kept += 1
            self.folder.mkdir(parents=True, exist_ok=True)
            entry.path = free_path(self.folder, entry.name)
            entry.path.touch()  # claimed: a second download of the same name takes another
            self._spawn(self._keep(download, entry))
        for fut in self._waiters:
            if not fut.done():
                fut.set_result(None)
        return entry

    def _spawn(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _keep(self, download: Download, entry: Kept) -> None:
        assert entry.path is not None
        try:
            # Waits for the download's end; safe while it is still arriving.
            await download.save_as(entry.path)
            entry.size = entry.path.stat().st_size
        except (PlaywrightError, OSError) as exc:
            failure = None
            with contextlib.suppress(PlaywrightError):
                failure = await download.failure()
            entry.note = failure or str(exc).splitlines()[0]
            with contextlib.suppress(OSError):
                entry.path.unlink()
            entry.path = None
        finally:
            entry.done.set()

    async def _cancel(self, download: Download) -> None:
        with contextlib.suppress(PlaywrightError):
            await download.cancel()
