"""Every dialect client against a misbehaving server: typed errors, no repeated steps.

For each failure a provider can produce, the client raises the typed error
the app explains (401 names the key variable), a step is sent exactly once
whatever happens, and a read is retried when retrying is safe and useful.
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx
import pytest

from tests.dialects.conftest import Misbehaving, Reply
from tui.dialects import build_provider
from tui.dialects.http import READ_RETRIES
from tui.errors import (
    AuthError,
    BadResponse,
    BillingError,
    InvalidRequest,
    RateLimited,
    ServerError,
    SessionGone,
    SessionNotFound,
    StepTimeout,
    Unreachable,
    Unsupported,
)
from tui.model import CreateSession, StepRequest, StepStatus
from tui.settings import ProviderConfig

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\nfake").decode()


@dataclass
class Dialect:
    """How to provoke a step and a read on one dialect's client."""

    name: str
    key_env: str
    step_method: str
    step_path: str
    read_method: str
    read_path: str
    prepare: Callable[[Misbehaving, object], Awaitable[str]]
    do_step: Callable[[object, str], Awaitable[object]]
    do_read: Callable[[object, str], Awaitable[object]]


async def _no_prep(server: Misbehaving, client: object) -> str:
    return "s1"


async def _notte_env_prep(server: Misbehaving, client) -> str:
    server.on("POST", "/session/start", Reply(200, {"session_id": "s1"}))
    session = await client.create_session(CreateSession())
    return session.id


DIALECTS = [
    Dialect(
        name="multion",
        key_env="MULTION_API_KEY",
        step_method="POST",
        step_path="/session/s1",
        read_method="GET",
        read_path="/sessions",
        prepare=_no_prep,
        do_step=lambda c, sid: c.step(sid, StepRequest(type="command", cmd="add socks to cart")),
        do_read=lambda c, sid: c.list_sessions(),
    ),
    Dialect(
        name="thinkrun",
        key_env="THINKRUN_API_KEY",
        step_method="POST",
        step_path="/api/sessions/s1/navigate",
        read_method="GET",
        read_path="/api/sessions/s1",
        prepare=_no_prep,
        do_step=lambda c, sid: c.step(sid, StepRequest(type="goto", url="http://shop.test/")),
        do_read=lambda c, sid: c.get_session(sid),
    ),
    Dialect(
        name="notte_env",
        key_env="NOTTE_API_KEY",
        step_method="POST",
        step_path="/env/step",
        read_method="POST",
        read_path="/env/observe",
        prepare=_notte_env_prep,
        do_step=lambda c, sid: c.step(sid, StepRequest(id="B1")),
        do_read=lambda c, sid: c.observe(sid),
    ),
]


def _impatient(client) -> None:
    """Shorten the client's wait for an answer (after any set-up call, which may be slow
    under load). A "slow" reply never comes before the test ends (`Reply(hang=True)`), so
    the client times out however busy the machine is; connecting keeps a generous bound."""
    client._http.client.timeout = httpx.Timeout(10.0, read=0.5)


def _client(dialect: Dialect, base_url: str, monkeypatch: pytest.MonkeyPatch, timeout=10.0):
    monkeypatch.setenv(dialect.key_env, "sk-test")
    config = ProviderConfig(
        name=dialect.name,
        dialect=dialect.name,
        base_url=base_url,
        key_env=dialect.key_env,
        timeout=timeout,
    )
    return build_provider(config)


@dataclass
class Fault:
    name: str
    reply: Callable[[bool], Reply]  # for_read -> the reply
    error: type[Exception]
    retried: bool  # whether a read is retried after it


