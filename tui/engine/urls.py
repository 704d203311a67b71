"""URL rules, in one place: what a person typed made into an address, and which are refused.

`complete_url` is the person's form (the command bar): a scheme added where it was
left out, a relative path kept for the engine to resolve. `normalize_url` is the
engine's: absolute, resolved against the current page, refused schemes refused.
Both share the same host rules (loopback hosts get http, the rest https).
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from tui.errors import InvalidRequest

RELATIVE_STARTS = ("/", "./", "../", "?", "#")
REFUSED_SCHEMES = ("file", "chrome", "javascript", "view-source", "chrome-extension", "devtools")
FLAGGED_SCHEMES = ("file",)  # the ones `stepdeck` has an --allow-<scheme> flag for
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_LOCAL_HOST = re.compile(r"^(localhost|127\.\d+\.\d+\.\d+|\[::1\]|0\.0\.0\.0)(:\d+)?(/|$)")
_HOST_PORT = re.compile(r"^[\w.-]+:\d+(/|$)")


def normalize_url(url: str, allow_schemes: tuple[str, ...] = (), base: str | None = None) -> str:
    """A url a person typed (`example.com`, `localhost:8000/x`) made absolute and checked.

    A relative one (`/shop/cart`, `?q=x`) is taken against `base`, the current page.
    `file:`, `chrome:`, `javascript:` and `view-source:` are refused unless allowed.
    """
    url = (url or "").strip()
    if not url:
        raise InvalidRequest("No url given", "type a url, e.g. goto example.com")
    if url.startswith(RELATIVE_STARTS) and not url.startswith("//"):
        if not base or not base.startswith(("http://", "https://")):
            raise InvalidRequest(
                f"{url!r} is relative and this page has no web address to resolve it against",
                "type a full url, e.g. goto example.com/path",
            )
        return urljoin(base, url)
    match = _SCHEME.match(url)
    if match is None or _HOST_PORT.match(url):
        scheme = "http" if _LOCAL_HOST.match(url) else "https"
        return f"{scheme}://{url}"
    scheme = match.group(1).lower()
    if scheme in REFUSED_SCHEMES and scheme not in allow_schemes:
        flag = f"start stepdeck with --allow-{scheme}, or " if scheme in FLAGGED_SCHEMES else ""
        raise InvalidRequest(
            f"{scheme}: urls are refused",
            f'{flag}put allow_schemes = ["{scheme}"] in config.toml, if you really mean it',
        )
    return url


def complete_url(text: str) -> str:
    """A url as a person typed it, with a scheme where it was left out (`example.com` ->
    `https://example.com`); relative paths and scheme'd urls are left as they are (the
    engine resolves and checks them). Nothing is refused here."""
    text = (text or "").strip()
    if not text or text.startswith(RELATIVE_STARTS):
        return text
    match = _SCHEME.match(text)
    if match is not None and not _HOST_PORT.match(text):
        return text
    scheme = "http" if _LOCAL_HOST.match(text) else "https"
    return f"{scheme}://{text}"
