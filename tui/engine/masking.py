"""Secrets never leave the engine in clear.

A value typed into a password field is replaced by `MASK` in everything the
engine hands out: the step's echoed request, the action log, events, and so
the store, exports and the server's JSON built from them. A command that
names a password ("log in as bob with password hunter2") is masked the same.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit, urlunsplit

if TYPE_CHECKING:  # the neutral model (pydantic) loads after the app's first frame
    from tui.model import Observation, StepRequest


MASK = "••••••"

# "with password X", "with the password X", "password: X", "password=X"
_PASSWORD_IN_TEXT = re.compile(
    r"\b((?:with\s+(?:the\s+|a\s+)?)pass(?:word|phrase)\s+|pass(?:word|phrase)\s*[:=]\s*)(\S+)",
    re.I,
)


# autocomplete tokens (HTML's autofill names) of fields whose value is a secret
SECRET_AUTOCOMPLETE = {
    "current-password",
    "new-password",
    "one-time-code",
    "cc-number",
    "cc-csc",
    "cc-exp",
    "cc-exp-month",
    "cc-exp-year",
}
_SECRET_NAME = re.compile(
    r"passw|passwd|pwd|passcode|secret|api[-_]?key|token|card[-_ ]?num|cardnumber|cc[-_]?num"
    r"|\bcvc\b|\bcvv\b|\bcsc\b|security[-_]?code|\bpin\b|\biban\b|\bssn\b",
    re.I,
)


def _secret_fields_css() -> str:
    """A stylesheet that draws secret fields' text as dots, as a password field draws it.

    Screenshots apply it (Playwright's `style`), so a card number or a code typed into a
    plain text field is not in the picture either. It follows `is_secret_field` as far as
    CSS can: autofill tokens, and names or ids that say card number, CVC, secret, token.
    """
    selectors = [f'input[autocomplete~="{token}" i]' for token in sorted(SECRET_AUTOCOMPLETE)]
    for attr in ("name", "id"):
        selectors += [
            f'input[{attr}*="{part}" i]'
            for part in (
                "passw",
                "passcode",
                "secret",
                "token",
                "apikey",
                "api_key",
                "api-key",
                "cardnum",
                "card_num",
                "card-num",
                "cardnumber",
                "ccnum",
                "cc-num",
                "cc_num",
                "cvc",
                "cvv",
                "security_code",
                "security-code",
                "securitycode",
                "iban",
            )
        ]
        selectors += [f'input[{attr}="{name}" i]' for name in ("pin", "csc", "ssn", "pwd")]
    return ", ".join(selectors) + " { -webkit-text-security: disc !important; }"


SECRET_FIELDS_CSS = _secret_fields_css()


def is_secret_element(raw: dict[str, Any] | None) -> bool:
    """A walked element whose value is a secret (a password input)."""
    if not raw:
        return False
    return raw.get("type") == "password"


def is_secret_field(kind: str = "", autocomplete: str = "", name: str = "") -> bool:
    """A field whose value is a secret, from what the page says it is.

    `kind` is the input's type, `autocomplete` its autofill tokens, `name` its
    name and id: a password, a one-time code, a card number or its security code.
    """
    if kind.lower() == "password":
        return True
    if SECRET_AUTOCOMPLETE & set(autocomplete.lower().split()):
        return True
    return bool(name and _SECRET_NAME.search(name))


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


_URL_PARTS = re.compile(r"(\b[a-z][a-z0-9+.-]*://)([^/\s@?#]+@)?([^\s?#]*)([?#][^\s'\"]*)?", re.I)


def redact_urls(text: str) -> str:
    """`text` (an error message) with the user info, query and fragment of every url in it
    hidden: `ws://host:3000/chromium?token=...` becomes `ws://host:3000/chromium?…`."""
    return _URL_PARTS.sub(
        lambda m: (
            f"{m.group(1)}{'…@' if m.group(2) else ''}{m.group(3)}{'?…' if m.group(4) else ''}"
        ),
        text,
    )


# Query parameters that carry secrets, by name (password, api_key, access_token, ...).
SECRET_PARAM = re.compile(
    r"pass(word|wd|phrase)?|secret|token|api[-_]?key|apikey|^key$|auth|credential|signature|sig$",
    re.I,
)


def scrub_url(url: str) -> str:
    """`url` with the values of secret-named query parameters (and user info) masked."""
    if "@" not in url and "?" not in url:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return mask_text(url) or ""
    netloc = parts.netloc
    if "@" in netloc:  # user:password@host
        netloc = f"{MASK}@{netloc.rsplit('@', 1)[1]}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(SECRET_PARAM.search(k) for k, _ in pairs):
            query = urlencode(
                [(k, MASK if SECRET_PARAM.search(k) else v) for k, v in pairs], safe=MASK
            )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


_URL_IN_TEXT = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s'\"<>]+", re.I)


def scrub_urls_in(text: str) -> str:
    """`text` (a console message) with every url in it passed through `scrub_url`."""
    if not text or "://" not in text:
        return text
    return _URL_IN_TEXT.sub(lambda m: scrub_url(m.group(0)), text)


_CARD = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def mask_card_numbers(text: str) -> str:
    """`text` with anything shaped like a payment card number (13-19 digits, Luhn) hidden."""
    if not text or not any(ch.isdigit() for ch in text):
        return text

    def hide(m: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", m.group(0))
        return MASK if 13 <= len(digits) <= 19 and _luhn(digits) else m.group(0)

    return _CARD.sub(hide, text)


def scrub_data(data: Any, secrets: set[str] | frozenset[str] = frozenset()) -> Any:
    """JSON-like data (dicts, lists, strings) with known secrets and card numbers hidden.

    For anything that writes evidence to disk (exports, reports, HAR): the one function
    to call on what leaves the engine, whatever shape it has.
    """
    if isinstance(data, str):
        return mask_card_numbers(scrub(data, secrets))
    if isinstance(data, dict):
        return {k: scrub_data(v, secrets) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [scrub_data(v, secrets) for v in data]
    return data


def scrub_observation(obs: Observation, secrets: set[str] | frozenset[str]) -> Observation:
    """The observation with known secrets hidden where the page shows them (input values)."""
    if not secrets:
        return obs
    obs.markdown = scrub(obs.markdown, secrets)
    obs.metadata.url = scrub(obs.metadata.url, secrets)
    for action in obs.actions:
        if action.value is not None and (
            action.value in secrets or scrub(action.value, secrets) != action.value
        ):
            action.value = MASK
        action.description = scrub(action.description, secrets)
    return obs


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
