"""Profiles over HTTP and the command line, against `stepdeck serve`'s app on 127.0.0.1.

A page sets a cookie, a localStorage and a sessionStorage value nobody ever
sees on screen; the profile is saved with `stepdeck profile save`, a session
starts from it the way Notte's SDK asks (`profile: {id}`), and the values are
then looked for everywhere they must not be: the store's files, every log line,
every HTTP answer and every command's output.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
import pytest_asyncio
from click.testing import CliRunner, Result

from tests.dialects.conftest import serving
from tui.cli import main
from tui.providers.local import LocalProvider
from tui.server import create_app
from tui.store import Store

TOKEN = "profile-test-token"

SECRETS = {
    "cookie": "ck-" + secrets.token_hex(8),
    "local": "ls-" + secrets.token_hex(8),
    "session": "ss-" + secrets.token_hex(8),
}

SET_PAGE = f"""<title>Setting state</title><p>State set.</p><script>
document.cookie = "sid={SECRETS["cookie"]}; path=/";
localStorage.setItem("tok", "{SECRETS["local"]}");
sessionStorage.setItem("s", "{SECRETS["session"]}");
</script>"""

CHECK_PAGE = f"""<title>Checking state</title><p id=out>checking</p><script>
const yes = (ok) => ok ? "yes" : "no";
document.getElementById("out").textContent =
  "cookie " + yes(document.cookie.includes("{SECRETS["cookie"]}")) +
  " local " + yes(localStorage.getItem("tok") === "{SECRETS["local"]}") +
  " session " + yes(sessionStorage.getItem("s") === "{SECRETS["session"]}");
</script>"""


class StateSite(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        body = {"/set": SET_PAGE, "/check": CHECK_PAGE}.get(self.path, "<title>?</title>")
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), StateSite)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest_asyncio.fixture
async def served(stepdeck_home) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """`stepdeck serve`'s app over a LocalProvider, on uvicorn at 127.0.0.1, in this loop."""
    provider = LocalProvider(nav_timeout_ms=10_000, action_timeout_ms=5_000)
    store = Store()
    app = create_app(provider, TOKEN, store=store, manage_provider=False)
    await provider.start()
    try:
        async with serving(app) as url:
            headers = {"Authorization": f"Bearer {TOKEN}"}
            async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as http:
                yield http, url
    finally:
        await provider.aclose()
        store.close()


def leaks(text: str) -> list[str]:
    return [name for name, value in SECRETS.items() if value in text]


async def stepdeck(*args: str) -> Result:
    """The `stepdeck` command line, in a thread (its `profile save` runs its own loop)."""
    runner = CliRunner()
    return await asyncio.to_thread(
        runner.invoke, main, list(args), env={"STEPDECK_TOKEN": TOKEN}, catch_exceptions=False
    )


async def test_profile_over_http_and_cli_never_leaks_values(served, site, stepdeck_home, caplog):
    from notte_core.types import SessionStartRequest as SdkStart
    from notte_sdk._compat.profiles import ProfileResponse as SdkProfile

    caplog.set_level(logging.DEBUG)  # every log line of the server, engine and store
    http, url = served
    answers: list[str] = []
    outputs: list[str] = []

    async def call(method: str, path: str, **kw) -> httpx.Response:
        r = await http.request(method, path, **kw)
        answers.append(r.text)
        return r

    r = await call("POST", "/sessions/start", json={"url": f"{site}/set"})
    sid = r.json()["session_id"]
    observed = (await call("POST", f"/sessions/{sid}/page/scrape")).json()
    assert "State set." in json.dumps(observed)

    saved = await stepdeck("profile", "save", sid, "leak", "--server", url)
    shown = await stepdeck("profile", "show", "leak")
    listed = await stepdeck("profile", "list")
    outputs += [saved.output, shown.output, listed.output]
    assert saved.exit_code == 0, saved.output
    assert "leak" in saved.output and "sid" in saved.output
    assert "cookies  127.0.0.1: sid" in shown.output
    assert "localStorage" in shown.output and "sessionStorage" in shown.output

    # Notte's own save route answers in the SDK's ProfileResponse shape.
    r = await call("POST", f"/sessions/{sid}/profile/save", json={"name": "leak-copy"})
    assert r.status_code == 200, r.text
    assert SdkProfile.model_validate(r.json()).persisted_domains == ["127.0.0.1"]

    # Start a session from it exactly as the SDK sends it (plus stepdeck's url).
    body = SdkStart.from_data({"profile": {"id": "leak"}}).model_dump(context={"wire": True})
    r = await call("POST", "/sessions/start", json={**body, "url": f"{site}/check"})
    assert r.status_code == 200, r.text
    fresh = r.json()
    assert fresh["profile"] == "leak"
    page = (await call("POST", f"/sessions/{fresh['session_id']}/page/scrape")).json()
    assert "cookie yes local yes session yes" in json.dumps(page)
    listing = (await call("GET", "/sessions")).json()
    assert "leak" in {s["profile"] for s in listing["items"]}

    # A corrupt profile: a clear 4xx naming it; the server keeps serving.
    (stepdeck_home / "data" / "profiles" / "bad.json").write_text("{not json")
    r = await call("POST", "/sessions/start", json={"profile": {"id": "bad"}})
    assert r.status_code == 422 and "bad" in r.json()["message"], r.text
    assert "stepdeck profile delete bad" in r.json()["hint"]
    r = await call("POST", "/sessions/start", json={"profile": {"id": "missing"}})
    assert r.status_code == 404, r.text
    assert (await call("GET", "/sessions")).status_code == 200
    for s in (sid, fresh["session_id"]):
        await call("DELETE", f"/sessions/{s}/stop")

    profile_file = stepdeck_home / "data" / "profiles" / "leak.json"
    assert leaks(profile_file.read_text()) == ["cookie", "local", "session"]  # the test can fail
    store_files = list((stepdeck_home / "data").glob("stepdeck.sqlite3*"))
    assert store_files
    for path in store_files:
        assert not leaks(path.read_bytes().decode("latin-1")), path
    assert caplog.records  # the log was captured
    assert not leaks(caplog.text)
    assert not leaks("\n".join(answers))
    assert not leaks("\n".join(outputs))

    deleted = await stepdeck("profile", "delete", "leak")
    assert deleted.exit_code == 0 and not profile_file.exists()
    gone = CliRunner().invoke(main, ["profile", "show", "leak"])
    assert gone.exit_code != 0 and "No profile named 'leak'" in gone.output
