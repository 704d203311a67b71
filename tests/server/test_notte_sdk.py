"""The official notte-sdk, unmodified, against `stepdeck serve` (only its base URL and key change)."""

from __future__ import annotations

import contextlib

import pytest
from pydantic import BaseModel


@pytest.fixture(scope="module")
def notte(serve):
    import notte_core.telemetry
    import notte_sdk.endpoints.base

    # No internet in tests: the SDK asks PyPI for its latest version on first use, and
    # notte-core sends telemetry unless told not to (in case it was imported before the env).
    notte_sdk.endpoints.base._version_check_performed = True
    notte_core.telemetry.DISABLE_TELEMETRY = True
    from notte_sdk import NotteClient

    return NotteClient(api_key=serve.token, server_url=serve.url)


class Product(BaseModel):
    name: str
    price: float


class Products(BaseModel):
    products: list[Product]


def test_sdk_session_start_observe_execute_scrape_stop(notte, demo_server, monkeypatch):
    monkeypatch.setenv("DISABLE_TELEMETRY", "true")
    with notte.Session() as session:
        done = session.execute(type="goto", url=f"{demo_server}/shop")
        assert done.success

        obs = session.observe()
        assert obs.metadata.url == f"{demo_server}/shop"
        assert obs.screenshot.raw  # decoded by the SDK
        search = next(a for a in obs.space.interaction_actions if a.type == "fill")

        filled = session.execute(type="fill", id=search.id, value="airpods", press_enter=True)
        assert filled.success and filled.action.id == search.id
        assert "q=airpods" in session.observe().metadata.url

        assert "AirPods Pro" in session.scrape()
        products = session.scrape(response_format=Products)
        assert isinstance(products, Products)
        assert products.products[0].name == "AirPods Pro"

        listed = notte.sessions.list()
        assert session.session_id in [s.session_id for s in listed]
        status = session.status()
        assert status.status == "active"
    assert session.status().status == "closed"


def test_sdk_sees_a_failed_action(notte, demo_server, monkeypatch):
    from notte_core.errors.base import NotteBaseError

    monkeypatch.setenv("DISABLE_TELEMETRY", "true")
    with notte.Session() as session:
        session.execute(type="goto", url=f"{demo_server}/shop")
        # a failed action is the SDK's failed ExecutionResult (200), not an HTTP error
        failed = session.execute(type="click", id="B404", raise_on_failure=False)
        assert failed.success is False and "B404" in failed.message
        with pytest.raises(NotteBaseError):
            session.execute(type="click", id="B404")


def test_sdk_actions_the_neutral_step_lacks(notte, pages_server, monkeypatch):
    monkeypatch.setenv("DISABLE_TELEMETRY", "true")
    with notte.Session() as session:
        session.execute(type="goto", url=f"{pages_server}/form.html")
        obs = session.observe()
        # the README's example prints this: a true sentence, not ''
        assert obs.space.description.startswith("Form page: ")
        assert str(len(obs.space.interaction_actions)) in obs.space.description
        assert session.evaluate_js("document.title") == "Form page"
        assert session.evaluate_js("window.clicks") == "0"
        # by selector, as the SDK sends it (a NodeSelectors object)
        assert session.execute(type="click", selector="#count").success
        assert session.evaluate_js("window.clicks") == "1"
        filled = session.execute(type="fill", selector="#name", value="Ada")
        assert filled.success, filled.message
        assert session.evaluate_js("document.getElementById('name').value") == "Ada"
        missing = session.execute(type="click", selector="#nope", raise_on_failure=False)
        assert not missing.success and "#nope" in missing.message
        form = session.execute(type="form_fill", value={"email": "ada@example.com"})
        assert form.success, form.message
        assert session.evaluate_js("document.getElementById('email').value") == "ada@example.com"
        captcha = session.execute(type="captcha_solve", raise_on_failure=False)
        assert not captcha.success and "CAPTCHA" in captcha.message
        broken = session.execute(type="evaluate_js", code="nope(", raise_on_failure=False)
        assert not broken.success


def test_sdk_scrape_with_instructions_runs_the_extractor(notte, demo_server, monkeypatch):
    monkeypatch.setenv("DISABLE_TELEMETRY", "true")
    with notte.Session() as session:
        session.execute(type="goto", url=f"{demo_server}/shop")
        data = session.scrape(instructions="the names and prices of the products")
        rows = data.model_dump() if hasattr(data, "model_dump") else data
        rows = rows if isinstance(rows, list) else rows.get("root", rows)
        assert any("AirPods Pro" in str(r.get("name")) for r in rows), rows


