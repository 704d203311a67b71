"""A session's console and network recording, in its own room.

`PageLog` follows a context's requests and each page's console, keeps the last
`MAX_LOG` of each, masks the session's known secrets as entries arrive (a secret
is known before it is typed: see actions), emits an event per entry, and tells a
step what arrived while it ran (`marks` before, `since` after).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Any

from playwright.async_api import BrowserContext, Page, Request, Response
from playwright.async_api import ConsoleMessage as PWConsoleMessage

from tui.engine.masking import mask_text, scrub, scrub_url, scrub_urls_in
from tui.model import ConsoleMessage, NetworkRequest
from tui.text import well_formed

MAX_LOG = 2000  # console/network entries kept per session


class PageLog:
    """Console messages and network requests of one session, secrets masked."""

    def __init__(
        self,
        secrets: set[str],
        emit: Callable[..., None],
        on_navigation_failed: Callable[[], None],
    ) -> None:
        self.secrets = secrets  # the session's own set: a secret added there is masked here
        self._emit = emit
        self._on_navigation_failed = on_navigation_failed
        self.console: deque[ConsoleMessage] = deque(maxlen=MAX_LOG)
        self.network: deque[NetworkRequest] = deque(maxlen=MAX_LOG)
        # How many console messages / requests ever arrived (the deques forget the oldest):
        # a step takes what arrived between its start and its end.
        self.console_seen = 0
        self.network_seen = 0
        self._inflight: dict[Request, tuple[NetworkRequest, float]] = {}

    # --- following ------------------------------------------------------------------------

    def follow_context(self, context: BrowserContext) -> None:
        context.on("request", self._on_request)
        context.on("response", self._on_response)
        context.on("requestfinished", self._on_request_finished)
        context.on("requestfailed", self._on_request_failed)

    def follow_page(self, page: Page) -> None:
        page.on("console", self._on_console)
        page.on("pageerror", self._on_page_error)

    def forget_inflight(self) -> None:
        self._inflight.clear()

    # --- console --------------------------------------------------------------------------

    def add_console(self, entry: ConsoleMessage) -> None:
        """Keep a console entry (masked) and tell followers."""
        if self.secrets:
            entry.text = mask_text(entry.text, self.secrets) or ""
            entry.url = scrub(entry.url, self.secrets)
        # a url the page logs may carry a key or a token in its query, as requests do
        entry.text = well_formed(scrub_urls_in(entry.text))
        entry.url = scrub_url(entry.url)
        self.console.append(entry)
        self.console_seen += 1
        self._emit("console", level=entry.level, text=entry.text)

    def _on_console(self, msg: PWConsoleMessage) -> None:
        level = msg.type
        if level == "warn":
            level = "warning"
        loc = msg.location or {}
        self.add_console(ConsoleMessage(level=level, text=msg.text, url=loc.get("url", "")))

    def _on_page_error(self, error: Exception) -> None:
        self.add_console(ConsoleMessage(level="pageerror", text=str(error)))

    # --- network --------------------------------------------------------------------------

    def _on_request(self, request: Request) -> None:
        entry = NetworkRequest(
            url=scrub_url(scrub(request.url, self.secrets)),  # ?api_key=, ?access_token=
            method=request.method,
            resource_type=request.resource_type,
        )
        self._inflight[request] = (entry, time.monotonic())
        self.network.append(entry)
        self.network_seen += 1

    def _on_response(self, response: Response) -> None:
        item = self._inflight.get(response.request)
        if item is None:
            return
        entry, _ = item
        entry.status = response.status
        length = response.headers.get("content-length")
        if length and length.isdigit():
            entry.size = int(length)

    def _on_request_finished(self, request: Request) -> None:
        item = self._inflight.pop(request, None)
        if item is None:
            return
        entry, started = item
        entry.duration_ms = round((time.monotonic() - started) * 1000, 1)
        self._emit(
            "network", url=entry.url, method=entry.method, status=entry.status, ms=entry.duration_ms
        )

    def _on_request_failed(self, request: Request) -> None:
        item = self._inflight.pop(request, None)
        if item is None:
            return
        entry, started = item
        entry.duration_ms = round((time.monotonic() - started) * 1000, 1)
        entry.failure = request.failure or "failed"
        if request.is_navigation_request():
            self._on_navigation_failed()
        self._emit("network", url=entry.url, method=entry.method, failure=entry.failure)

    # --- what a step saw ------------------------------------------------------------------

    def marks(self) -> tuple[int, int]:
        """Where the console and network logs stand now (see `since`)."""
        return self.console_seen, self.network_seen

    def since(self, marks: tuple[int, int]) -> tuple[list[ConsoleMessage], list[NetworkRequest]]:
        """Console messages and requests that arrived after `marks` (copies)."""
        console_new = min(self.console_seen - marks[0], len(self.console))
        network_new = min(self.network_seen - marks[1], len(self.network))
        console = list(self.console)[len(self.console) - console_new :] if console_new else []
        network = list(self.network)[len(self.network) - network_new :] if network_new else []
        return (
            [c.model_copy() for c in console],
            [n.model_copy() for n in network],
        )

    def counts(self) -> dict[str, Any]:
        """Console errors and failed requests, for a health check."""
        return {
            "console_errors": sum(1 for c in self.console if c.level in ("error", "pageerror")),
            "failed_requests": sum(1 for n in self.network if n.failure),
        }
