"""Playwright traces of embedded-engine sessions, when recording is on.

A traced session records every Playwright action with before/after DOM
snapshots, screenshots and console into `<data dir>/traces/<session id>.zip`,
written when the session closes. `playwright show-trace FILE` opens it; an
export of the session carries it as `trace.zip`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from playwright.async_api import BrowserContext
from playwright.async_api import Error as PlaywrightError

from tui import locations
from tui.engine.masking import MASK, SECRET_FIELDS_CSS, mask_card_numbers, scrub

log = logging.getLogger("stepdeck.engine.tracing")


def trace_file(session_id: str) -> Path:
    """Where the trace of session `session_id` is (or will be) written."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in session_id)
    return locations.traces_dir() / f"{safe}.zip"


async def start(context: BrowserContext, session_id: str, title: str = "") -> Path | None:
    """Start recording `context`; the path its trace will be written to (None: could not)."""
    try:
        await context.tracing.start(
            name=session_id,
            title=title or f"stepdeck session {session_id}",
            screenshots=True,
            snapshots=True,
        )
    except PlaywrightError as exc:  # a remote browser may refuse: the session still works
        log.warning("no trace for session %s: %s", session_id, exc)
        return None
    # The trace films the page as it is drawn (no screenshot `style` applies): in a traced
    # session the page itself draws card-number and code fields as dots.
    with contextlib.suppress(PlaywrightError):
        await context.add_init_script(_DOTS_SCRIPT)
    return trace_file(session_id)


# A constructable stylesheet: no <style> in the page's DOM, and no CSP refuses it.
_DOTS_SCRIPT = (
    "(() => { try { const sheet = new CSSStyleSheet(); sheet.replaceSync("
    + json.dumps(SECRET_FIELDS_CSS)
    + "); document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet]; }"
    " catch (e) {} })();"
)


async def stop(
    context: BrowserContext, path: Path, secrets: set[str] | frozenset[str] = frozenset()
) -> Path | None:
    """Write the trace to `path` (whole or not at all), secrets masked; None if it failed.

    Masked: `secrets` (values typed into secret fields), card numbers, the values of
    cookie and credential headers, and the context's cookie values wherever they appear.
    """
    locations.ensure(path.parent)
    part = path.with_suffix(".zip.part")
    try:
        cookies = {str(c.get("value") or "") for c in await context.cookies()}
    except PlaywrightError:
        cookies = set()
    try:
        await context.tracing.stop(path=part)
        await asyncio.to_thread(scrub_zip, part, secrets, cookies)
    except (PlaywrightError, OSError, zipfile.BadZipFile) as exc:
        log.warning("the trace of %s was not written: %s", path.stem, exc)
        with contextlib.suppress(OSError):
            part.unlink()
        return None
    part.replace(path)
    return path


# Headers whose values are credentials: cookies, authorization, API keys and tokens.
SECRET_HEADER = re.compile(
    r"^(cookie|set-cookie|authorization|proxy-authorization)$|api[-_]?key|token|secret|auth",
    re.I,
)
# A cookie value this short is masked where it is a cookie, not searched for in all text.
MIN_COOKIE = 6


def _is_secret_header(item: Any) -> bool:
    return (
        isinstance(item, dict)
        and isinstance(item.get("name"), str)
        and "value" in item
        and bool(SECRET_HEADER.search(item["name"]))
    )


def _cookie_values(name: str, header: str) -> set[str]:
    """The cookie values in a Cookie (`a=1; b=2`) or Set-Cookie header (one per line)."""
    values = set()
    for line in header.splitlines():
        pairs = line.split(";")
        # Set-Cookie: the first pair is the cookie, the rest are its attributes.
        for pair in pairs[:1] if name == "set-cookie" else pairs:
            _, eq, value = pair.strip().partition("=")
            if eq and value.strip():
                values.add(value.strip().strip('"'))
    return values


