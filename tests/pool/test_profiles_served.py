"""Profiles over HTTP and the command line, against a real `stepdeck serve`.

A page sets a cookie, a localStorage and a sessionStorage value nobody ever
sees on screen; the profile is saved with `stepdeck profile save`, a session
starts from it the way Notte's SDK asks (`profile: {id}`), and the values are
then looked for everywhere they must not be: the store, the server's output,
every HTTP answer and every command's output.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.pool.serve import Serve, start_serve, stepdeck

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


@pytest.fixture
def serve(tmp_path) -> Iterator[Serve]:
    s = start_serve(tmp_path / "home")
    try:
        yield s
    finally:
        s.stop()


def leaks(text: str) -> list[str]:
    return [name for name, value in SECRETS.items() if value in text]


def test_profile_over_http_and_cli_never_leaks_values(serve: Serve, site: str):
    from notte_core.types import SessionStartRequest as SdkStart
    from notte_sdk._compat.profiles import ProfileResponse as SdkProfile

    answers: list[str] = []
    outputs: list[str] = []
    with serve.client() as http:

        def call(method: str, path: str, **kw):
            r = http.request(method, path, **kw)
            answers.append(r.text)
            return r

        sid = call("POST", "/sessions/start", json={"url": f"{site}/set"}).json()["session_id"]
        assert "State set." in call("POST", f"/sessions/{sid}/page/observe").json()["space"][
            "description"
        ] + json.dumps(call("POST", f"/sessions/{sid}/page/scrape").json())

        saved = stepdeck("profile", "save", sid, "leak", "--server", serve.url, home=serve.home)
        outputs.append(saved.stdout + saved.stderr)
        assert saved.returncode == 0, saved.stderr
        assert "sid" in saved.stdout and "leak" in saved.stdout
        shown = stepdeck("profile", "show", "leak", home=serve.home)
        listed = stepdeck("profile", "list", home=serve.home)
        outputs += [shown.stdout + shown.stderr, listed.stdout + listed.stderr]
        assert "cookies  127.0.0.1: sid" in shown.stdout
        assert "localStorage" in shown.stdout and "sessionStorage" in shown.stdout

        # Notte's own save route answers in the SDK's ProfileResponse shape.
        r = call("POST", f"/sessions/{sid}/profile/save", json={"name": "leak-copy"})
        assert r.status_code == 200, r.text
        assert SdkProfile.model_validate(r.json()).persisted_domains == ["127.0.0.1"]

        # Start a session from it exactly as the SDK sends it (plus stepdeck's url).
        body = SdkStart.from_data({"profile": {"id": "leak"}}).model_dump(context={"wire": True})
        r = call("POST", "/sessions/start", json={**body, "url": f"{site}/check"})
        assert r.status_code == 200, r.text
        fresh = r.json()
        assert fresh["profile"] == "leak"
        page = call("POST", f"/sessions/{fresh['session_id']}/page/scrape").json()
        assert "cookie yes local yes session yes" in json.dumps(page)
        listing = call("GET", "/sessions").json()
        assert {"leak"} <= {s["profile"] for s in listing["items"]}

        # A corrupt profile: a clear 4xx naming it; the server keeps serving.
        (serve.home / "data" / "profiles" / "bad.json").write_text("{not json")
        r = call("POST", "/sessions/start", json={"profile": {"id": "bad"}})
        assert r.status_code == 422 and "bad" in r.json()["message"], r.text
        assert "stepdeck profile delete bad" in r.json()["hint"]
        r = call("POST", "/sessions/start", json={"profile": {"id": "missing"}})
        assert r.status_code == 404, r.text
        assert call("GET", "/sessions").status_code == 200
        call("DELETE", f"/sessions/{sid}/stop")
    serve.stop()

    profile_file = serve.home / "data" / "profiles" / "leak.json"
    assert leaks(profile_file.read_text()) == ["cookie", "local", "session"]  # the test can fail
    store_files = list((serve.home / "data").glob("stepdeck.sqlite3*"))
    assert store_files
    for path in store_files:
        assert not leaks(path.read_bytes().decode("latin-1")), path
    assert not leaks("".join(serve.output))
    assert not leaks("\n".join(answers))
    assert not leaks("\n".join(outputs))
    deleted = stepdeck("profile", "delete", "leak", home=serve.home)
    assert deleted.returncode == 0 and not profile_file.exists()
    gone = stepdeck("profile", "show", "leak", home=serve.home)
    assert gone.returncode != 0 and "No profile named 'leak'" in gone.stderr
