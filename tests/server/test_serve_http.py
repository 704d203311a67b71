"""`stepdeck serve` as a real process, driven over HTTP in Notte's wire format."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import socket
import time

import httpx
import pytest

from tests.support import read_http_answer, start_serve
from tui.server import listen_socket, run_server

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def serve(tmp_path_factory):
    """This module's server: a short navigation timeout so a hanging page answers 504 fast."""
    pytest.importorskip("tui.providers.local", reason="the embedded engine is not built yet")
    server = start_serve(
        tmp_path_factory.mktemp("serve-http"), extra_env={"STEPDECK_NAV_TIMEOUT_MS": "1500"}
    )
    yield server
    server.stop()


@pytest.fixture(scope="module")
def http(serve):
    with serve.client() as client:
        yield client


def start(http, url: str) -> str:
    reply = http.post("/sessions/start", json={"url": url, "label": "from a test"})
    assert reply.status_code == 200, reply.text
    return reply.json()["session_id"]


def assert_error(reply: httpx.Response, status: int, error: str | None = None) -> dict:
    assert reply.status_code == status, reply.text
    body = reply.json()
    assert set(body) >= {"error", "message", "hint"}
    assert body["message"]
    if error:
        assert body["error"] == error
    return body


def test_docs_and_health_need_no_token(serve):
    assert httpx.get(f"{serve.url}/health", timeout=60).json()["status"] == "ok"
    spec = httpx.get(f"{serve.url}/openapi.json", timeout=60).json()
    assert (
        "/sessions/start" in spec["paths"] and "/sessions/{session_id}/page/step" in spec["paths"]
    )
    assert httpx.get(f"{serve.url}/docs", timeout=60).status_code == 200


def test_token_is_required(serve):
    missing = httpx.post(f"{serve.url}/sessions/start", json={}, timeout=60)
    body = assert_error(missing, 401, "AuthError")
    assert "Authorization: Bearer" in body["message"]
    wrong = httpx.get(
        f"{serve.url}/sessions/", headers={"Authorization": "Bearer nope"}, timeout=60
    )
    assert_error(wrong, 401, "AuthError")
    not_bearer = httpx.get(
        f"{serve.url}/sessions/", headers={"Authorization": serve.token}, timeout=60
    )
    assert_error(not_bearer, 401)


def test_full_session_flow(http, demo_server):
    sid = start(http, f"{demo_server}/shop")
    session = http.get(f"/sessions/{sid}").json()
    assert session["status"] == "active" and session["label"] == "from a test"
    assert session["url"].endswith("/shop")
    listed = http.get("/sessions/", params={"page_size": 100}).json()
    assert sid in [s["session_id"] for s in listed["items"]]
    assert listed["page"] == 1 and "has_next" in listed

    obs = http.post(f"/sessions/{sid}/page/observe", json={}).json()
    assert obs["metadata"]["title"] and obs["metadata"]["url"].endswith("/shop")
    assert base64.b64decode(obs["screenshot"]["raw"]).startswith(PNG_MAGIC)
    actions = {a["id"]: a for a in obs["space"]["interaction_actions"]}
    search = next(a for a in actions.values() if a["type"] == "fill")
    assert "Search" in search["description"]
    assert "AirPods" in obs["markdown"]

    done = http.post(
        f"/sessions/{sid}/page/execute",
        json={"type": "fill", "id": search["id"], "value": "kindle", "press_enter": True},
    ).json()
    assert done["success"] and done["action"]["type"] == "fill"
    # Notte's answer is the step alone: an SDK would download the page (a screenshot) and
    # drop it. stepdeck's own client asks for it.
    assert "observation" not in done or done["observation"] is None
    shown = http.post(
        f"/sessions/{sid}/page/execute",
        params={"observation": "true"},
        json={"type": "scroll_down"},
    ).json()
    assert shown["success"]
    assert "/shop/search?q=kindle" in shown["observation"]["metadata"]["url"]
    assert base64.b64decode(shown["observation"]["screenshot"]["raw"]).startswith(PNG_MAGIC)

    step = http.post(f"/sessions/{sid}/page/step", json={"type": "go_back"}).json()
    assert set(step) >= {"session", "space", "metadata", "data", "progress"}
    assert step["metadata"]["url"].endswith("/shop")
    assert step["session"]["session_id"] == sid
    assert {"markdown", "actions", "browser_actions"} <= set(step["space"])
    assert {a["name"] for a in step["space"]["browser_actions"]} >= {"goto", "back", "scroll_down"}
    assert step["progress"]["current_step"] == 3  # fill, scroll_down, go_back
    first = step["space"]["actions"][0]
    assert {"id", "description", "category", "params"} <= set(first)
    assert step["data"]["markdown"]

    markdown = http.post(f"/sessions/{sid}/page/scrape", json={}).json()
    assert "Kindle Paperwhite" in markdown["markdown"]
    schema = {
        "type": "object",
        "properties": {
            "products": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"name": {"type": "string"}, "price": {"type": "number"}},
                },
            }
        },
    }
    structured = http.post(f"/sessions/{sid}/page/scrape", json={"response_format": schema})
    products = structured.json()["structured"]["data"]["products"]
    assert {"name": "Kindle Paperwhite", "price": 159.99} in products

    shot = http.post(f"/sessions/{sid}/page/screenshot").json()
    assert base64.b64decode(shot["raw"]).startswith(PNG_MAGIC)
    network = http.get(f"/sessions/{sid}/network/logs").json()
    assert any("/shop/search" in r["url"] for r in network["requests"])
    log = http.get(f"/sessions/{sid}/log").json()["items"]
    assert [e["type"] for e in log][-3:] == ["fill", "scroll_down", "back"]
    assert http.get(f"/sessions/{sid}/console").json()["session_id"] == sid
    assert http.get(f"/sessions/{sid}/health").json()["ok"] is True

    stopped = http.delete(f"/sessions/{sid}/stop").json()
    assert stopped["status"] == "closed" and stopped["closed_at"]
    assert_error(http.post(f"/sessions/{sid}/page/observe", json={}), 410, "SessionGone")
    assert_error(
        http.post(f"/sessions/{sid}/page/execute", json={"type": "go_back"}), 410, "SessionGone"
    )
    active = http.get("/sessions/").json()["items"]
    assert sid not in [s["session_id"] for s in active]