class _TraceScrubber:
    """Masks one trace's secrets, member by member: JSON lines value by value (so the
    trace stays valid for the viewer), other text entries as text, images untouched."""

    def __init__(self, secrets: set[str] | frozenset[str], cookies: set[str]) -> None:
        self.secrets = set(secrets)
        self.cookies = {c for c in cookies if len(c) >= MIN_COOKIE}

    def learn(self, value: Any) -> None:
        """Credentials the recorded traffic carried (header values, cookies), to mask all over."""
        if isinstance(value, dict):
            for key, item in value.items():
                if key == "cookies" and isinstance(item, list):
                    for cookie in item:
                        if isinstance(cookie, dict) and isinstance(cookie.get("value"), str):
                            self._keep(cookie["value"])
                else:
                    self.learn(item)
        elif isinstance(value, list):
            for item in value:
                if _is_secret_header(item) and isinstance(item["value"], str):
                    name = item["name"].lower()
                    if name in ("cookie", "set-cookie"):
                        for cookie in _cookie_values(name, item["value"]):
                            self._keep(cookie)
                    else:
                        self._keep(item["value"])
                        self._keep(item["value"].partition(" ")[2])  # Bearer <token>
                else:
                    self.learn(item)

    def _keep(self, value: str) -> None:
        if len(value) >= MIN_COOKIE:
            self.cookies.add(value)

    @property
    def hidden(self) -> set[str]:
        return self.secrets | self.cookies

    def text(self, text: str) -> str:
        return mask_card_numbers(scrub(text, self.hidden))

    def value(self, value: Any, key: str = "") -> Any:
        if isinstance(value, str):
            # resource names are hashes, and a hash with 13 digits in a row is no card
            return value if key.endswith("sha1") else self.text(value)
        if isinstance(value, dict):
            if key in ("httpCredentials", "proxy") and "password" in value:
                value = {**value, "password": MASK}
            return {
                k: (
                    [self._cookie(c) for c in v]
                    if k == "cookies" and isinstance(v, list)
                    else self.value(v, k)
                )
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [
                {**v, "value": MASK} if _is_secret_header(v) else self.value(v, key) for v in value
            ]
        return value

    def _cookie(self, cookie: Any) -> Any:
        if isinstance(cookie, dict) and "value" in cookie:
            return {**self.value(cookie), "value": MASK}
        return self.value(cookie)


def _json_lines(text: str) -> list[Any] | None:
    try:
        return [json.loads(line) if line.strip() else None for line in text.splitlines()]
    except ValueError:
        return None


def scrub_zip(
    path: Path, secrets: set[str] | frozenset[str] = frozenset(), cookies: set[str] = frozenset()
) -> None:
    """Mask a trace's secrets in place: typed secrets, card numbers, cookies, credentials.

    Playwright records what was typed (`Fill "..."`), the DOM it saw (input values), every
    request and response with its headers (Cookie, Set-Cookie, Authorization) and the
    bodies it fetched. Header and cookie values are masked where they are recorded, and
    searched for (with the context's own cookie values) in every other text entry.
    """
    scrubber = _TraceScrubber(secrets, set(cookies))
    out = path.with_suffix(".scrub")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        texts: dict[str, str] = {}
        parsed: dict[str, list[Any]] = {}
        for info in src.infolist():
            try:
                texts[info.filename] = src.read(info).decode("utf-8")
            except UnicodeDecodeError:
                continue  # images and other binaries
            lines = _json_lines(texts[info.filename]) if info.filename.endswith(_JSONL) else None
            if lines is not None:
                parsed[info.filename] = lines
                for line in lines:
                    scrubber.learn(line)
        for info in src.infolist():
            if info.filename not in texts:
                dst.writestr(info, src.read(info))
            elif info.filename in parsed:
                lines = [
                    "" if line is None else json.dumps(scrubber.value(line), ensure_ascii=False)
                    for line in parsed[info.filename]
                ]
                dst.writestr(info, ("\n".join(lines) + "\n").encode("utf-8"))
            else:
                dst.writestr(info, scrubber.text(texts[info.filename]).encode("utf-8"))
    out.replace(path)


_JSONL = (".trace", ".network", ".stacks")


@contextlib.asynccontextmanager
async def step_group(context: BrowserContext, name: str, traced: bool) -> AsyncIterator[None]:
    """A named group around one step's actions in a traced session's trace."""
    opened = False
    if traced:
        with contextlib.suppress(PlaywrightError):
            await context.tracing.group(name)
            opened = True
    try:
        yield
    finally:
        if opened:
            with contextlib.suppress(PlaywrightError):
                await context.tracing.group_end()


__all__ = ["scrub_zip", "start", "step_group", "stop", "trace_file"]
