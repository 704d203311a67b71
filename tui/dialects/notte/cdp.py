"""A served session's Chrome DevTools Protocol endpoint (Notte's `cdp_url`).

`GET ws://<server>/sessions/{id}/cdp?token=<session token>` speaks CDP to a client
(Playwright's `connect_over_cdp`, the SDK's `session.cdp_url()`), narrowed to that
session's browser context: the client sees that session's pages only, and cannot close
the browser other sessions share. The token is derived from the server's token and the
session id, so a URL handed out for one session opens no other.

The browser itself opens no DevTools port (any local process could drive every session
through one, token or not): Playwright talks to it over a pipe. This endpoint is a
bridge onto a browser-level CDP session that Playwright opens for us
(`Browser.new_browser_cdp_session`). That session cannot address flat child sessions,
so the bridge attaches to targets in Chromium's non-flat mode and carries each
client's `{sessionId, ...}` message inside `Target.sendMessageToTarget`, unwrapping
`Target.receivedMessageFromTarget` on the way back (nested sessions, such as an
iframe's or a worker's under a page, are wrapped once per level). Chromium refuses
non-flat auto-attach at the browser level, so a client's `Target.setAutoAttach` there
is emulated: the bridge discovers the context's pages and attaches to each (without
pausing them: a page opened while a client is connected may run its first script
before the client has set it up). Auto-attach inside a page (iframes, workers) is
Chromium's own, pauses included.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
from typing import Any

from fastapi import WebSocket, WebSocketDisconnect
from playwright.async_api import Error as PlaywrightError

from tui.dialects.engine_pages import engine_session
from tui.errors import StepdeckError

log = logging.getLogger("stepdeck.cdp")

_OWN_IDS = 1_000_000_000  # ids of the bridge's own wrapper commands inside sessions
_ATTACHABLE = ("page", "service_worker", "shared_worker")  # what browser-level auto-attach takes
# What a browser-level session hears: every page's own traffic arrives wrapped in
# Target.receivedMessageFromTarget, so these are all the events there are to carry.
_BROWSER_EVENTS = (
    "Target.attachedToTarget",
    "Target.detachedFromTarget",
    "Target.receivedMessageFromTarget",
    "Target.targetCreated",
    "Target.targetDestroyed",
    "Target.targetCrashed",
    "Target.targetInfoChanged",
)
_REFUSED = {
    "Browser.close": "the browser is shared by every session of this server: close the session",
    "Browser.crash": "the browser is shared by every session of this server",
    "Browser.crashGpuProcess": "the browser is shared by every session of this server",
    "Target.attachToBrowserTarget": "this endpoint is already the browser's; use its sessions",
    "Target.createBrowserContext": "this endpoint serves one session's context only",
    "Target.disposeBrowserContext": "contexts belong to the server's sessions",
    "Target.exposeDevToolsProtocol": "not available through this endpoint",
    "Target.setRemoteLocations": "not available through this endpoint",
}
# What a page's (or worker's) session may not do through the bridge, beyond `_REFUSED`.
_SESSION_REFUSED = {
    "Target.setDiscoverTargets": "discover targets on the browser's session (no sessionId)",
    "Target.attachToBrowserTarget": _REFUSED["Target.attachToBrowserTarget"],
}
# Commands that name a target: the target must be this session's.
_BY_TARGET = {
    "Target.activateTarget",
    "Target.attachToTarget",
    "Target.closeTarget",
    "Target.getTargetInfo",
    "Target.autoAttachRelated",
}
# Commands taking an optional browserContextId that the client means for "its" context:
# without one they act on the session's context, never the browser's default one.
_IN_CONTEXT = {
    "Target.createTarget",
    "Storage.getCookies",
    "Storage.setCookies",
    "Storage.clearCookies",
}


def session_token(secret: str, session_id: str) -> str:
    """The token of one session's CDP endpoint."""
    digest = hmac.new(secret.encode(), f"cdp:{session_id}".encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def cdp_url(base_url: str, secret: str, session_id: str) -> str:
    """The ws:// URL of a session's CDP endpoint on the server at `base_url`."""
    ws = base_url.rstrip("/").replace("https://", "wss://", 1).replace("http://", "ws://", 1)
    return f"{ws}/sessions/{session_id}/cdp?token={session_token(secret, session_id)}"


async def _context_id(sess: Any) -> str:
    page = await sess.ensure_page()
    cdp = await sess.context.new_cdp_session(page)
    try:
        info = await cdp.send("Target.getTargetInfo")
    finally:
        with contextlib.suppress(Exception):
            await cdp.detach()
    return str(info["targetInfo"].get("browserContextId") or "")


def _error(mid: Any, message: str, session_id: str | None = None, code: int = -32000) -> dict:
    answer: dict[str, Any] = {"id": mid, "error": {"code": code, "message": message}}
    if session_id:
        answer["sessionId"] = session_id
    return answer


def _protocol_message(exc: Exception) -> str:
    # Playwright says "CDPSession.send: Protocol error (X.y): what"; the client wants "what".
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text.rsplit("): ", 1)[-1]


class Bridge:
    """One client's CDP connection carried over a browser-level Playwright CDP session."""

    def __init__(self, browser_cdp: Any, context_id: str) -> None:
        self.cdp = browser_cdp
        self.context_id = context_id
        self.out: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self.parent: dict[str, str | None] = {}  # session -> the session it lives in (None: root)
        self.targets: set[str] = set()  # this context's target ids seen so far
        # target id -> the root session the bridge attaches to it (once)
        self.attached: dict[str, asyncio.Future[str]] = {}
        self.auto_attach = False
        self.discovering = False  # the bridge's own Target.setDiscoverTargets
        self.client_discovers = False  # the client asked for targetCreated & co
        self.own_id = _OWN_IDS
        self.wrapped: dict[int, tuple[Any, str]] = {}  # wrapper id -> (client id, session)
        self.narrowed: set[tuple[str, Any]] = set()  # (session, id) of listings to narrow
        self.tasks: set[asyncio.Task[None]] = set()

    # -- browser -> client -----------------------------------------------------------------

    def listen(self) -> None:
        for name in _BROWSER_EVENTS:
            self.cdp.on(name, lambda params, name=name: self.on_event(name, params or {}))

    def _ours(self, info: dict[str, Any]) -> bool:
        ours = info.get("browserContextId") == self.context_id
        if ours and info.get("targetId"):
            self.targets.add(str(info["targetId"]))
        return ours

    def on_event(self, method: str, params: dict[str, Any]) -> None:
        """An event of the browser-level session (called in order, synchronously)."""
        if method == "Target.receivedMessageFromTarget":
            session = str(params.get("sessionId"))
            if session in self.parent:
                with contextlib.suppress(ValueError):
                    self._unwrap(session, json.loads(params.get("message") or "{}"))
            return
        if method == "Target.attachedToTarget":
            session = str(params.get("sessionId"))
            if self._ours(params.get("targetInfo", {})):
                self.parent[session] = None
                self.out.put_nowait({"method": method, "params": params})
            return
        if method == "Target.detachedFromTarget":
            session = str(params.get("sessionId"))
            if session in self.parent:
                self._forget(session)
                self.out.put_nowait({"method": method, "params": params})
            return
        info = params.get("targetInfo")
        if info is not None:
            if not self._ours(info):
                return
            if method == "Target.targetCreated" and self.auto_attach:
                self._spawn(self._attach(info))
        elif str(params.get("targetId")) not in self.targets:
            return  # destroyed / crashed: someone else's
        elif method == "Target.targetDestroyed":
            self.targets.discard(str(params.get("targetId")))
            self.attached.pop(str(params.get("targetId")), None)
        if self.client_discovers:
            self.out.put_nowait({"method": method, "params": params})

    def _unwrap(self, session: str, message: dict[str, Any]) -> None:
        mid = message.get("id")
        if isinstance(mid, int) and mid > _OWN_IDS:  # the ack of a wrapper of ours
            client_id, target = self.wrapped.pop(mid, (None, ""))
            if "error" in message and client_id is not None:
                self.out.put_nowait(_error(client_id, message["error"].get("message", ""), target))
            return
        method = message.get("method")
        params = message.get("params") or {}
        if method == "Target.receivedMessageFromTarget":
            child = str(params.get("sessionId"))
            self.parent.setdefault(child, session)
            with contextlib.suppress(ValueError):
                self._unwrap(child, json.loads(params.get("message") or "{}"))
            return
        if method == "Target.attachedToTarget":
            self.parent[str(params.get("sessionId"))] = session
        elif method == "Target.detachedFromTarget":
            self._forget(str(params.get("sessionId")))
        elif (session, mid) in self.narrowed and isinstance(message.get("result"), dict):
            self.narrowed.discard((session, mid))
            message["result"] = self._narrow(message["result"])
        message["sessionId"] = session
        self.out.put_nowait(message)

    def _forget(self, session: str) -> None:
        gone = {session}
        while True:
            more = {s for s, p in self.parent.items() if p in gone and s not in gone}
            if not more:
                break
            gone |= more
        for s in gone:
            self.parent.pop(s, None)

    # -- client -> browser -----------------------------------------------------------------

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def next_id(self) -> int:
        self.own_id += 1
        return self.own_id

    async def handle(self, message: dict[str, Any]) -> None:
        """One message from the client; its answer (if any) goes to `out`."""
        mid = message.get("id")
        session = message.get("sessionId")
        try:
            if session:
                await self._to_session(str(session), message)
            else:
                result = await self._at_root(
                    str(message.get("method")), message.get("params") or {}
                )
                self.out.put_nowait({"id": mid, "result": result})
        except _Refused as exc:
            self.out.put_nowait(_error(mid, str(exc), session))
        except PlaywrightError as exc:
            self.out.put_nowait(_error(mid, _protocol_message(exc), session))

    async def _to_session(self, session: str, message: dict[str, Any]) -> None:
        if session not in self.parent:
            raise _Refused("Session with given id not found.")
        inner = {k: v for k, v in message.items() if k != "sessionId"}
        # A page's session reaches the whole browser's Target domain too: the same rules.
        method = str(inner.get("method"))
        why = _SESSION_REFUSED.get(method)
        if why is not None:
            raise _Refused(why)
        inner["params"] = await self._police(method, inner.get("params") or {}, root=False)
        if method in ("Target.getTargets", "Target.getBrowserContexts"):
            self.narrowed.add((session, inner.get("id")))
        chain = [session]
        while (up := self.parent.get(chain[-1])) is not None:
            chain.append(up)
        wrapped: dict[str, Any] = inner
        for inside in chain[:-1]:
            wid = self.next_id()
            self.wrapped[wid] = (message.get("id"), session)
            wrapped = {
                "id": wid,
                "method": "Target.sendMessageToTarget",
                "params": {"sessionId": inside, "message": json.dumps(wrapped)},
            }
        await self.cdp.send(
            "Target.sendMessageToTarget", {"sessionId": chain[-1], "message": json.dumps(wrapped)}
        )

    async def _check_target(self, target_id: str) -> None:
        if target_id in self.targets:
            return
        try:
            info = await self.cdp.send("Target.getTargetInfo", {"targetId": target_id})
        except PlaywrightError:
            info = {}
        if not self._ours(info.get("targetInfo", {})):
            raise _Refused("No target with given id found")

    async def _police(
        self, method: str, params: dict[str, Any], *, root: bool = True
    ) -> dict[str, Any]:
        """The params to send (rewritten), or _Refused: no command names another session's
        context or target, and sessions are attached in the mode the bridge carries."""
        why = _REFUSED.get(method)
        if why is not None:
            raise _Refused(why)
        context = params.get("browserContextId")
        if context is not None and context != self.context_id:
            raise _Refused("No browser context with given id found")
        # (a page's session takes no context id for Storage: its own context is implied)
        if context is None and (method in _IN_CONTEXT if root else method == "Target.createTarget"):
            params = {**params, "browserContextId": self.context_id}
        if method in _BY_TARGET and params.get("targetId"):
            await self._check_target(str(params["targetId"]))
        if method in ("Target.setAutoAttach", "Target.attachToTarget"):
            params = {**params, "flatten": False}
        return params

    def _narrow(self, result: dict[str, Any]) -> dict[str, Any]:
        """A target or context listing cut to this session's."""
        if isinstance(result.get("targetInfos"), list):
            result["targetInfos"] = [i for i in result["targetInfos"] if self._ours(i)]
        if isinstance(result.get("browserContextIds"), list):
            result["browserContextIds"] = [self.context_id]
        return result

    async def _at_root(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "Target.setAutoAttach":
            await self._police(method, params)
            return await self._set_auto_attach(bool(params.get("autoAttach")))
        if method == "Target.setDiscoverTargets":
            return await self._set_discover(bool(params.get("discover")))
        params = await self._police(method, params)
        if (
            method == "Target.sendMessageToTarget"
            and str(params.get("sessionId")) not in self.parent
        ):
            raise _Refused("No session with given id")
        result = await self.cdp.send(method, params)
        if method == "Target.attachToTarget":
            self.parent.setdefault(str(result.get("sessionId")), None)
        if method == "Target.createTarget" and self.auto_attach:
            # Chromium announces an auto-attached new tab before answering; clients rely on it.
            await self._attach({"targetId": result.get("targetId"), "type": "page"})
        return self._narrow(result)

    async def _discover(self) -> list[dict[str, Any]]:
        if not self.discovering:
            await self.cdp.send("Target.setDiscoverTargets", {"discover": True})
            self.discovering = True
        infos = (await self.cdp.send("Target.getTargets")).get("targetInfos", [])
        return [i for i in infos if self._ours(i)]

    async def _set_auto_attach(self, on: bool) -> dict[str, Any]:
        self.auto_attach = on
        if on:
            # Existing pages are attached (and announced) before the answer, as Chromium does.
            for info in await self._discover():
                await self._attach(info)
        return {}

    async def _set_discover(self, on: bool) -> dict[str, Any]:
        self.client_discovers = on
        if on:
            for info in await self._discover():
                self.out.put_nowait(
                    {"method": "Target.targetCreated", "params": {"targetInfo": info}}
                )
        return {}

    async def _attach(self, info: dict[str, Any]) -> None:
        """Attach to a target of the context once (announced by Chromium's attachedToTarget)."""
        target = str(info.get("targetId"))
        if info.get("type") not in _ATTACHABLE:
            return
        if target not in self.attached:
            self.attached[target] = asyncio.ensure_future(self._attach_once(target))
        await asyncio.shield(self.attached[target])

    async def _attach_once(self, target: str) -> str:
        try:
            result = await self.cdp.send(
                "Target.attachToTarget", {"targetId": target, "flatten": False}
            )
        except PlaywrightError:  # gone already
            return ""
        session = str(result.get("sessionId"))
        self.parent.setdefault(session, None)
        return session

    async def close(self) -> None:
        for task in [*self.tasks, *self.attached.values()]:
            task.cancel()
        with contextlib.suppress(Exception):
            await self.cdp.detach()  # ends every session the bridge attached, nested ones too


class _Refused(Exception):
    """A command this endpoint does not carry; the client gets a CDP error."""


async def serve_cdp(websocket: WebSocket, provider: Any, secret: str, session_id: str) -> None:
    """Carry one client's CDP connection to the session's context, until either side ends."""
    given = websocket.query_params.get("token", "")
    if not hmac.compare_digest(given, session_token(secret, session_id)):
        await websocket.close(code=4401, reason="wrong or missing token for this session")
        return
    try:
        sess = engine_session(provider, session_id)
        sess.check_live()
        context_id = await _context_id(sess)
        browser = sess.context.browser
        if browser is None:
            raise StepdeckError("this session's browser has no CDP endpoint to offer")
        browser_cdp = await browser.new_browser_cdp_session()
    except StepdeckError as exc:
        await websocket.close(code=4404, reason=exc.message[:120])
        return
    except PlaywrightError as exc:
        await websocket.close(code=4404, reason=_protocol_message(exc)[:120])
        return
    await websocket.accept()
    bridge = Bridge(browser_cdp, context_id)
    bridge.listen()
    browser_cdp.on("close", lambda _session: bridge.out.put_nowait(None))

    async def client_to_browser() -> None:
        while True:
            text = await websocket.receive_text()
            try:
                message = json.loads(text)
            except ValueError:
                continue
            if isinstance(message, dict):
                # In order: Chromium runs a session's commands in the order they were sent.
                await bridge.handle(message)

    async def browser_to_client() -> None:
        while (message := await bridge.out.get()) is not None:
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
        await bridge.close()
    with contextlib.suppress(Exception):
        await websocket.close()
