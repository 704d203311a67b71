"""Notte's agents served by `stepdeck serve`: the embedded agent runs a task in a session.

Shapes are notte-sdk's (`ApiAgentStartRequest`, `AgentResponse`, `AgentStatusResponse`
in `notte_sdk._generated.models`; the 1.9 SDK's `Agent.run` posts `/agents/start` and
polls `/agents/{id}`). The task runs as one natural-language command (the engine's
agent, its model when configured) with `max_steps` actions at most; stop cancels it.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from tui.dialects.request_ids import asked_by_client
from tui.errors import SessionNotFound, StepdeckError
from tui.model import CreateSession, StepRequest, StepResult, utcnow


class AgentStartRequest(BaseModel):
    """`POST /agents/start` (the SDK's ApiAgentStartRequest)."""

    model_config = ConfigDict(extra="ignore")

    task: str = Field(min_length=1)
    url: str | None = None
    session_id: str | None = None
    max_steps: int = Field(default=20, ge=1, le=150)
    response_format: dict[str, Any] | None = None
    reasoning_model: str | None = None
    use_vision: bool | None = None
    session_offset: int | None = None
    vault_id: str | None = None
    persona_id: str | None = None


@dataclass
class _Run:
    agent_id: str
    session_id: str
    task: str
    url: str | None
    created_at: datetime = field(default_factory=utcnow)
    closed_at: datetime | None = None
    result: StepResult | None = None
    error: str | None = None
    worker: asyncio.Task | None = None

    def response(self) -> dict[str, Any]:
        return {
            "agent_id": self.agent_id,
            "created_at": self.created_at,
            "session_id": self.session_id,
            "status": "closed" if self.closed_at else "active",
            "closed_at": self.closed_at,
            "saved": False,
        }

    def status(self) -> dict[str, Any]:
        out = self.response() | {"task": self.task, "url": self.url}
        if self.closed_at is not None:
            result = self.result
            out["success"] = bool(result and result.success and self.error is None)
            out["answer"] = self.error or (result.message if result else "stopped")
            out["steps"] = [s.model_dump(mode="json") for s in (result.steps if result else [])]
        return out


def agent_routes(api: APIRouter, provider: Any) -> None:
    """`/agents/start`, `/agents/{id}`, `/agents/{id}/stop` and `/agents` on `api`."""
    runs: dict[str, _Run] = {}

    async def work(run: _Run, request: AgentStartRequest) -> None:
        try:
            if request.url:
                await provider.step(
                    run.session_id,
                    asked_by_client(StepRequest(type="goto", url=request.url, source="agent")),
                )
            run.result = await provider.step(
                run.session_id,
                asked_by_client(
                    StepRequest(
                        type="command",
                        cmd=request.task,
                        max_steps=request.max_steps,
                        source="agent",
                    )
                ),
            )
        except StepdeckError as exc:
            run.error = exc.message
        finally:
            run.closed_at = utcnow()

    def find(agent_id: str) -> _Run:
        run = runs.get(agent_id)
        if run is None:
            raise SessionNotFound(f"No agent {agent_id}", "start one with POST /agents/start")
        return run

    @api.post("/agents/start", tags=["agents"])
    async def start_agent(body: AgentStartRequest) -> dict[str, Any]:
        if body.session_id:
            session = await provider.get_session(body.session_id)
        else:
            session = await provider.create_session(CreateSession(label="agent"))
        run = _Run(uuid.uuid4().hex[:12], session.id, body.task, body.url)
        runs[run.agent_id] = run
        run.worker = asyncio.create_task(work(run, body))
        return run.response()

    @api.get("/agents/{agent_id}", tags=["agents"])
    async def agent_status(agent_id: str, session_id: str | None = Query(None)) -> dict[str, Any]:
        return find(agent_id).status()

    @api.delete("/agents/{agent_id}/stop", tags=["agents"])
    async def stop_agent(agent_id: str, session_id: str | None = Query(None)) -> dict[str, Any]:
        run = find(agent_id)
        if run.worker is not None and not run.worker.done():
            run.worker.cancel()
            run.error = run.error or "stopped before the task was done"
            run.closed_at = run.closed_at or utcnow()
        return run.response()

    @api.get("/agents", tags=["agents"])
    async def list_agents(
        page: int = Query(1, ge=1), page_size: int = Query(10, ge=1, le=100)
    ) -> dict[str, Any]:
        items = sorted(runs.values(), key=lambda r: r.created_at, reverse=True)
        start = (page - 1) * page_size
        return {
            "items": [r.response() for r in items[start : start + page_size]],
            "page": page,
            "page_size": page_size,
            "has_next": start + page_size < len(items),
            "has_previous": page > 1,
        }
