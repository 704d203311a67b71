"""Secrets never leave the engine in clear.

A value typed into a password field is replaced by `MASK` in everything the
engine hands out: the step's echoed request, the action log, events, and so
the store, exports and the server's JSON built from them. A command that
names a password ("log in as bob with password hunter2") is masked the same.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, quote_plus

from tui.model import StepRequest

MASK = "••••••"

# "with password X", "with the password X", "password: X", "password=X"
_PASSWORD_IN_TEXT = re.compile(
    r"\b((?:with\s+(?:the\s+|a\s+)?)pass(?:word|phrase)\s+|pass(?:word|phrase)\s*[:=]\s*)(\S+)",
    re.I,
)


def is_secret_element(raw: dict[str, Any] | None) -> bool:
    """A walked element whose value is a secret (a password input)."""
    if not raw:
        return False
    return raw.get("type") == "password"


def mask_text(text: str | None, secrets: set[str] | frozenset[str] = frozenset()) -> str | None:
    """Text (a command, a message) with known secrets and "with password X" hidden."""
    if not text:
        return text
    text = scrub(text, secrets)
    return _PASSWORD_IN_TEXT.sub(lambda m: f"{m.group(1)}{MASK}", text)


MIN_SCRUB = 3  # shorter secrets are masked where they are the whole value, not inside text


def scrub(text: str, secrets: set[str] | frozenset[str]) -> str:
    """`text` (a url, a console message) with every known secret, plain or url-encoded, hidden.

    A form sent by GET puts the password in the next page's url: that url is scrubbed too.
    """
    if not text or not secrets:
        return text
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) < MIN_SCRUB:
            continue
        for form in {secret, quote_plus(secret), quote(secret, safe="")}:
            if form in text:
                text = text.replace(form, MASK)
    return text


def masked(
    request: StepRequest, *, secret: bool = False, secrets: set[str] | frozenset[str] = frozenset()
) -> StepRequest:
    """The request as it may be shown or kept: secret values and passwords in commands hidden."""
    update: dict[str, Any] = {}
    if request.value and (secret or request.value in secrets):
        update["value"] = MASK
    if request.cmd:
        cmd = mask_text(request.cmd, secrets)
        if cmd != request.cmd:
            update["cmd"] = cmd
    return request.model_copy(update=update) if update else request