FAULTS = [
    Fault("401", lambda r: Reply(401, {"message": "Invalid API key"}), AuthError, False),
    Fault("403", lambda r: Reply(403, {"detail": "Forbidden"}), AuthError, False),
    Fault("402", lambda r: Reply(402, {"message": "Out of credits"}), BillingError, False),
    Fault("404", lambda r: Reply(404, {"message": "Session not found"}), SessionNotFound, False),
    Fault("410", lambda r: Reply(410, {"message": "Session expired"}), SessionGone, False),
    Fault("400", lambda r: Reply(400, {"detail": "action_id is required"}), InvalidRequest, False),
    Fault(
        "422",
        lambda r: Reply(422, {"detail": [{"loc": ["body", "cmd"], "msg": "field required"}]}),
        InvalidRequest,
        False,
    ),
    Fault(
        "429",
        lambda r: Reply(429, {"message": "slow down"}, {"retry-after": "0" if r else "7"}),
        RateLimited,
        True,
    ),
    Fault("500", lambda r: Reply(500, {"message": "boom"}), ServerError, True),
    Fault("503", lambda r: Reply(503, b"Service Unavailable"), ServerError, True),
    Fault("slow", lambda r: Reply(200, {}, hang=True), StepTimeout, True),
    Fault("dropped", lambda r: Reply(drop=True), Unreachable, True),
    Fault("invalid-json", lambda r: Reply(200, b"<html>not json</html>"), BadResponse, False),
    Fault("truncated-json", lambda r: Reply(200, b'{"session_id": "s1", "tit'), BadResponse, False),
]


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.name)
@pytest.mark.parametrize("dialect", DIALECTS, ids=lambda d: d.name)
async def test_a_step_is_sent_once_and_fails_typed(dialect, fault, misbehaving, monkeypatch):
    client = _client(dialect, misbehaving.url, monkeypatch)
    try:
        sid = await dialect.prepare(misbehaving, client)
        if fault.name == "slow":
            _impatient(client)
        misbehaving.on(dialect.step_method, dialect.step_path, fault.reply(False))
        with pytest.raises(fault.error) as caught:
            await dialect.do_step(client, sid)
    finally:
        await client.aclose()
    assert misbehaving.arrived(dialect.step_method, dialect.step_path, 1) == 1
    error = caught.value
    if isinstance(error, AuthError):
        assert dialect.key_env in error.hint
    if fault.name == "402":
        assert "Out of credits" in error.message
    if fault.name in ("400", "422"):
        assert "action_id is required" in error.message or "cmd: field required" in error.message
    if fault.name == "429":
        assert error.retry_after == 7
        assert error.hint == "retry in 7 s"


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.name)
@pytest.mark.parametrize("dialect", DIALECTS, ids=lambda d: d.name)
async def test_a_read_is_retried_only_when_safe(dialect, fault, misbehaving, monkeypatch):
    client = _client(dialect, misbehaving.url, monkeypatch)
    try:
        sid = await dialect.prepare(misbehaving, client)
        if fault.name == "slow":
            _impatient(client)
        misbehaving.on(dialect.read_method, dialect.read_path, fault.reply(True))
        with pytest.raises(fault.error):
            await dialect.do_read(client, sid)
    finally:
        await client.aclose()
    expected = 1 + READ_RETRIES if fault.retried else 1
    assert misbehaving.arrived(dialect.read_method, dialect.read_path, expected) == expected


@pytest.mark.parametrize("dialect", DIALECTS, ids=lambda d: d.name)
async def test_a_read_recovers_after_one_server_error(dialect, misbehaving, monkeypatch):
    client = _client(dialect, misbehaving.url, monkeypatch)
    ok = {
        "multion": Reply(200, {"session_ids": ["s1"]}),
        "thinkrun": Reply(200, {"sessionId": "s1", "status": "running"}),
        "notte_env": Reply(
            200,
            {
                "session_id": "s1",
                "title": "Shop",
                "url": "http://shop.test/",
                "timestamp": "2026-01-01T00:00:00Z",
            },
        ),
    }[dialect.name]
    try:
        sid = await dialect.prepare(misbehaving, client)
        misbehaving.on(dialect.read_method, dialect.read_path, ok)
        flaky = Reply(503, {"message": "warming up"})
        # The first attempt fails, the retry gets the real answer.
        original = misbehaving._reply_for

        def once(method: str, path: str) -> Reply:
            if method == dialect.read_method and dialect.read_path in path:
                if misbehaving.count(method, dialect.read_path) == 1:
                    return flaky
            return original(method, path)

        misbehaving._reply_for = once
        await dialect.do_read(client, sid)
    finally:
        await client.aclose()
    assert misbehaving.count(dialect.read_method, dialect.read_path) == 2


