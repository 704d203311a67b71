"""Profiles: a session's saved browser state (cookies, localStorage, sessionStorage per origin).

A profile is one JSON file in the data dir (`profiles/NAME.json`, mode 0600 in
a 0700 folder). A new session started from it gets the cookies and
localStorage through Playwright's `storage_state`, and each origin's
sessionStorage back in a fresh tab through an init script (Playwright's
storage state leaves sessionStorage out).

The values are the login: they go from the browser to the file and back, and
nowhere else. What a person (or a log, or an HTTP answer) sees is a
`ProfileSummary`: origins, cookie names and key counts. An unreadable file is
refused with `ProfileCorrupt`, naming the file and what to do, without
quoting anything from inside it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import BrowserContext, Page
from playwright.async_api import Error as PlaywrightError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tui import locations
from tui.errors import InvalidRequest, StepdeckError
from tui.model import ProfileSummary, utcnow

FORMAT = 1  # bumped when the file's shape changes
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
NAME_HINT = "use letters, digits, '.', '_' or '-' (up to 64), e.g. shop-login"
CAPTURE_TIMEOUT = 5.0  # seconds for one tab's sessionStorage: a hung page must not hang a save


class ProfileNotFound(StepdeckError):
    """404: no profile by that name."""

    http_status = 404
    default_hint = "list the saved ones with `stepdeck profile list`"


class ProfileCorrupt(InvalidRequest):
    """A profile file that cannot be read back; nothing else is affected."""


def check_name(name: str) -> str:
    """The profile name, or InvalidRequest saying what a name may hold."""
    name = (name or "").strip()
    if not NAME.match(name):
        raise InvalidRequest(f"{name!r} is not a valid profile name", NAME_HINT)
    return name


# -- the file's shape --------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Item(_Strict):
    name: str
    value: str


class Cookie(_Strict):
    """A cookie as Playwright's storage_state writes it (every field it needs to set one)."""

    model_config = ConfigDict(extra="allow")

    name: str
    value: str
    domain: str
    path: str = "/"
    expires: float = -1
    httpOnly: bool = False
    secure: bool = False
    sameSite: str = "Lax"


class OriginState(_Strict):
    origin: str
    localStorage: list[Item] = Field(default_factory=list)
    sessionStorage: list[Item] = Field(default_factory=list)


class Profile(_Strict):
    """A saved profile, as read from (and written to) its file."""

    format: int = FORMAT
    name: str
    saved_at: datetime = Field(default_factory=utcnow)
    url: str = ""  # where the session was (scheme, host and path only)
    cookies: list[Cookie] = Field(default_factory=list)
    origins: list[OriginState] = Field(default_factory=list)

    def storage_state(self) -> dict[str, Any]:
        """Playwright's `storage_state` for `new_context` (cookies and localStorage)."""
        return {
            "cookies": [c.model_dump(exclude_none=True) for c in self.cookies],
            "origins": [
                {"origin": o.origin, "localStorage": [i.model_dump() for i in o.localStorage]}
                for o in self.origins
                if o.localStorage
            ],
        }

    def context_options(self) -> dict[str, Any]:
        """Keyword arguments for `Browser.new_context`."""
        return {"storage_state": self.storage_state()}

    def session_storage_script(self) -> str | None:
        """An init script that refills each origin's sessionStorage in a fresh tab."""
        items = {
            o.origin: [[i.name, i.value] for i in o.sessionStorage]
            for o in self.origins
            if o.sessionStorage
        }
        if not items:
            return None
        # Only an empty sessionStorage is filled: the page's own later writes survive reloads.
        return (
            "(() => { try { const saved = "
            + json.dumps(items)
            + "[location.origin]; if (saved && sessionStorage.length === 0) "
            "for (const [k, v] of saved) sessionStorage.setItem(k, v); } catch (e) {} })();"
        )

    async def prepare(self, context: BrowserContext) -> None:
        """What `new_context` cannot take: the sessionStorage init script."""
        script = self.session_storage_script()
        if script:
            await context.add_init_script(script=script)

    def summary(self, path: Path | None = None) -> ProfileSummary:
        cookies: dict[str, list[str]] = {}
        for c in self.cookies:
            cookies.setdefault(c.domain, []).append(c.name)
        origins = sorted(
            {o.origin for o in self.origins} | {c.domain.lstrip(".") for c in self.cookies}
        )
        return ProfileSummary(
            name=self.name,
            saved_at=self.saved_at,
            url=self.url,
            origins=origins,
            cookies={d: sorted(set(n)) for d, n in sorted(cookies.items())},
            local_storage={o.origin: len(o.localStorage) for o in self.origins if o.localStorage},
            session_storage={
                o.origin: len(o.sessionStorage) for o in self.origins if o.sessionStorage
            },
            path=str(path) if path else "",
        )


# -- capture -------------------------------------------------------------------------------


