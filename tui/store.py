"""SQLite registry of every session stepdeck has seen and its step history.

One WAL database in the data dir (`locations.store_file()`), screenshots as
PNG files beside it (`locations.shots_dir()`). Each step is written in its own
transaction, so a process killed mid-step loses nothing that had finished.
API keys never reach this module: only sessions, steps and page data do.

The UI calls it from async workers through `asyncio.to_thread`; one
connection shared behind a lock keeps that safe.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from tui import locations
from tui.kinds import SessionStatus

if TYPE_CHECKING:  # the neutral model (pydantic) loads after the app's first frame
    from tui.model import ConsoleMessage, NetworkRequest, Session, StepResult
    from tui.stored import StoredStep

SCHEMA_VERSION = 2

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    provider TEXT NOT NULL,
    session_id TEXT NOT NULL,
    label TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_step_at TEXT,
    closed_at TEXT,
    url TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL DEFAULT '',
    steps INTEGER NOT NULL DEFAULT 0,
    viewer_url TEXT,
    replay_url TEXT,
    error TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (provider, session_id)
);
CREATE TABLE IF NOT EXISTS steps (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    provider TEXT NOT NULL,
    session_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    request TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    success INTEGER NOT NULL,
    message TEXT NOT NULL DEFAULT '',
    started_at TEXT NOT NULL,
    ended_at TEXT NOT NULL,
    duration_ms REAL NOT NULL DEFAULT 0,
    url TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL DEFAULT '',
    markdown TEXT,
    actions TEXT,
    metadata TEXT,
    data TEXT,
    screenshot_path TEXT,
    console TEXT,
    network TEXT,
    substeps TEXT
);
CREATE INDEX IF NOT EXISTS steps_by_session ON steps (provider, session_id, seq);
"""


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat()


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _safe_name(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text)[:80] or "_"