@pytest.mark.parametrize("dialect", DIALECTS, ids=lambda d: d.name)
async def test_connection_refused_is_unreachable(dialect, free_port, monkeypatch):
    client = _client(dialect, f"http://127.0.0.1:{free_port}", monkeypatch)
    try:
        with pytest.raises(Unreachable) as caught:
            if dialect.name == "notte_env":
                await client.create_session(CreateSession())
            else:
                await dialect.do_step(client, "s1")
    finally:
        await client.aclose()
    assert "check the address" in caught.value.hint


@pytest.mark.parametrize("dialect", DIALECTS, ids=lambda d: d.name)
async def test_the_key_travels_in_the_dialects_header(dialect, misbehaving, monkeypatch):
    client = _client(dialect, misbehaving.url, monkeypatch)
    try:
        sid = await dialect.prepare(misbehaving, client)
        misbehaving.on(dialect.read_method, dialect.read_path, Reply(401, {"message": "no"}))
        with pytest.raises(AuthError):
            await dialect.do_read(client, sid)
    finally:
        await client.aclose()
    headers = misbehaving.headers[-1]
    if dialect.name == "multion":
        assert headers["x_multion_api_key"] == "sk-test"
    elif dialect.name == "thinkrun":
        assert headers["x-api-key"] == "sk-test"
        assert headers["authorization"] == "Bearer sk-test"
    else:
        assert headers["authorization"] == "Bearer sk-test"


# -- MultiOn's streamed steps ----------------------------------------------------------


def _multion(misbehaving: Misbehaving, monkeypatch: pytest.MonkeyPatch):
    return _client(DIALECTS[0], misbehaving.url, monkeypatch)


async def test_multion_stream_shows_progress_as_it_arrives(misbehaving, monkeypatch):
    events = [
        {
            "type": "event",
            "data": {"delta": {"content": "Searching for socks", "url": "http://shop.test/"}},
        },
        {
            "type": "event",
            "data": {
                "delta": {"content": "Opening the first result", "url": "http://shop.test/p/1"}
            },
        },
        {
            "type": "final_event",
            "session_id": "s1",
            "screenshot": f"data:image/png;base64,{PNG}",
            "data": {
                "delta": {
                    "content": "Added to cart",
                    "url": "http://shop.test/cart",
                    "status": "DONE",
                }
            },
        },
    ]
    misbehaving.on("POST", "/session/s1", Reply(events=events, event_gap=0.05))
    client = _multion(misbehaving, monkeypatch)
    seen = []
    try:
        result = await client.step(
            "s1", StepRequest(type="command", cmd="add socks to cart"), on_progress=seen.append
        )
    finally:
        await client.aclose()
    assert [e.message for e in seen] == ["Searching for socks", "Opening the first result"]
    assert result.status == StepStatus.DONE
    assert result.message == "Added to cart"
    assert result.observation.metadata.url == "http://shop.test/cart"
    assert result.observation.screenshot == base64.b64decode(PNG)
    assert [s.message for s in result.steps] == [e.message for e in seen]
    assert misbehaving.count("POST", "/session/s1") == 1
    assert misbehaving.bodies[-1][2]["stream"] is True


async def test_multion_stream_cut_before_the_end_is_a_bad_response(misbehaving, monkeypatch):
    events = [{"type": "event", "data": {"delta": {"content": "Searching", "url": ""}}}]
    misbehaving.on("POST", "/session/s1", Reply(events=events))
    client = _multion(misbehaving, monkeypatch)
    try:
        with pytest.raises(BadResponse, match="before its final event"):
            async for _ in client.step_stream("s1", StepRequest(type="command", cmd="go")):
                pass
    finally:
        await client.aclose()
    assert misbehaving.count("POST", "/session/s1") == 1


async def test_multion_stream_with_garbage_is_a_bad_response(misbehaving, monkeypatch):
    misbehaving.on("POST", "/session/s1", Reply(events=["{not json"]))
    client = _multion(misbehaving, monkeypatch)
    try:
        with pytest.raises(BadResponse, match="stream event"):
            await client.step("s1", StepRequest(type="command", cmd="go"), on_progress=print)
    finally:
        await client.aclose()


async def test_multion_streamed_step_refused_for_billing(misbehaving, monkeypatch):
    misbehaving.on("POST", "/session/s1", Reply(402, {"statusCode": 402, "message": "No credits"}))
    client = _multion(misbehaving, monkeypatch)
    try:
        with pytest.raises(BillingError, match="No credits"):
            await client.step("s1", StepRequest(type="command", cmd="go"), on_progress=print)
    finally:
        await client.aclose()
    assert misbehaving.count("POST", "/session/s1") == 1