def test_page_step_answers_seed_002s_shape(serve, pages_server):
    with serve.client() as http:
        sid = http.post("/sessions/start", json={}).json()["session_id"]
        try:
            http.post(
                f"/sessions/{sid}/page/execute",
                json={"type": "goto", "url": f"{pages_server}/form.html"},
            )
            body = http.post(f"/sessions/{sid}/page/step", json={"type": "scroll_down"}).json()
            assert {"session", "space", "metadata", "data", "progress"} <= set(body)
            for action in body["space"]["actions"]:
                assert {"id", "description", "category", "status", "params"} <= set(action)
            browser = {a["id"]: a for a in body["space"]["browser_actions"]}
            assert browser["S1"]["description"] and browser["S10"]["name"] == "scroll_down"
            for action in browser.values():
                assert {"id", "description", "category", "status"} <= set(action)
            assert body["space"]["description"].startswith("Form page: ")
        finally:
            http.delete(f"/sessions/{sid}/stop")


def test_sdk_cookies_offset_debug_info_and_replay(notte, pages_server, monkeypatch):
    monkeypatch.setenv("DISABLE_TELEMETRY", "true")
    with notte.Session() as session:
        session.execute(type="goto", url=f"{pages_server}/form.html")
        host = pages_server.split("//", 1)[1].split(":", 1)[0]
        cookie = {"name": "flavour", "value": "oat", "domain": host, "path": "/", "httpOnly": False}
        assert session.set_cookies(cookies=[cookie]).success
        assert session.evaluate_js("document.cookie") == "flavour=oat"
        got = {c["name"]: c for c in session.get_cookies()}  # the SDK hands back plain dicts
        assert got["flavour"]["value"] == "oat" and got["flavour"]["domain"] == host
        assert session.offset() == 1  # one step so far
        info = session.debug_info()
        assert (
            info.ws.cdp.startswith("ws://") and f"/sessions/{session.session_id}/cdp" in info.ws.cdp
        )
        assert info.tabs[0].metadata.url.endswith("/form.html")
        with pytest.raises(ValueError, match="still active"):
            session.replay()
        sid = session.session_id
    replay = notte.sessions.replay(sid, wait=False)
    assert replay.mp4_url is None  # no video: an empty replay, not a 404


def test_playwright_drives_a_served_session_over_its_cdp_url(
    notte, serve, pages_server, monkeypatch
):
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DISABLE_TELEMETRY", "true")
    with notte.Session() as session, notte.Session() as other:
        session.execute(type="goto", url=f"{pages_server}/form.html")
        other.execute(type="goto", url=f"{pages_server}/links.html")
        url = session.cdp_url()
        with sync_playwright() as pw:
            browser = pw.chromium.connect_over_cdp(url, timeout=30_000)
            try:
                pages = [p for c in browser.contexts for p in c.pages]
                # that session's page only: not the other session's
                assert [p.title() for p in pages] == ["Form page"]
                pages[0].click("#count")
                pages[0].fill("#name", "Grace")
            finally:
                browser.close()
        # the SDK (and the app) see what the script did
        assert session.evaluate_js("window.clicks") == "1"
        assert session.evaluate_js("document.getElementById('name').value") == "Grace"
        assert other.observe().metadata.title == "Links page"  # untouched, still alive
        wrong = url.rsplit("token=", 1)[0] + "token=nope"
        with sync_playwright() as pw, pytest.raises(PlaywrightError):
            pw.chromium.connect_over_cdp(wrong, timeout=10_000)


