"""Network: the selected session's requests, filtered by method, status and url.

Loaded in a worker on this tab like the console; the label counts failed
requests and answers of 400 and above.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import DataTable, Input, Select, Static

from tui.model import NetworkRequest
from tui.ui.state import clean
from tui.ui.tabs.console import SessionLogTab, clock

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
STATUS_CLASSES = [
    ("2xx", "2xx"),
    ("3xx", "3xx"),
    ("4xx", "4xx"),
    ("5xx", "5xx"),
    ("failed / ≥400", "bad"),
    ("failed (no answer)", "failed"),
    ("pending", "pending"),
]


def is_bad(request: NetworkRequest) -> bool:
    """Failed outright, or answered with an error status."""
    return request.failure is not None or (request.status or 0) >= 400


def status_matches(request: NetworkRequest, wanted: str | None) -> bool:
    if wanted is None:
        return True
    if wanted == "bad":
        return is_bad(request)
    if wanted == "failed":
        return request.failure is not None
    if wanted == "pending":
        return request.status is None and request.failure is None
    return request.status is not None and str(request.status)[0] == wanted[0]


def status_text(request: NetworkRequest) -> Text:
    if request.failure:
        return Text(clean(request.failure)[:30], style="bold red")
    if request.status is None:
        return Text("…", style="dim")
    style = "red" if request.status >= 400 else "yellow" if request.status >= 300 else "green"
    return Text(str(request.status), style=style)


class NetworkTable(DataTable):
    """One row per request, in the order they started."""


class NetworkTab(SessionLogTab):
    """The network requests of the selected session."""

    TITLE = "Network"
    TAB_ID = "tab-network"
    LOG = "network"
    WHAT = "the network log"

    DEFAULT_CSS = """
    NetworkTab .filters { height: 1; margin-bottom: 1; }
    NetworkTab #network-method { width: 16; margin-right: 1; }
    NetworkTab #network-status { width: 24; margin-right: 1; }
    NetworkTab #network-text { width: 1fr; }
    NetworkTab NetworkTable { height: 1fr; }
    NetworkTab .note { color: $text-muted; padding: 0 1; height: auto; }
    """

    @property
    def requests(self) -> list[NetworkRequest]:
        return self.items

    def compose(self) -> ComposeResult:
        with Horizontal(classes="filters"):
            yield Select(
                [(m, m) for m in METHODS], prompt="any method", id="network-method", compact=True
            )
            yield Select(STATUS_CLASSES, prompt="any status", id="network-status", compact=True)
            yield Input(placeholder="filter url…", id="network-text", compact=True)
        yield Static("", id="network-note", classes="note", markup=False)
        table = NetworkTable(id="network-table", cursor_type="row", zebra_stripes=True)
        table.add_column("time", key="time")
        table.add_column("method", key="method")
        table.add_column("status", key="status")
        table.add_column("ms", key="ms")
        table.add_column("size", key="size")
        table.add_column("type", key="type")
        table.add_column("url", key="url")
        yield table

    def badge_count(self) -> int:
        return sum(1 for r in self.requests if is_bad(r))

    def shown_requests(self) -> list[NetworkRequest]:
        """The requests that pass the method, status and url filters."""
        method = self.query_one("#network-method", Select).value
        status = self.query_one("#network-status", Select).value
        needle = self.query_one("#network-text", Input).value.strip().lower()
        return [
            r
            for r in self.requests
            if (not isinstance(method, str) or r.method.upper() == method)
            and status_matches(r, status if isinstance(status, str) else None)
            and (not needle or needle in r.url.lower())
        ]

    def _fill(self) -> None:
        self._dirty = False
        table = self.query_one(NetworkTable)
        table.clear()
        for r in self.shown_requests():
            table.add_row(
                Text(clock(r.timestamp), style="dim"),
                Text(r.method),
                status_text(r),
                Text("" if r.duration_ms is None else f"{r.duration_ms:.0f}", justify="right"),
                Text("" if r.size is None else f"{r.size:,}", justify="right"),
                Text(r.resource_type, style="dim"),
                Text(clean(r.url)[:200], no_wrap=True, overflow="ellipsis"),
            )
        if table.row_count:
            table.move_cursor(row=table.row_count - 1)

    @on(Select.Changed, "#network-method")
    @on(Select.Changed, "#network-status")
    @on(Input.Changed, "#network-text")
    def _refilter(self) -> None:
        self._fill()
