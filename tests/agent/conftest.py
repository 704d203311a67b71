"""Fixtures for the agent: a session on the demo shop, and a scripted model server.

The model server is a real OpenAI-compatible HTTP server on 127.0.0.1 that
answers each chat-completions call from a script (strings, or functions of the
conversation), and records what it was sent.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import pytest_asyncio

from tui.engine.llm import LLMConfig
from tui.model import CreateSession, StepRequest, StepResult

Answer = str | Callable[[list[dict[str, str]]], str]


class ScriptedModel:
    """An OpenAI-compatible /v1/chat/completions server answering from a script."""

    def __init__(self) -> None:
        self.script: list[Answer] = []
        self.received: list[dict[str, Any]] = []
        self.auth: list[str | None] = []
        model = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                model.received.append(body)
                model.auth.append(self.headers.get("Authorization"))
                if self.path != "/v1/chat/completions":
                    return self._send(404, {"error": {"message": "not found"}})
                if not model.script:
                    return self._send(500, {"error": {"message": "script exhausted"}})
                answer = model.script.pop(0)
                content = answer(body["messages"]) if callable(answer) else answer
                return self._send(
                    200,
                    {
                        "id": f"chatcmpl-{len(model.received)}",
                        "object": "chat.completion",
                        "model": body.get("model"),
                        "choices": [
                            {
                                "index": 0,
                                "message": {"role": "assistant", "content": content},
                                "finish_reason": "stop",
                            }
                        ],
                        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
                    },
                )

            def _send(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.config = LLMConfig(self.base, model="scripted-1", api_key="test-key")
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def element_id(messages: list[dict[str, str]], description: str, kinds: str = "LBIFOM") -> str:
    """The id the last page description gives an element (what a model would read)."""
    page = next(m["content"] for m in reversed(messages) if "Elements:" in m["content"])
    m = re.search(rf"^([{kinds}]\d+): {re.escape(description)}", page, re.M)
    assert m, f"{description!r} not in the page shown to the model"
    return m.group(1)


@pytest.fixture
def scripted_model() -> Iterator[ScriptedModel]:
    server = ScriptedModel()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def no_model(request) -> None:
    """The shared provider uses the rules, unless a test asks for the scripted model."""
    if "agent_provider" not in request.fixturenames:
        return
    provider = request.getfixturevalue("agent_provider")
    wanted = "scripted_model" in request.fixturenames
    provider.llm = request.getfixturevalue("scripted_model").config if wanted else None


class Shop:
    """One local session on the demo site, stepped by commands."""

    def __init__(self, provider: Any, session_id: str, base: str) -> None:
        self.provider = provider
        self.id = session_id
        self.base = base

    async def command(self, cmd: str, **extra: Any) -> StepResult:
        return await self.provider.step(self.id, StepRequest(type="command", cmd=cmd, **extra))

    async def goto(self, path: str) -> None:
        await self.provider.step(self.id, StepRequest(type="goto", url=self.base + path))

    async def page(self):
        return await self.provider.observe(self.id, screenshot=False)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def agent_provider() -> AsyncIterator[Any]:
    """One LocalProvider per test module (tests here mark themselves loop_scope="module"):
    each test still gets its own session, i.e. its own BrowserContext and cookies."""
    from tui.providers.local import LocalProvider

    provider = LocalProvider(nav_timeout_ms=10_000, action_timeout_ms=3_000)
    await provider.start()
    try:
        yield provider
    finally:
        await provider.aclose()


@pytest_asyncio.fixture(loop_scope="module")
async def shop(agent_provider, demo_server) -> AsyncIterator[Shop]:
    session = await agent_provider.create_session(CreateSession(url=demo_server + "/shop"))
    yield Shop(agent_provider, session.id, demo_server)
    await agent_provider.close_session(session.id)


@pytest.fixture(scope="session")
def agent_pages() -> Iterator[str]:
    """Base url serving tests/agent/pages (widget and corpus fixture pages) on 127.0.0.1."""
    from pathlib import Path

    from tests.conftest import PagesServer

    server = PagesServer(Path(__file__).parent / "pages")
    yield server.start()
    server.stop()