def test_cdp_url_refuses_what_would_reach_other_sessions(notte, serve, pages_server, monkeypatch):
    """Raw CDP over the bridge, at the browser level and from inside a page's session: the
    browser cannot be closed, another session's target (its id learned from that session's
    own cdp_url) cannot be attached, closed or listed, nor another context named."""
    import json

    from websockets.sync.client import connect

    def asker(ws):
        answers: dict[int, dict] = {}

        def ask(mid: int, method: str, session: str | None = None, **params) -> dict:
            message = {"id": mid, "method": method, "params": params}
            if session:
                message["sessionId"] = session
            ws.send(json.dumps(message))
            while mid not in answers:
                got = json.loads(ws.recv(timeout=30))
                if "id" in got:
                    answers[got["id"]] = got
            return answers[mid]

        return ask

    def pages(answer: dict) -> list[dict]:
        return [t for t in answer["result"]["targetInfos"] if t["type"] == "page"]

    monkeypatch.setenv("DISABLE_TELEMETRY", "true")
    with notte.Session() as session, notte.Session() as other:
        session.execute(type="goto", url=f"{pages_server}/form.html")
        other.execute(type="goto", url=f"{pages_server}/links.html")
        with connect(other.cdp_url(), open_timeout=30, max_size=None) as ws:
            (theirs,) = pages(asker(ws)(1, "Target.getTargets"))
        assert theirs["title"] == "Links page"
        foreign = {"targetId": theirs["targetId"]}
        elsewhere = {"url": "about:blank", "browserContextId": theirs["browserContextId"]}
        with connect(session.cdp_url(), open_timeout=30, max_size=None) as ws:
            ask = asker(ws)
            (mine,) = pages(ask(1, "Target.getTargets"))
            assert mine["title"] == "Form page"
            inside = ask(2, "Target.attachToTarget", targetId=mine["targetId"], flatten=True)
            page = inside["result"]["sessionId"]
            listed = pages(ask(3, "Target.getTargets", page))  # from inside the page too
            assert [t["targetId"] for t in listed] == [mine["targetId"]]
            refused = [
                ("Browser.close", None, {}),
                ("Target.createBrowserContext", None, {}),
                ("Target.attachToBrowserTarget", None, {}),
                ("Target.attachToTarget", None, {**foreign, "flatten": True}),
                ("Target.closeTarget", None, foreign),
                ("Target.createTarget", None, elsewhere),
                ("Storage.getCookies", None, {"browserContextId": "0" * 32}),
                ("Target.attachToTarget", page, {**foreign, "flatten": True}),
                ("Target.closeTarget", page, foreign),
                ("Target.createTarget", page, elsewhere),
                ("Target.setDiscoverTargets", page, {"discover": True}),
                ("Browser.close", page, {}),
            ]
            for mid, (method, where, params) in enumerate(refused, start=10):
                assert "error" in ask(mid, method, where, **params), (method, where)
            title = ask(30, "Runtime.evaluate", page, expression="document.title")
            assert title["result"]["result"]["value"] == "Form page"  # the page's own session works
            assert "result" in ask(31, "Storage.getCookies", page)  # (its own context: implied)
        assert other.observe().metadata.title == "Links page"  # untouched, the browser lives on


def _listening_ports(pids: set[int]) -> dict[int, set[int]]:
    """Listening TCP ports (IPv4 and IPv6) owned by `pids`: pid -> ports."""
    import os
    from pathlib import Path

    listening: dict[str, int] = {}  # socket inode -> port
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if fields[3] == "0A":  # TCP_LISTEN
                    listening[fields[9]] = int(fields[1].rsplit(":", 1)[1], 16)
    owned: dict[int, set[int]] = {}
    for pid in pids:
        with contextlib.suppress(OSError):
            for fd in os.listdir(f"/proc/{pid}/fd"):
                with contextlib.suppress(OSError):
                    link = os.readlink(f"/proc/{pid}/fd/{fd}")
                    inode = link.removeprefix("socket:[").removesuffix("]")
                    if inode in listening:
                        owned.setdefault(pid, set()).add(listening[inode])
    return owned


def _process_tree(root: int) -> dict[int, str]:
    """`root` and every process below it: pid -> command line."""
    from pathlib import Path

    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            # the command name may hold spaces and parentheses: the fields follow the last ')'
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
    tree, todo = {root}, [root]
    while todo:
        pid = todo.pop()
        children = [p for p, parent in parents.items() if parent == pid and p not in tree]
        tree.update(children)
        todo.extend(children)
    lines = {}
    for pid in tree:
        with contextlib.suppress(OSError):
            lines[pid] = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    return lines


