"""A served session's Chrome DevTools Protocol endpoint (Notte's `cdp_url`).

`GET ws://<server>/sessions/{id}/cdp?token=<session token>` is a websocket proxy to the
embedded Chromium's DevTools endpoint, narrowed to that session's browser context: a
client (Playwright's `connect_over_cdp`, the SDK's `session.cdp_url()`) sees that
session's pages only, and cannot close the browser other sessions share. The token is
derived from the server's token and the session id, so a URL handed out for one session
opens no other.

Targets of other contexts that the browser attaches to this client are resumed and
detached by the proxy (a new page elsewhere must not wait for a debugger it never sees).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
from typing import Any

import httpx
from fastapi import WebSocket, WebSocketDisconnect

from tui.dialects.notte.extras import engine_session
from tui.errors import StepdeckError

log = logging.getLogger("stepdeck.cdp")

_OWN_IDS = 1_000_000_000  # ids of the proxy's own commands (their answers are not forwarded)
_TARGET_EVENTS = (
    "Target.attachedToTarget",
    "Target.targetCreated",
    "Target.targetInfoChanged",
)
_REFUSED = {
    "Browser.close": "the browser is shared by every session of this server: close the session",
    "Browser.crash": "the browser is shared by every session of this server",
    "Target.disposeBrowserContext": "contexts belong to the server's sessions",
}


def session_token(secret: str, session_id: str) -> str:
    """The token of one session's CDP endpoint."""
    digest = hmac.new(secret.encode(), f"cdp:{session_id}".encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def cdp_url(base_url: str, secret: str, session_id: str) -> str:
    """The ws:// URL of a session's CDP endpoint on the server at `base_url`."""
    ws = base_url.rstrip("/").replace("https://", "wss://", 1).replace("http://", "ws://", 1)
    return f"{ws}/sessions/{session_id}/cdp?token={session_token(secret, session_id)}"


async def _upstream_url(sess: Any) -> str:
    port = getattr(sess.engine.host, "devtools_port", None)
    if not port:
        raise StepdeckError(
            "this server's browser has no DevTools port (it is attached to another browser)",
            "connect to that browser's own CDP endpoint instead",
        )
    async with httpx.AsyncClient(timeout=5) as http:
        info = (await http.get(f"http://127.0.0.1:{port}/json/version")).json()
    return str(info["webSocketDebuggerUrl"])


async def _context_id(sess: Any) -> str:
    page = await sess.ensure_page()
    cdp = await sess.context.new_cdp_session(page)
    try:
        info = await cdp.send("Target.getTargetInfo")
    finally:
        with contextlib.suppress(Exception):
            await cdp.detach()
    return str(info["targetInfo"].get("browserContextId") or "")


class _Filter:
    """What of the browser's traffic this client sees: its context's targets only."""

    def __init__(self, context_id: str) -> None:
        self.context_id = context_id
        self.foreign_sessions: set[str] = set()
        self.own_id = _OWN_IDS
        self.get_targets: set[int] = set()

    def next_id(self) -> int:
        self.own_id += 1
        return self.own_id

    def from_client(self, message: dict[str, Any]) -> dict[str, Any] | None:
        """An error answer for a refused command, else None (forward it)."""
        why = _REFUSED.get(str(message.get("method")))
        if why is not None and not message.get("sessionId"):
            return {"id": message.get("id"), "error": {"code": -32000, "message": why}}
        if message.get("method") in ("Target.getTargets", "Target.getBrowserContexts"):
            self.get_targets.add(int(message.get("id", -1)))
        return None

    def from_browser(self, message: dict[str, Any]) -> tuple[bool, list[dict[str, Any]]]:
        """(forward it?, commands the proxy sends the browser itself)."""
        mid = message.get("id")
        if isinstance(mid, int) and mid > _OWN_IDS:
            return False, []
        if message.get("sessionId") in self.foreign_sessions:
            return False, []
        if mid in self.get_targets:
            self.get_targets.discard(mid)
            result = message.get("result", {})
            if isinstance(result.get("targetInfos"), list):
                result["targetInfos"] = [i for i in result["targetInfos"] if self._ours(i)]
            if isinstance(result.get("browserContextIds"), list):
                result["browserContextIds"] = [
                    c for c in result["browserContextIds"] if c == self.context_id
                ]
            return True, []
        method = message.get("method")
        if method in _TARGET_EVENTS:
            params = message.get("params", {})
            info = params.get("targetInfo", {})
            if self._ours(info):
                return True, []
            commands: list[dict[str, Any]] = []
            if method == "Target.attachedToTarget":
                foreign = str(params.get("sessionId"))
                self.foreign_sessions.add(foreign)
                if params.get("waitingForDebugger"):
                    commands.append(
                        {
                            "id": self.next_id(),
                            "method": "Runtime.runIfWaitingForDebugger",
                            "sessionId": foreign,
                        }
                    )
                commands.append(
                    {
                        "id": self.next_id(),
                        "method": "Target.detachFromTarget",
                        "params": {"sessionId": foreign},
                    }
                )
            return False, commands
        if method == "Target.detachedFromTarget":
            foreign = message.get("params", {}).get("sessionId")
            if foreign in self.foreign_sessions:
                self.foreign_sessions.discard(foreign)
                return False, []
        return True, []

    def _ours(self, info: dict[str, Any]) -> bool:
        # The browser target itself has no context; pages, workers and frames have one.
        context = info.get("browserContextId")
        return context is None or context == self.context_id or info.get("type") == "browser"


async def serve_cdp(websocket: WebSocket, provider: Any, secret: str, session_id: str) -> None:
    """Proxy one client's CDP connection to the session's context, until either side ends."""
    given = websocket.query_params.get("token", "")
    if not hmac.compare_digest(given, session_token(secret, session_id)):
        await websocket.close(code=4401, reason="wrong or missing token for this session")
        return
    try:
        sess = engine_session(provider, session_id)
        sess.check_live()
        upstream_url = await _upstream_url(sess)
        context_id = await _context_id(sess)
    except StepdeckError as exc:
        await websocket.close(code=4404, reason=exc.message[:120])
        return
    import websockets

    await websocket.accept()
    rules = _Filter(context_id)
    async with websockets.connect(upstream_url, max_size=None, ping_interval=None) as browser:

        async def client_to_browser() -> None:
            while True:
                text = await websocket.receive_text()
                message = json.loads(text)
                refusal = rules.from_client(message)
                if refusal is not None:
                    await websocket.send_text(json.dumps(refusal))
                else:
                    await browser.send(text)

        async def browser_to_client() -> None:
            async for raw in browser:
                message = json.loads(raw)
                forward, commands = rules.from_browser(message)
                for command in commands:
                    await browser.send(json.dumps(command))
                if forward:
                    await websocket.send_text(json.dumps(message))

        tasks = [asyncio.create_task(client_to_browser()), asyncio.create_task(browser_to_client())]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, Exception):
                    await task
    with contextlib.suppress(Exception):
        await websocket.close()
