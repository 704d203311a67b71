"""One step as the store keeps it (`StoredStep`): what time travel, the timeline, replay
and export read back.

Apart from `tui.store` because it is a model of the neutral model's types, and the store
opens before the app's first frame while pydantic loads after it (issue 15): the store
imports this module when it reads or writes a step.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from tui.model import (
    Action,
    ConsoleMessage,
    LogEntry,
    NetworkRequest,
    Observation,
    PageMeta,
    StepRequest,
    StepStatus,
)


class StoredStep(BaseModel):
    """One step as the store kept it: enough to show it again (time travel)."""

    # its validator is built on first use, not at import (issue 15: the app's first frame)
    model_config = ConfigDict(extra="ignore", defer_build=True)

    seq: int
    provider: str
    session_id: str
    request: StepRequest
    description: str = ""
    status: StepStatus = StepStatus.DONE
    success: bool = True
    message: str = ""
    started_at: datetime
    ended_at: datetime
    duration_ms: float = 0.0
    url: str = ""
    title: str = ""
    markdown: str | None = None
    actions: list[Action] = Field(default_factory=list)
    metadata: PageMeta | None = None
    data: Any = None
    screenshot_path: Path | None = None
    console: list[ConsoleMessage] = Field(default_factory=list)
    network: list[NetworkRequest] = Field(default_factory=list)
    # What a command did, action by action (the agent's sub-steps): replay runs these.
    substeps: list[LogEntry] = Field(default_factory=list)
    # The console and network above are this step's own (its provider reported them with
    # the step), not to be guessed from the session's logs by time.
    logs: bool = False

    def screenshot(self) -> bytes | None:
        """The PNG saved with this step, if it is still on disk."""
        if self.screenshot_path and self.screenshot_path.exists():
            return self.screenshot_path.read_bytes()
        return None

    def observation(self) -> Observation | None:
        """The observation as it was after this step (screenshot included)."""
        if self.metadata is None and self.markdown is None:
            return None
        return Observation(
            metadata=self.metadata or PageMeta(url=self.url, title=self.title),
            actions=self.actions,
            markdown=self.markdown or "",
            screenshot=self.screenshot(),
        )


def stored_step(row: dict[str, Any]) -> StoredStep:
    """A row of the store's `steps` table (a dict by column name) as a StoredStep."""

    def load(key: str) -> Any:
        value = row.get(key)
        return json.loads(value) if value else None

    return StoredStep(
        seq=row["seq"],
        provider=row["provider"],
        session_id=row["session_id"],
        request=StepRequest.model_validate_json(row["request"]),
        description=row["description"],
        status=StepStatus(row["status"]),
        success=bool(row["success"]),
        message=row["message"],
        started_at=datetime.fromisoformat(row["started_at"]),
        ended_at=datetime.fromisoformat(row["ended_at"]),
        duration_ms=row["duration_ms"],
        url=row["url"],
        title=row["title"],
        markdown=row["markdown"],
        actions=load("actions") or [],
        metadata=PageMeta.model_validate_json(row["metadata"]) if row["metadata"] else None,
        data=load("data"),
        screenshot_path=Path(row["screenshot_path"]) if row["screenshot_path"] else None,
        console=load("console") or [],
        network=load("network") or [],
        substeps=load("substeps") or [],
        logs=row.get("console") is not None or row.get("network") is not None,
    )
