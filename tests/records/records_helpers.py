"""The recorded demo-shop session the records tests share (see conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

# What the recorded session did, step by step (1-based, as the Timeline numbers them).
BASELINE, FILLED, SEARCHED, OPENED, ADDED, NOTHING = range(1, 7)


@dataclass
class Recorded:
    """Where the recorded session lives: its STEPDECK_HOME, id and the demo it ran on."""

    home: Path
    session_id: str
    origin: str  # the demo process it ran on (stopped now)
    urls: list[str] = field(default_factory=list)  # the page after each step
    final_url: str = ""


def _id(observation, description: str, prefix: str = "") -> str:
    return next(
        a.id
        for a in observation.actions
        if a.description == description and a.id.startswith(prefix)
    )


async def record_session(home: Path) -> Recorded:
    from tui.demo.server import DemoServer
    from tui.model import CreateSession, StepRequest
    from tui.providers.local import LocalProvider
    from tui.records.recording import RecordingProvider
    from tui.store import Store

    with DemoServer(port=0) as demo, Store() as store:
        provider = RecordingProvider(
            LocalProvider(nav_timeout_ms=10_000, action_timeout_ms=3_000), store
        )
        await provider.start()
        try:
            session = await provider.create_session(CreateSession(url=demo.url("/shop")))
            page = await provider.observe(session.id, screenshot=False)
            steps = [
                StepRequest(type="scroll_up"),
                StepRequest(id=_id(page, "Search products"), value="kindle"),
                StepRequest(type="press_key", key="Enter"),
                StepRequest(type="command", cmd="open Kindle Paperwhite"),
                StepRequest(type="command", cmd="add to cart"),
                StepRequest(type="scroll_up"),
            ]
            recorded = Recorded(home=home, session_id=session.id, origin=demo.base_url)
            for request in steps:
                result = await provider.step(session.id, request)
                assert result.success, result.message
                recorded.urls.append(result.observation.metadata.url)
            recorded.final_url = recorded.urls[-1]
        finally:
            await provider.aclose()
    return recorded
