"""A session's network as HAR 1.2, the format browsers' devtools and HAR viewers open.

One HAR page per step (its description as the title), one entry per request
logged while that step ran. stepdeck keeps the request line, status, timing,
size and type of each request, not headers or bodies: those fields are empty
as HAR allows. Secrets are scrubbed as everywhere else: the engine already
masks typed passwords in urls; here query parameters whose names say they
hold a secret are masked too, and page titles go through the engine's masking.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tui import __version__
from tui.engine.masking import mask_text, scrub_url
from tui.model import NetworkRequest
from tui.records.export import ExportedSession

MIME = {
    "document": "text/html",
    "stylesheet": "text/css",
    "script": "application/javascript",
    "image": "image/*",
    "font": "font/*",
    "xhr": "application/octet-stream",
    "fetch": "application/octet-stream",
}


def _iso(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat(timespec="milliseconds")


def _entry(request: NetworkRequest, pageref: str | None) -> dict[str, Any]:
    url = scrub_url(request.url)
    elapsed = max(0.0, request.duration_ms or 0.0)
    size = request.size if request.size is not None else -1
    entry: dict[str, Any] = {
        "startedDateTime": _iso(request.timestamp),
        "time": elapsed,
        "request": {
            "method": request.method,
            "url": url,
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": [],
            "queryString": [
                {"name": k, "value": v}
                for k, v in parse_qsl(urlsplit(url).query, keep_blank_values=True)
            ],
            "headersSize": -1,
            "bodySize": -1,
        },
        "response": {
            "status": request.status or 0,
            "statusText": request.failure or "",
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": [],
            "content": {
                "size": max(size, 0),
                "mimeType": MIME.get(request.resource_type, "application/octet-stream"),
            },
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": size,
        },
        "cache": {},
        "timings": {"send": 0, "wait": elapsed, "receive": 0},
        "_resourceType": request.resource_type,
    }
    if pageref:
        entry["pageref"] = pageref
    if request.failure:
        entry["_error"] = request.failure
    return entry


def har_of(export: ExportedSession) -> dict[str, Any]:
    """The export's network as a HAR 1.2 document (a dict ready for `json.dump`)."""
    pages: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    seen: set[tuple] = set()
    for step in export.steps:
        ref = f"step_{step.seq}"
        pages.append(
            {
                "startedDateTime": _iso(step.started_at),
                "id": ref,
                "title": mask_text(f"{step.seq}. {step.description} — {step.title}") or "",
                "pageTimings": {"onContentLoad": -1, "onLoad": step.duration_ms},
            }
        )
        for request in step.network:
            seen.add((request.timestamp, request.url, request.method))
            entries.append(_entry(request, ref))
    # Requests of the session outside any step (the first page load before step 1).
    for request in export.network:
        if (request.timestamp, request.url, request.method) not in seen:
            entries.append(_entry(request, None))
    entries.sort(key=lambda e: e["startedDateTime"])
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "stepdeck", "version": __version__},
            "pages": pages,
            "entries": entries,
            "comment": f"session {export.session.id} on {export.provider}",
        }
    }


__all__ = ["har_of", "scrub_url"]