def test_every_error_is_json_with_a_hint(http, demo_server, pages_server):
    for reply in (
        http.get("/sessions/no-such-session"),
        http.post("/sessions/no-such-session/page/observe", json={}),
        http.post("/sessions/no-such-session/page/execute", json={"type": "go_back"}),
        http.get("/sessions/no-such-session/events"),
    ):
        assert_error(reply, 404, "SessionNotFound")

    sid = start(http, f"{demo_server}/shop")
    execute = f"/sessions/{sid}/page/execute"
    # an id not on the page is a failed action (the SDK's failed ExecutionResult), not a 4xx
    unknown_id = http.post(execute, json={"type": "click", "id": "B99"})
    assert unknown_id.status_code == 200 and unknown_id.json()["success"] is False
    assert "B99" in unknown_id.json()["message"] and "B1" in unknown_id.json()["message"]
    unknown_type = assert_error(http.post(execute, json={"type": "teleport"}), 422)
    assert "teleport" in unknown_type["message"] and "click" in unknown_type["message"]
    assert_error(http.post(execute, json={"type": "click"}), 422)  # no id
    assert_error(http.post(execute, json={"type": "goto"}), 422)  # no url
    not_json = http.post(execute, content=b"{oops", headers={"content-type": "application/json"})
    assert "not valid JSON" in assert_error(not_json, 422)["message"]
    assert_error(http.post("/sessions/start", json={"viewport_width": "wide"}), 422)
    assert_error(http.post("/sessions/start", json={"idle_timeout_minutes": -1}), 422)
    assert_error(http.get("/sessions/", params={"page": 0}), 422)
    assert_error(http.get("/no/such/path"), 404, "NotFound")

    hang = http.post(execute, json={"type": "goto", "url": f"{pages_server}/hang"})
    assert_error(hang, 504, "StepTimeout")
    # the session survives a timeout
    assert http.post(execute, json={"type": "goto", "url": f"{demo_server}/shop"}).json()["success"]
    http.delete(f"/sessions/{sid}/stop")


async def test_event_stream_follows_steps(serve, demo_server):
    async with httpx.AsyncClient(base_url=serve.url, headers=serve.headers, timeout=60) as http:
        sid = (await http.post("/sessions/start", json={"url": f"{demo_server}/shop"})).json()[
            "session_id"
        ]
        events: list[dict] = []
        subscribed = asyncio.Event()

        async def follow() -> None:
            # The lines closed with the stream, in this loop: left mid-iteration, httpx's inner
            # byte iterator went to the garbage collector, which warned once the loop was gone.
            async with (
                http.stream("GET", f"/sessions/{sid}/events") as stream,
                contextlib.aclosing(stream.aiter_lines()) as lines,
            ):
                assert stream.headers["content-type"].startswith("text/event-stream")
                async for line in lines:
                    subscribed.set()
                    if line.startswith("data: "):
                        events.append(json.loads(line[6:]))
                        if events[-1]["kind"] == "status":
                            return

        follower = asyncio.create_task(follow())
        await asyncio.wait_for(subscribed.wait(), 10)
        await http.post(f"/sessions/{sid}/page/execute", json={"type": "scroll_down"})
        await http.post(
            f"/sessions/{sid}/page/execute",
            json={"type": "goto_new_tab", "url": f"{demo_server}/social"},
        )
        await http.delete(f"/sessions/{sid}/stop")
        await asyncio.wait_for(follower, 20)

    kinds = [e["kind"] for e in events]
    assert kinds.count("step") >= 2 and "tab" in kinds and kinds[-1] == "status"
    assert all(e["session_id"] == sid for e in events)