def test_the_browser_opens_no_devtools_port_and_cdp_url_is_the_only_way_in(
    notte, serve, pages_server, monkeypatch
):
    """While serve runs a session and a client drives it over cdp_url, nothing the server
    started listens on TCP but the server's own port: no process on the machine can reach
    the browser's DevTools without the token."""
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DISABLE_TELEMETRY", "true")
    port = int(serve.url.rsplit(":", 1)[1])
    with notte.Session() as session:
        session.execute(type="goto", url=f"{pages_server}/form.html")
        with sync_playwright() as pw:
            browser = pw.chromium.connect_over_cdp(session.cdp_url(), timeout=30_000)
            try:
                tree = _process_tree(serve.proc.pid)
                assert any("chrom" in line for line in tree.values()), tree  # it runs
                assert not [line for line in tree.values() if "remote-debugging-port" in line]
                owned = _listening_ports(set(tree))
                assert owned == {serve.proc.pid: {port}}, (owned, tree)
                # and the client still drives the page through the bridge
                page = browser.contexts[0].pages[0]
                assert page.title() == "Form page"
            finally:
                browser.close()
        # the url's token is in no line the server printed (no access log shows `?token=`)
        assert session.cdp_url().rsplit("token=", 1)[1] not in "".join(serve.output)


def test_cdp_url_carries_new_tabs_and_workers(notte, serve, pages_server, monkeypatch):
    """A tab the client opens lands in the session's own context (the SDK sees it), and a
    worker (a session nested under the page's) answers too."""
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DISABLE_TELEMETRY", "true")
    with notte.Session() as session:
        session.execute(type="goto", url=f"{pages_server}/form.html")
        with sync_playwright() as pw:
            browser = pw.chromium.connect_over_cdp(session.cdp_url(), timeout=30_000)
            try:
                context = browser.contexts[0]
                page = context.new_page()
                page.goto(f"{pages_server}/links.html")
                assert page.title() == "Links page"
                # a worker is a session nested under the page's
                with page.expect_worker() as started:
                    page.evaluate("new Worker(URL.createObjectURL(new Blob(['self.answer = 42'])))")
                worker = started.value
                assert worker.evaluate("self.answer") == 42
                assert {p.url.rsplit("/", 1)[-1] for p in context.pages} >= {"form.html"}
            finally:
                browser.close()
        tabs = session.observe().metadata.tabs
        assert len(tabs) == 2, tabs  # the tab the client opened is the session's


def test_agents_start_status_and_stop_run_the_embedded_agent(serve, pages_server):
    import time

    from notte_sdk._generated.models import (
        AgentResponse,
        AgentStatusResponse,
        ApiAgentStartRequest,
    )

    with serve.client() as http:
        sid = http.post("/sessions/start", json={}).json()["session_id"]
        try:
            request = ApiAgentStartRequest(
                task="click Click me", url=f"{pages_server}/form.html", session_id=sid, max_steps=3
            )
            started = http.post("/agents/start", json=request.model_dump(exclude_none=True))
            assert started.status_code == 200, started.text
            agent = AgentResponse.model_validate(started.json())
            assert agent.session_id == sid
            deadline = time.monotonic() + 60
            while True:  # the SDK's Agent polls the same way
                status = AgentStatusResponse.model_validate(
                    http.get(f"/agents/{agent.agent_id}", params={"session_id": sid}).json()
                )
                if status.status == "closed" or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            assert status.status == "closed" and status.success, status.answer
            clicks = http.post(
                f"/sessions/{sid}/page/execute",
                json={"type": "evaluate_js", "code": "window.clicks"},
            ).json()
            assert clicks["data"]["markdown"] == "1"
            stopped = http.delete(f"/agents/{agent.agent_id}/stop", params={"session_id": sid})
            assert AgentResponse.model_validate(stopped.json()).status == "closed"
            assert http.get("/agents/nope").status_code == 404
        finally:
            http.delete(f"/sessions/{sid}/stop")


def test_the_readme_sdk_example_prints_what_is_true(serve, pages_server, capsys, monkeypatch):
    import re
    from pathlib import Path

    monkeypatch.setenv("DISABLE_TELEMETRY", "true")
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    code = next(b for b in re.findall(r"```python\n(.*?)```", readme, re.S) if "NotteClient" in b)
    code = code.replace("http://127.0.0.1:8390", serve.url)
    code = code.replace("https://example.com", f"{pages_server}/links.html")
    exec(compile(code, "README.md", "exec"), {"token": serve.token})
    description, title, cdp = capsys.readouterr().out.splitlines()
    assert description.startswith("Links page: ") and "link" in description
    assert title == "Links page"
    assert cdp.startswith(serve.url.replace("http://", "ws://") + "/sessions/")
