"""Typed errors shared by the engine, every provider and the UI.

Each error carries a message (what happened) and a hint (what to do next);
the UI shows both, the server maps them to HTTP statuses.
"""

from __future__ import annotations


class StepdeckError(Exception):
    """Base of every error stepdeck shows to a person."""

    http_status = 500
    default_hint = ""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint if hint is not None else self.default_hint

    def __str__(self) -> str:
        return f"{self.message} — {self.hint}" if self.hint else self.message


class InvalidRequest(StepdeckError):
    """Bad input: unknown action id, a value for a non-input, a refused url (400/422)."""

    http_status = 422


class ActionNotFound(InvalidRequest):
    """An action id that is not in the current action space."""

    def __init__(self, action_id: str, known: list[str]) -> None:
        shown = ", ".join(known[:30]) + (" …" if len(known) > 30 else "")
        super().__init__(
            f"No action {action_id!r} on this page",
            f"pick one of: {shown}" if known else "this page has no interactive elements",
        )
        self.action_id = action_id
        self.known = known


class AuthError(StepdeckError):
    """401/403: the key is missing or wrong."""

    http_status = 401
    default_hint = "check the API key"


class BillingError(StepdeckError):
    """402: the provider wants payment."""

    http_status = 402
    default_hint = "check the plan or credits on the provider's dashboard"


class SessionNotFound(StepdeckError):
    """404: the provider does not know this session."""

    http_status = 404
    default_hint = "start a new session (n); its history stays in the store"


class SessionGone(StepdeckError):
    """410: the session was closed or expired."""

    http_status = 410
    default_hint = "start a new session (n); its history stays in the store"


class RateLimited(StepdeckError):
    """429: too many requests."""

    http_status = 429

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        hint = f"retry in {retry_after:.0f} s" if retry_after else "wait a moment, then retry"
        super().__init__(message, hint)
        self.retry_after = retry_after


class ServerError(StepdeckError):
    """5xx from a provider."""

    http_status = 502
    default_hint = "the provider failed; try again, or check its status page"


class StepTimeout(StepdeckError):
    """A navigation, page or request that did not answer in time."""

    http_status = 504
    default_hint = "the page did not finish in time; try again or go elsewhere"


class Unreachable(StepdeckError):
    """Connection refused or DNS failure."""

    http_status = 502
    default_hint = "check the address and that the server is running"


class BadResponse(StepdeckError):
    """Malformed or truncated JSON from a provider."""

    http_status = 502
    default_hint = "the provider answered something stepdeck cannot read; try again"


class Unsupported(StepdeckError):
    """The provider has no such feature."""

    http_status = 501


class BrowserCrashed(StepdeckError):
    """The browser or tab died; the session is marked error."""

    http_status = 500
    default_hint = "close this session and start a new one"


class StepHeld(StepdeckError):
    """The session is paused by a person; steps wait or are refused."""

    http_status = 423
    default_hint = "a person paused this session; resume it in stepdeck"
