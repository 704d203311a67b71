"""A pool of four remote browsers behind `stepdeck serve`'s HTTP API.

Three Debian Chromiums with --remote-debugging-port and one `playwright run-server`:
twelve sessions spread across them; one Chromium is killed mid-session (its sessions
turn `error` naming it, the others keep stepping, new sessions go elsewhere, the
per-endpoint limit holds), then it is restarted on the same port and used again.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio

from tests.dialects.conftest import serving
from tests.pool.browsers import PlaywrightServer, RemoteChromium, cleanup
from tests.support import eventually, start_serve
from tui.model import SessionStatus
from tui.providers.local import LocalProvider
from tui.server import create_app
from tui.store import Store

TOKEN = "pool-token"
LIMIT = 4

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browsers() -> AsyncIterator[tuple[list[RemoteChromium], PlaywrightServer]]:
    chromiums = [RemoteChromium() for _ in range(3)]
    server = PlaywrightServer()
    try:
        await asyncio.gather(
            *(asyncio.to_thread(c.start) for c in chromiums), asyncio.to_thread(server.start)
        )
        yield chromiums, server
    finally:
        for b in [*chromiums, server]:
            b.kill()
        cleanup(*(c.profile_dir for c in chromiums))


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def pool(
    browsers, tmp_path_factory
) -> AsyncIterator[tuple[LocalProvider, httpx.AsyncClient]]:
    chromiums, server = browsers
    provider = LocalProvider(
        cdp_url=[c.url for c in chromiums],
        ws_endpoints=[server.url],
        endpoint_limit=LIMIT,
        pool_retry=(0.2, 1.0),
        nav_timeout_ms=15_000,
        action_timeout_ms=5_000,
    )
    await provider.start()
    store = Store(tmp_path_factory.mktemp("pool") / "store.sqlite3")
    app = create_app(provider, TOKEN, store=store, manage_provider=False)
    try:
        async with serving(app) as url:
            headers = {"Authorization": f"Bearer {TOKEN}"}
            async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as http:
                yield provider, http
    finally:
        await provider.aclose()
        store.close()


async def start(http: httpx.AsyncClient, url: str) -> dict:
    r = await http.post("/sessions/start", json={"url": url})
    assert r.status_code == 200, r.text
    return r.json()


async def step(http: httpx.AsyncClient, sid: str) -> dict:
    r = await http.post(f"/sessions/{sid}/page/execute", json={"type": "scroll_down"})
    assert r.status_code == 200, r.text
    return r.json()


async def test_sessions_spread_survive_a_dead_endpoint_and_it_rejoins(pool, browsers, pages_server):
    provider, http = pool
    chromiums, server = browsers
    form = f"{pages_server}/form.html"
    labels = [f"cdp 127.0.0.1:{c.port}" for c in chromiums] + [f"ws 127.0.0.1:{server.port}"]

    started = await asyncio.gather(*(start(http, form) for _ in range(12)))
    listed = (await http.get("/sessions", params={"page_size": 100})).json()["items"]
    where = {s["session_id"]: s["endpoint"] for s in listed}
    assert Counter(where.values()) == {label: 3 for label in labels}  # least-loaded: 3 each
    assert {s["endpoint"] for s in started} == set(labels)
    assert "launch-options" not in str(listed)  # labels carry no query (tokens live there)

    killed = labels[0]
    doomed = [sid for sid, ep in where.items() if ep == killed]
    alive = [sid for sid, ep in where.items() if ep != killed]
    chromiums[0].kill()

    async def status(sid: str) -> dict:
        return (await http.get(f"/sessions/{sid}")).json()

    def all_failed() -> bool:
        return all(provider.engine.get(sid).status == SessionStatus.ERROR for sid in doomed)

    await eventually(all_failed, "the killed endpoint's sessions turned error")
    for s in await asyncio.gather(*map(status, doomed)):
        assert killed in s["error"], s["error"]
    r = await http.post(f"/sessions/{doomed[0]}/page/execute", json={"type": "scroll_down"})
    assert r.status_code >= 400 and killed in r.json()["message"]

    # Every other session keeps stepping, and stays active.
    results = await asyncio.gather(*(step(http, sid) for sid in alive))
    assert all(r["success"] for r in results)
    assert all(s["status"] == "active" for s in await asyncio.gather(*map(status, alive)))

    # New sessions go to the three live endpoints, up to the limit of 4 each; then a clear 503.
    more = await asyncio.gather(*(start(http, form) for _ in range(3)))
    assert {s["endpoint"] for s in more} == set(labels[1:])
    r = await http.post("/sessions/start", json={"url": form})
    assert r.status_code == 503 and "limit of 4" in r.json()["message"], r.text
    pool_state = (await http.get("/pool")).json()["endpoints"]
    down = next(e for e in pool_state if e["endpoint"] == killed)
    assert not down["up"] and down["error"]

    # Restarted on the same port, it rejoins (background retry) and takes the next session.
    await asyncio.to_thread(chromiums[0].start)
    await eventually(lambda: provider.engine.pool.is_up(killed), "the endpoint rejoined")
    back = await start(http, form)
    assert back["endpoint"] == killed
    assert (await step(http, back["session_id"]))["success"]

    for s in [*started, *more, back]:
        await http.delete(f"/sessions/{s['session_id']}/stop")
    await eventually(
        lambda: all(e["sessions"] == 0 for e in provider.pool_state()), "contexts released"
    )


async def test_serve_command_line_takes_a_pool(browsers, tmp_path, pages_server):
    """`stepdeck serve --cdp-url A --cdp-url B --per-endpoint 1`: one session on each, then 503."""
    chromiums, _ = browsers
    args = ["--cdp-url", chromiums[1].url, "--cdp-url", chromiums[2].url, "--per-endpoint", "1"]
    serve = await asyncio.to_thread(start_serve, tmp_path / "home", *args)
    try:
        assert "browser pool: cdp 127.0.0.1:" in "".join(serve.output)

        def drive() -> None:
            with serve.client() as http:
                state = http.get("/pool").json()["endpoints"]
                assert [e["up"] for e in state] == [True, True] and state[0]["limit"] == 1
                body = {"url": f"{pages_server}/form.html"}
                first = http.post("/sessions/start", json=body).json()
                second = http.post("/sessions/start", json=body).json()
                assert {first["endpoint"], second["endpoint"]} == {e["endpoint"] for e in state}
                third = http.post("/sessions/start", json=body)
                assert third.status_code == 503, third.text
                for s in (first, second):
                    http.delete(f"/sessions/{s['session_id']}/stop")

        await asyncio.to_thread(drive)
    finally:
        await asyncio.to_thread(serve.stop)


async def test_the_app_header_says_where_a_session_runs(browsers, pages_server):
    """The app over a pool: the selected session's header names its endpoint."""
    from tests.ui.ui_helpers import settle
    from tui.ui.app import StepdeckApp
    from tui.ui.widgets.session_header import HeaderText

    chromiums, _ = browsers
    provider = LocalProvider(cdp_url=[c.url for c in chromiums[1:]])
    app = StepdeckApp([provider], images="none", start_url=f"{pages_server}/form.html")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        (session,) = await provider.list_sessions()
        assert session.endpoint.startswith("cdp 127.0.0.1:")
        assert f"on {session.endpoint}" in app.query_one(HeaderText).text.plain
        # The sidebar row says it too (the row is cut to its width: the host is enough).
        sidebar = app.screen.query_one("#session-options")
        row = str(sidebar.get_option(app.selected).prompt)
        assert "on cdp 127.0.0.1" in row