async def test_multion_stream_timeout_is_not_retried(misbehaving, monkeypatch):
    misbehaving.on("POST", "/session/s1", Reply(200, {}, hang=True))
    client = _client(DIALECTS[0], misbehaving.url, monkeypatch)
    _impatient(client)
    try:
        with pytest.raises(StepTimeout, match="did not finish"):
            await client.step("s1", StepRequest(type="command", cmd="buy"), on_progress=print)
    finally:
        await client.aclose()
    assert misbehaving.arrived("POST", "/session/s1", 1) == 1


async def test_multion_step_failing_mid_stream_is_typed(misbehaving, monkeypatch):
    """stepdeck serve reports a failure after the stream started as an `error` event."""
    events = [
        {"type": "event", "data": {"delta": {"content": "I1 Ada", "url": "http://shop.test/"}}},
        ("error", {"statusCode": 410, "error": "SessionGone", "message": "session s1 closed"}),
    ]
    misbehaving.on("POST", "/session/s1", Reply(events=events))
    client = _multion(misbehaving, monkeypatch)
    seen = []
    try:
        with pytest.raises(SessionGone, match="session s1 closed"):
            await client.step("s1", StepRequest(type="command", cmd="go"), on_progress=seen.append)
    finally:
        await client.aclose()
    assert [e.message for e in seen] == ["I1 Ada"]
    assert misbehaving.count("POST", "/session/s1") == 1


async def test_thinkrun_waits_for_a_provisioning_session_before_using_it(misbehaving, monkeypatch):
    misbehaving.on(
        "POST",
        "/api/sessions",
        Reply(200, {"sessionId": "s1", "status": "creating", "machineId": "m1"}),
    )
    misbehaving.on(
        "POST",
        "/api/sessions/s1/snapshot",
        Reply(200, {"url": "http://shop.test/", "title": "Shop"}),
    )
    looks = iter(["creating", "creating", "running"])
    original = misbehaving._reply_for

    def provisioning(method: str, path: str) -> Reply:
        if method == "GET" and path == "/api/sessions/s1":
            return Reply(200, {"sessionId": "s1", "status": next(looks, "running")})
        return original(method, path)

    misbehaving._reply_for = provisioning
    client = _client(DIALECTS[1], misbehaving.url, monkeypatch)
    client.poll_interval = 0.01
    try:
        session = await client.create_session(CreateSession(url="http://shop.test/"))
        assert session.status.value == "creating"
        obs = await client.observe(session.id, screenshot=False)
    finally:
        await client.aclose()
    assert obs.metadata.title == "Shop"
    assert misbehaving.count("GET", "/api/sessions/s1") == 3  # three looks
    assert misbehaving.count("POST", "/api/sessions/s1/snapshot") == 1
    assert misbehaving.bodies[0][2]["initialPrompt"] == "http://shop.test/"


async def test_thinkrun_without_snapshot_goes_on_without_an_action_space(misbehaving, monkeypatch):
    """A ThinkRun host without /snapshot: a 404 there is not a lost session."""
    misbehaving.on(
        "GET",
        "/api/sessions/s1",
        Reply(
            200,
            {
                "sessionId": "s1",
                "status": "running",
                "currentUrl": "http://shop.test/",
                "title": "Shop",
            },
        ),
    )
    misbehaving.on("POST", "/api/sessions/s1/snapshot", Reply(404, {"message": "Not found"}))
    misbehaving.on(
        "POST", "/api/sessions/s1/screenshot", Reply(200, {"success": True, "screenshot": PNG})
    )
    misbehaving.on(
        "POST",
        "/api/sessions/s1/navigate",
        Reply(200, {"success": True, "url": "http://shop.test/cart", "title": "Cart"}),
    )
    client = _client(DIALECTS[1], misbehaving.url, monkeypatch)
    try:
        obs = await client.observe("s1")
        assert obs.actions == [] and obs.metadata.title == "Shop"
        assert obs.screenshot == base64.b64decode(PNG)
        assert client.capabilities.action_space is False
        assert "no /snapshot" in client.capabilities.reason("action_space")
        with pytest.raises(Unsupported, match="steps by id need them"):
            await client.step("s1", StepRequest(id="B1"))
        result = await client.step("s1", StepRequest(type="goto", url="http://shop.test/cart"))
        assert result.success
    finally:
        await client.aclose()
    assert misbehaving.count("POST", "/api/sessions/s1/snapshot") == 1  # asked once, then known