# Leaving an httpx stream mid-iteration leaves httpx's inner byte iterator to the garbage
# collector, which warns after the loop is gone; the stream itself is closed.
async def test_pause_holds_an_agents_step_until_resumed(serve, demo_server):
    async with httpx.AsyncClient(base_url=serve.url, headers=serve.headers, timeout=60) as http:
        sid = (await http.post("/sessions/start", json={"url": f"{demo_server}/shop"})).json()[
            "session_id"
        ]
        paused = (await http.post(f"/sessions/{sid}/pause")).json()
        assert paused["paused"] is True
        held = asyncio.Event()

        async def follow() -> None:
            async with (
                http.stream("GET", f"/sessions/{sid}/events") as stream,
                contextlib.aclosing(stream.aiter_lines()) as lines,
            ):
                async for line in lines:
                    if line.startswith("data: ") and '"held"' in line:
                        held.set()
                        return

        follower = asyncio.create_task(follow())
        step = asyncio.create_task(
            http.post(f"/sessions/{sid}/page/execute", json={"type": "scroll_down"})
        )
        await asyncio.wait_for(held.wait(), 10)
        assert not step.done()  # held while paused
        resumed = (await http.post(f"/sessions/{sid}/resume")).json()
        assert resumed["paused"] is False
        assert (await asyncio.wait_for(step, 20)).json()["success"]
        await follower
        await http.delete(f"/sessions/{sid}/stop")


def test_a_paused_session_refuses_a_held_step_after_the_hold_and_never_runs_it(
    tmp_path, demo_server
):
    """A person who pauses and walks away does not hang an agent: after the hold (here 1 s;
    50 s by default, inside the SDKs' own 60 s) the step is answered 423, not run then or later."""
    server = start_serve(tmp_path, extra_env={"STEPDECK_HOLD_TIMEOUT_S": "1"})
    try:
        with server.client() as http:
            sid = start(http, f"{demo_server}/shop")
            assert http.post(f"/sessions/{sid}/pause").json()["paused"] is True
            reply = http.post(f"/sessions/{sid}/page/execute", json={"type": "scroll_down"})
            body = assert_error(reply, 423, "StepHeld")
            assert "stayed paused for 1 s" in body["message"] and "scroll_down" in body["message"]
            assert "resume" in body["hint"]
            assert http.post(f"/sessions/{sid}/resume").json()["paused"] is False
            # Resuming does not run the refused step: only the one sent again is in the log.
            assert http.post(f"/sessions/{sid}/page/execute", json={"type": "scroll_down"}).json()[
                "success"
            ]
            log = http.get(f"/sessions/{sid}/log").json()["items"]
            assert [entry["type"] for entry in log] == ["scroll_down"], log
    finally:
        server.stop()


def test_store_holds_what_the_server_did(serve, http, demo_server):
    from tui.store import Store

    sid = start(http, f"{demo_server}/shop")
    http.post(f"/sessions/{sid}/page/execute", json={"type": "scroll_down"})
    http.delete(f"/sessions/{sid}/stop")
    with Store(serve.home / "data" / "stepdeck.sqlite3") as store:
        [session] = [s for s in store.sessions("serve") if s.id == sid]
        assert session.status == "closed" and session.label == "from a test"
        [step] = store.steps("serve", sid)
        assert step.request.type == "scroll_down" and step.request.source == "api"
        assert step.screenshot().startswith(PNG_MAGIC)
    assert serve.token not in (serve.home / "data" / "stepdeck.sqlite3").read_text(errors="ignore")


def test_refuses_a_non_loopback_address(capsys):
    assert run_server(host="0.0.0.0", port=0) == 2
    assert "--allow-remote" in capsys.readouterr().err


def test_answers_go_out_without_waiting_for_a_delayed_ack():
    """The listening socket says TCP, so asyncio turns Nagle off on every connection it accepts:
    a keep-alive answer written as headers then body is not held ~40 ms for a delayed ACK."""
    sock = listen_socket("127.0.0.1", 0)
    seen: list[int] = []

    async def main() -> None:
        def accepted(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            conn = writer.get_extra_info("socket")
            seen.append(conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(accepted, sock=sock)
        async with server:
            port = sock.getsockname()[1]
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            for _ in range(200):
                if seen:
                    break
                await asyncio.sleep(0.01)
            writer.close()

    asyncio.run(main())
    assert seen and seen[0] != 0


def test_an_idle_connection_outlives_the_clients_keep_alive(serve):
    """A client keeps an idle connection 5 s for reuse (httpx); serve keeps it longer, so a
    step is never sent on a connection the server is closing at that moment (it would fail
    and is never sent twice). Six seconds idle, then the same connection still answers."""
    host, port = serve.url.removeprefix("http://").split(":")

    def health(conn: socket.socket) -> bytes:
        conn.sendall(f"GET /health HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        return read_http_answer(conn)  # b"" when the server closed the connection

    with socket.create_connection((host, int(port)), timeout=60) as conn:
        assert health(conn).startswith(b"HTTP/1.1 200")
        time.sleep(6)  # past the clients' 5 s: the behaviour under test is a timeout
        assert health(conn).startswith(b"HTTP/1.1 200")
