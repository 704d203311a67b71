"""A client's own id for the step it asks for, from the wire to the step's events.

None of the dialects' bodies has a field for it (Notte's actions, MultiOn's step,
ThinkRun's controls), so a client that wants its steps back by id sends the
`X-Request-Id` header with the request; `stepdeck serve` puts it on the step
(`StepRequest.request_id`), and every event of that step echoes it. The app
tells its own steps from other clients' that way (tui/ui/live.py).

Each dialect router reads the header once (`read_request_id`, a router
dependency); its routes hand every step they build to `asked_by_client`.
"""

from __future__ import annotations

from contextvars import ContextVar

from fastapi import Request

from tui.dialects.http import REQUEST_ID_HEADER
from tui.errors import InvalidRequest
from tui.model import StepRequest

MAX_REQUEST_ID = 100  # as StepRequest.request_id

# Set per HTTP request by the router dependency; a step built while answering it reads it.
_client_id: ContextVar[str | None] = ContextVar("stepdeck_client_request_id", default=None)


async def read_request_id(request: Request) -> None:
    """Router dependency: remember the client's `X-Request-Id` for the steps of this request.

    Read from the request itself rather than declared as a header parameter: the header
    is optional on every route and documented here, not in each operation's schema.
    Async on purpose: FastAPI runs it in the request's own task, so the routes see it.
    """
    given = (request.headers.get(REQUEST_ID_HEADER) or "").strip()
    if len(given) > MAX_REQUEST_ID:
        raise InvalidRequest(
            f"{REQUEST_ID_HEADER} is {len(given)} characters long",
            f"send an id of at most {MAX_REQUEST_ID} characters",
        )
    _client_id.set(given or None)


def asked_by_client(step: StepRequest) -> StepRequest:
    """The step carrying the id its client chose (unless it already carries one)."""
    client_id = _client_id.get()
    if client_id is None or step.request_id:
        return step
    return step.model_copy(update={"request_id": client_id})
