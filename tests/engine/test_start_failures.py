"""A session whose start url cannot load is not opened: a typed error says why, and no
session is left behind on Chromium's error page. A failed screenshot never fails an
observation."""

from __future__ import annotations

import socket

import pytest

from tui.errors import InvalidRequest, StepTimeout
from tui.model import CreateSession, StepRequest

pytestmark = pytest.mark.asyncio(loop_scope="module")


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(
    ("port", "code", "hint"),
    [(None, "ERR_CONNECTION_REFUSED", "server running"), (9, "ERR_UNSAFE_PORT", "another")],
)
async def test_an_unreachable_start_url(provider, port, code, hint):
    before = {s.id for s in await provider.list_sessions()}
    url = f"http://127.0.0.1:{port or closed_port()}/"
    with pytest.raises(InvalidRequest) as err:
        await provider.create_session(CreateSession(url=url))
    assert code in err.value.message
    assert "no session opened" in err.value.message
    assert hint in err.value.hint
    assert err.value.http_status < 500
    after = await provider.list_sessions()
    assert {s.id for s in after} == before
    assert not any(s.url.startswith("chrome-error:") for s in after)


async def test_a_session_that_could_not_open_is_never_announced(provider, pages_server):
    """Followers (the app's live follow, an agent) see no session come and go: the app drew a
    ghost "ended" session and "closed by another client" for a start url that did not load."""
    seen = []
    unsubscribe = provider.engine.subscribe(seen.append)
    try:
        with pytest.raises(InvalidRequest):
            await provider.create_session(CreateSession(url=f"http://127.0.0.1:{closed_port()}/"))
        assert seen == []
        s = await provider.create_session(CreateSession(url=f"{pages_server}/form.html"))
    finally:
        unsubscribe()
    # The one that opened is announced first, then what its page did while it loaded.
    assert {e.session_id for e in seen} == {s.id}
    assert (seen[0].kind, seen[0].data) == ("session", {"action": "created"})
    assert ("console", "form page ready") in [(e.kind, e.data.get("text")) for e in seen[1:]]


async def test_a_start_url_that_times_out(provider, pages_server):
    before = {s.id for s in await provider.list_sessions()}
    with pytest.raises(StepTimeout) as err:
        await provider.create_session(CreateSession(url=f"{pages_server}/hang"))
    assert "did not load" in err.value.message
    assert err.value.hint
    assert {s.id for s in await provider.list_sessions()} == before
    # The engine still opens sessions afterwards.
    s = await provider.create_session(CreateSession(url=f"{pages_server}/form.html"))
    assert (await provider.observe(s.id, screenshot=False)).metadata.title == "Form page"


async def test_observe_survives_a_failed_screenshot(provider, pages_server, monkeypatch):
    s = await provider.create_session(CreateSession(url=f"{pages_server}/form.html"))
    page = provider.session_target(s.id).page

    async def broken_screenshot(*args, **kwargs):
        from playwright.async_api import Error

        raise Error("Page.screenshot: Unable to capture screenshot")

    monkeypatch.setattr(page, "screenshot", broken_screenshot)
    # the engine captures through one CDP call (perception.capture_png): break that too
    monkeypatch.setattr("tui.engine.observing.capture_png", broken_screenshot)
    obs = await provider.observe(s.id)
    assert obs.screenshot is None
    assert obs.note.startswith("no screenshot:")
    assert obs.metadata.title == "Form page" and obs.actions
    r = await provider.step(s.id, StepRequest(type="scroll_down"))
    assert r.success and r.observation.screenshot is None