async def test_thinkrun_snapshot_404_for_a_gone_session_is_session_not_found(
    misbehaving, monkeypatch
):
    misbehaving.on("GET", "/api/sessions/s1", Reply(404, {"message": "Session not found"}))
    client = _client(DIALECTS[1], misbehaving.url, monkeypatch)
    try:
        with pytest.raises(SessionNotFound):
            await client.observe("s1")
    finally:
        await client.aclose()
    assert client.capabilities.action_space is True


async def test_multion_screenshot_urls_are_fetched_without_the_key(misbehaving, monkeypatch):
    """MultiOn sends screenshots as image URLs on its CDN: fetched, the API key kept home."""
    png = base64.b64decode(PNG)
    misbehaving.on(
        "GET", "/screenshot/s1", Reply(200, {"screenshot": f"{misbehaving.url}/cdn/s1.png"})
    )
    misbehaving.on("GET", "/cdn/s1.png", Reply(200, png, {"content-type": "image/png"}))
    client = _multion(misbehaving, monkeypatch)
    try:
        assert await client.screenshot("s1") == png
    finally:
        await client.aclose()
    assert "x_multion_api_key" in misbehaving.headers[0]
    assert "x_multion_api_key" not in misbehaving.headers[1]


# -- shapes from older or other servers ---------------------------------------------------


async def test_notte_env_reads_the_december_2024_shapes(misbehaving, monkeypatch):
    """The first servers answered `{session_id, error}` and sent `data` as plain text."""
    misbehaving.on("POST", "/session/start", Reply(200, {"session_id": "s1", "error": None}))
    observation = {
        "session_id": "s1",
        "title": "Shop",
        "url": "http://shop.test/",
        "timestamp": "2024-12-31T10:00:00",
        "screenshot": PNG,
        "data": "# Shop\n\nSocks, 3 EUR",
        "space": {
            "description": "A shop",
            "category": "homepage",
            "actions": [
                {"id": "L1", "description": "Open the cart", "category": "Navigation"},
                {
                    "id": "I1",
                    "description": "Search",
                    "category": "Search",
                    "params": [{"name": "query", "type": "string", "values": []}],
                },
                {"id": "S1", "description": "Go to a url", "category": "Special Browser Actions"},
            ],
        },
    }
    misbehaving.on("POST", "/env/observe", Reply(200, observation))
    client = _client(DIALECTS[2], misbehaving.url, monkeypatch)
    try:
        session = await client.create_session(CreateSession())
        obs = await client.observe(session.id)
    finally:
        await client.aclose()
    assert obs.markdown.startswith("# Shop")
    assert [a.id for a in obs.actions] == ["L1", "I1"]  # S1 is a browser action, not the page's
    assert obs.action("I1").takes_value
    assert obs.screenshot == base64.b64decode(PNG)
    sent = misbehaving.bodies[-1][2]
    assert sent["session_id"] == "s1" and sent["keep_alive"] is True


@pytest.mark.parametrize(
    ("said", "status"),
    [
        ("ASK_USER", StepStatus.ASK_USER),
        ("CONTINUE", StepStatus.CONTINUE),
        ("DONE", StepStatus.DONE),
        ("thinking", StepStatus.CONTINUE),
    ],
)
async def test_multion_step_statuses(said, status, misbehaving, monkeypatch):
    reply = {
        "status": said,
        "message": "Which size?",
        "session_id": "s1",
        "url": "http://shop.test/p/1",
        "screenshot": "",
    }
    misbehaving.on("POST", "/session/s1", Reply(200, reply))
    client = _multion(misbehaving, monkeypatch)
    try:
        result = await client.step("s1", StepRequest(type="command", cmd="buy socks"))
    finally:
        await client.aclose()
    assert result.status == status
    assert result.message == "Which size?"
    assert misbehaving.bodies[-1][2] == {
        "cmd": "buy socks",
        "include_screenshot": True,
        "stream": False,
    }