def _private_dir(path: Path) -> Path:
    """A folder only its owner can read (0700), with the data dir above it private too."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    data = locations.data_dir()
    chain = [path]
    if path.is_relative_to(data):
        chain = [data / p for p in reversed(path.relative_to(data).parents)] + [path]
    for folder in chain:
        with contextlib.suppress(OSError):
            os.chmod(folder, 0o700)
    return path


class Store:
    """Sessions and steps from every provider, in one SQLite file (WAL)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path is not None else locations.store_file()
        _private_dir(self.path.parent)
        # SQLite gives its WAL and shm files the database file's mode: create it private.
        os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
        with contextlib.suppress(OSError):
            os.chmod(self.path, 0o600)
        # Screenshots live beside the database, whichever database that is.
        self.shots_dir = locations.shots_dir() if path is None else self.path.parent / "shots"
        self._lock = threading.RLock()
        self._db = sqlite3.connect(
            self.path, check_same_thread=False, isolation_level=None, timeout=10.0
        )
        self._db.row_factory = sqlite3.Row
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL mode survives a process kill (only power loss can drop the
            # last commits), and costs far less than FULL per step.
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA busy_timeout=10000")
            self._db.executescript(_SCHEMA)
            columns = {r[1] for r in self._db.execute("PRAGMA table_info(sessions)")}
            if "start_url" not in columns:  # a version-1 store: one column more, same data
                self._db.execute(
                    "ALTER TABLE sessions ADD COLUMN start_url TEXT NOT NULL DEFAULT ''"
                )
            steps_columns = {r[1] for r in self._db.execute("PRAGMA table_info(steps)")}
            if "substeps" not in steps_columns:  # the actions a command resolved to (replay)
                self._db.execute("ALTER TABLE steps ADD COLUMN substeps TEXT")
            self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        self._closed = False

    # -- lifecycle ------------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- sessions -------------------------------------------------------------

    def record_session(self, session: Session) -> None:
        """Insert or update a session (any provider). Keeps the larger step count."""
        now = _iso(datetime.now(UTC))
        with self._lock:
            self._db.execute(
                """
                INSERT INTO sessions (provider, session_id, label, status, created_at,
                    closed_at, url, title, steps, viewer_url, replay_url, error, updated_at,
                    start_url)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (provider, session_id) DO UPDATE SET
                    start_url = CASE WHEN start_url = '' THEN excluded.start_url
                        ELSE start_url END,
                    label = CASE WHEN excluded.label != '' THEN excluded.label ELSE label END,
                    status = excluded.status,
                    closed_at = COALESCE(excluded.closed_at, closed_at),
                    url = CASE WHEN excluded.url != '' THEN excluded.url ELSE url END,
                    title = CASE WHEN excluded.title != '' THEN excluded.title ELSE title END,
                    steps = MAX(steps, excluded.steps),
                    viewer_url = COALESCE(excluded.viewer_url, viewer_url),
                    replay_url = COALESCE(excluded.replay_url, replay_url),
                    error = excluded.error,
                    updated_at = excluded.updated_at
                """,
                (
                    session.provider,
                    session.id,
                    session.label,
                    str(session.status),
                    _iso(session.created_at),
                    _iso(session.closed_at),
                    session.url,
                    session.title,
                    session.steps,
                    session.viewer_url,
                    session.replay_url,
                    session.error,
                    now,
                    session.start_url,
                ),
            )

    def mark_status(
        self, provider: str, session_id: str, status: SessionStatus, error: str | None = None
    ) -> None:
        """Change a stored session's status (e.g. ENDED when its provider forgot it)."""
        closed = _iso(datetime.now(UTC)) if not status.is_live else None
        with self._lock:
            self._db.execute(
                "UPDATE sessions SET status = ?, error = COALESCE(?, error),"
                " closed_at = COALESCE(closed_at, ?), updated_at = ?"
                " WHERE provider = ? AND session_id = ?",
                (str(status), error, closed, _iso(datetime.now(UTC)), provider, session_id),
            )

    def sessions(self, provider: str | None = None) -> list[Session]:
        """Every stored session, newest first."""
        sql = "SELECT * FROM sessions"
        args: tuple = ()
        if provider is not None:
            sql += " WHERE provider = ?"
            args = (provider,)
        sql += " ORDER BY COALESCE(last_step_at, created_at) DESC"
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        return [self._session(row) for row in rows]

    def session(self, provider: str, session_id: str) -> Session | None:
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM sessions WHERE provider = ? AND session_id = ?",
                (provider, session_id),
            ).fetchone()
        return self._session(row) if row else None

    @staticmethod
    def _session(row: sqlite3.Row) -> Session:
        from tui.model import Session

        created = _dt(row["created_at"]) or datetime.now(UTC)
        return Session(
            id=row["session_id"],
            provider=row["provider"],
            label=row["label"],
            status=SessionStatus(row["status"]),
            created_at=created,
            last_accessed_at=_dt(row["last_step_at"]) or created,
            closed_at=_dt(row["closed_at"]),
            url=row["url"],
            title=row["title"],
            steps=row["steps"],
            viewer_url=row["viewer_url"],
            replay_url=row["replay_url"],
            error=row["error"],
            start_url=row["start_url"] or "",
        )

    # -- steps ----------------------------------------------------------------

    def record_step(
        self,
        provider: str,
        session_id: str,
        result: StepResult,
        *,
        console: list[ConsoleMessage] | None = None,
        network: list[NetworkRequest] | None = None,
    ) -> StoredStep:
        """Save one finished step (and its screenshot) in one transaction.

        The console messages and requests of the step come from `result.console` and
        `result.network` unless given here.

        The screenshot file is written first; the row that names it commits
        after, so a row never points at a file that was not finished.
        """
        from tui.stored import stored_step

        obs = result.observation
        meta = obs.metadata if obs else None
        # The step's own logs: given here, or reported by the provider with the step (an empty
        # list then still means "nothing happened", kept as [] rather than NULL).
        own = (
            console is not None
            or network is not None
            or bool({"console", "network"} & result.model_fields_set)
        )
        console = result.console if console is None else console
        network = result.network if network is None else network
        with self._lock:
            # Take the write lock first: another process (the server) may share this store.
            self._db.execute("BEGIN IMMEDIATE")
            try:
                seq = self._next_seq(provider, session_id)
                shot_path: Path | None = None
                if obs is not None and obs.screenshot:
                    folder = _private_dir(
                        self.shots_dir / _safe_name(provider) / _safe_name(session_id)
                    )
                    shot_path = folder / f"{seq:05d}.png"
                    tmp = shot_path.with_suffix(".png.part")
                    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                    with os.fdopen(fd, "wb") as f:
                        f.write(obs.screenshot)
                    tmp.replace(shot_path)
                row = (
                    provider,
                    session_id,
                    seq,
                    result.request.model_dump_json(exclude_defaults=True),
                    result.request.describe(),
                    str(result.status),
                    int(result.success),
                    result.message,
                    _iso(result.started_at),
                    _iso(result.ended_at),
                    result.duration_ms,
                    meta.url if meta else "",
                    meta.title if meta else "",
                    obs.markdown if obs else None,
                    json.dumps(
                        [a.model_dump(mode="json", exclude_defaults=True) for a in obs.actions]
                    )
                    if obs
                    else None,
                    meta.model_dump_json() if meta else None,
                    json.dumps(result.data, default=str) if result.data is not None else None,
                    str(shot_path) if shot_path else None,
                    json.dumps([c.model_dump(mode="json") for c in console])
                    if console or own
                    else None,
                    json.dumps([n.model_dump(mode="json") for n in network])
                    if network or own
                    else None,
                    json.dumps([e.model_dump(mode="json") for e in result.steps])
                    if result.steps
                    else None,
                )
                self._db.execute(
                    """
                    INSERT INTO steps (provider, session_id, seq, request, description, status,
                        success, message, started_at, ended_at, duration_ms, url, title,
                        markdown, actions, metadata, data, screenshot_path, console, network,
                        substeps)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    row,
                )
                # A step for a session the store has not seen yet still lists it.
                self._db.execute(
                    """
                    INSERT INTO sessions (provider, session_id, status, created_at,
                        updated_at) VALUES (?, ?, 'active', ?, ?)
                    ON CONFLICT (provider, session_id) DO NOTHING
                    """,
                    (provider, session_id, _iso(result.started_at), _iso(result.ended_at)),
                )
                self._db.execute(
                    """
                    UPDATE sessions SET last_step_at = ?, steps = MAX(steps, ?),
                        url = CASE WHEN ? != '' THEN ? ELSE url END,
                        title = CASE WHEN ? != '' THEN ? ELSE title END,
                        updated_at = ?
                    WHERE provider = ? AND session_id = ?
                    """,
                    (
                        _iso(result.ended_at),
                        seq,
                        row[11],
                        row[11],
                        row[12],
                        row[12],
                        _iso(result.ended_at),
                        provider,
                        session_id,
                    ),
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return stored_step(dict(zip(_STEP_COLUMNS, row, strict=True)))

    def _next_seq(self, provider: str, session_id: str) -> int:
        value = self._db.execute(
            "SELECT COALESCE(MAX(seq), 0) FROM steps WHERE provider = ? AND session_id = ?",
            (provider, session_id),
        ).fetchone()[0]
        return int(value) + 1

    def steps(self, provider: str, session_id: str) -> list[StoredStep]:
        """A session's steps in the order they ran."""
        from tui.stored import stored_step

        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM steps WHERE provider = ? AND session_id = ? ORDER BY seq",
                (provider, session_id),
            ).fetchall()
        return [stored_step(dict(row)) for row in rows]


_STEP_COLUMNS = (
    "provider",
    "session_id",
    "seq",
    "request",
    "description",
    "status",
    "success",
    "message",
    "started_at",
    "ended_at",
    "duration_ms",
    "url",
    "title",
    "markdown",
    "actions",
    "metadata",
    "data",
    "screenshot_path",
    "console",
    "network",
    "substeps",
)

__all__ = ["Store"]