def _safe_url(url: str) -> str:
    """Scheme, host and path: a query or fragment may carry a token."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https"):
        return ""
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"


async def _session_storage(page: Page) -> tuple[str, list[list[str]]] | None:
    with contextlib.suppress(PlaywrightError, TimeoutError):
        origin, entries = await asyncio.wait_for(
            page.evaluate("() => [location.origin, Object.entries(sessionStorage)]"),
            CAPTURE_TIMEOUT,
        )
        if isinstance(origin, str) and origin.startswith(("http://", "https://")):
            return origin, entries
    return None


async def capture(
    context: BrowserContext, pages: list[Page], *, name: str, url: str = ""
) -> Profile:
    """The state of a live context: Playwright's storage state plus each tab's sessionStorage."""
    state = await context.storage_state()
    by_origin: dict[str, OriginState] = {}
    for o in state.get("origins", []):
        by_origin[o["origin"]] = OriginState(
            origin=o["origin"], localStorage=[Item(**i) for i in o.get("localStorage", [])]
        )
    found = await asyncio.gather(*(_session_storage(p) for p in pages if not p.is_closed()))
    for item in found:
        if item is None:
            continue
        origin, entries = item
        slot = by_origin.setdefault(origin, OriginState(origin=origin))
        known = {i.name for i in slot.sessionStorage}
        slot.sessionStorage += [Item(name=k, value=v) for k, v in entries if k not in known]
    return Profile(
        name=name,
        url=_safe_url(url),
        cookies=[Cookie(**c) for c in state.get("cookies", [])],
        origins=list(by_origin.values()),
    )


# -- the folder ----------------------------------------------------------------------------


def _reason(exc: Exception) -> str:
    """Why a file did not load, without quoting its contents (they may be a login)."""
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON (line {exc.lineno}, column {exc.colno})"
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "the top level"
        return f"{where}: {first.get('type', 'invalid')}"
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    return type(exc).__name__


class ProfileStore:
    """The profiles folder: save, load, list, summarise, delete."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root if root is not None else locations.profiles_dir()

    def path(self, name: str) -> Path:
        return self.root / f"{check_name(name)}.json"

    def _ensure_root(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.root, 0o700)

    def save(self, profile: Profile) -> ProfileSummary:
        """Write the profile (replacing one of the same name) atomically, mode 0600."""
        path = self.path(profile.name)
        self._ensure_root()
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        data = profile.model_dump_json().encode()
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.chmod(tmp, 0o600)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        return profile.summary(path)

    def load(self, name: str) -> Profile:
        """The profile, or ProfileNotFound / ProfileCorrupt with what to do next."""
        path = self.path(name)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise ProfileNotFound(f"No profile named {name!r}") from None
        except OSError as exc:
            raise ProfileCorrupt(
                f"Profile {name!r} cannot be read ({path}): {exc.strerror}",
                "check the file's permissions",
            ) from None
        try:
            data = json.loads(raw.decode())
            if not isinstance(data, dict):
                raise ProfileCorrupt("not a JSON object")
            if data.get("format", FORMAT) != FORMAT:
                raise ProfileCorrupt(f"format {data.get('format')!r}, this stepdeck reads {FORMAT}")
            profile = Profile.model_validate(data)
        except (ValueError, ProfileCorrupt) as exc:
            reason = exc.message if isinstance(exc, ProfileCorrupt) else _reason(exc)
            raise ProfileCorrupt(
                f"Profile {name!r} is unreadable ({path}): {reason}",
                f"delete it (`stepdeck profile delete {name}`) and save it again "
                "from a signed-in session",
            ) from None
        profile.name = name  # the file name wins over what is inside
        return profile

    def summary(self, name: str) -> ProfileSummary:
        return self.load(name).summary(self.path(name))

    def list(self) -> list[ProfileSummary]:
        """Every profile, by name; an unreadable one is listed with its error."""
        if not self.root.is_dir():
            return []
        out = []
        for path in sorted(self.root.glob("*.json")):
            name = path.stem
            if not NAME.match(name):
                continue
            try:
                out.append(self.summary(name))
            except StepdeckError as exc:
                out.append(ProfileSummary(name=name, path=str(path), error=exc.message))
        return out

    def delete(self, name: str) -> None:
        try:
            self.path(name).unlink()
        except FileNotFoundError:
            raise ProfileNotFound(f"No profile named {name!r}") from None


def describe(summary: ProfileSummary) -> str:
    """A profile for a terminal: where it has state and the cookie names, never a value."""
    if summary.error:
        return f"{summary.name}  UNREADABLE: {summary.error}"
    when = summary.saved_at.strftime("%Y-%m-%d %H:%M UTC") if summary.saved_at else "?"
    lines = [f"{summary.name}  saved {when}" + (f"  at {summary.url}" if summary.url else "")]
    for domain, names in summary.cookies.items():
        lines.append(f"  cookies  {domain}: {', '.join(names)}")
    for origin, count in summary.local_storage.items():
        lines.append(f"  localStorage  {origin}: {count} key{'s' * (count != 1)}")
    for origin, count in summary.session_storage.items():
        lines.append(f"  sessionStorage  {origin}: {count} key{'s' * (count != 1)}")
    if len(lines) == 1 and summary.origins:
        lines.append(f"  domains  {', '.join(summary.domains)}")
    return "\n".join(lines)
