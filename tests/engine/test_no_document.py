"""A link whose navigation never brings a new document answers at once, and says why.

A download (`Content-Disposition: attachment`, `<a download>`), a `mailto:` link and
an answer 204 leave the page as it was. The step must not wait out the navigation
timeout (30 s here) and must not call the page hung: each step below is bounded by
STEP_BOUND_S, a third of it, and a step that waited for a document fails that bound.
The step says what happened, a downloaded file is kept in the session's folder under
the data dir, and the ids of the page observed before still act.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
import pytest_asyncio

from tests.engine.conftest import find, open_page
from tests.support import loopback_http, started_local
from tui.engine.downloads import free_path, safe_name, size_text
from tui.model import StepRequest, StepResult
from tui.providers.local import LocalProvider

pytestmark = pytest.mark.asyncio(loop_scope="module")

NAV_TIMEOUT_S = 30
STEP_BOUND_S = 10  # well under the navigation timeout: a step that waits for a page fails it
REPORT = b"%PDF-1.4\n" + b"x" * 12_279  # 12 KB
PAGE = b"""<!doctype html><title>Links</title><h1>Links</h1>
<p><a href="/report.pdf">Report</a> <a href="/notes.txt" download>Notes</a>
<a href="/nothing">Mark as read</a> <a href="mailto:help@example.com">Email us</a>
<a href="/other">Other page</a></p>
<form action="/report.pdf"><input name="q" placeholder="Report name"></form>
<form action="/other"><label>Email <input type="email" name="email" required></label>
<button>Join</button></form>
"""


class Handler(BaseHTTPRequestHandler):
    def log_message(self, format, *args):  # quiet test output
        pass

    def do_GET(self):
        path = self.path.split("?")[0]
        if path == "/":
            self._send(200, PAGE, "text/html; charset=utf-8")
        elif path == "/other":
            self._send(200, b"<title>Other</title><p>Another page</p>", "text/html")
        elif path == "/report.pdf":
            disposition = 'attachment; filename="report.pdf"'
            self._send(200, REPORT, "application/pdf", disposition)
        elif path == "/notes.txt":
            self._send(200, b"take notes", "text/plain")
        elif path == "/nothing":
            self.send_response(204)
            self.end_headers()
        else:
            self._send(404, b"not found", "text/plain")

    def _send(self, code: int, body: bytes, kind: str, disposition: str = "") -> None:
        self.send_response(code)
        self.send_header("Content-Type", kind)
        if disposition:
            self.send_header("Content-Disposition", disposition)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    with loopback_http(Handler) as url:
        yield url


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def patient() -> AsyncIterator[LocalProvider]:
    async with started_local(nav_timeout_ms=NAV_TIMEOUT_S * 1000, action_timeout_ms=3_000) as p:
        yield p


async def step(provider: LocalProvider, sid: str, request: StepRequest) -> StepResult:
    return await asyncio.wait_for(provider.step(sid, request), STEP_BOUND_S)


async def click(provider: LocalProvider, sid: str, obs, name: str) -> StepResult:
    return await step(provider, sid, StepRequest(type="click", id=find(obs, name).id))


async def assert_page_stays(provider: LocalProvider, sid: str, site: str, obs, r: StepResult):
    """The step succeeded on the same page, and an id observed before still acts."""
    assert r.success, r.message
    assert r.observation.metadata.url == site
    assert r.observation.metadata.title == "Links"
    other = await step(provider, sid, StepRequest(type="click", id=find(obs, "Other page").id))
    assert other.observation.metadata.title == "Other"


async def test_a_download_link_keeps_the_file_and_the_page(patient, site, stepdeck_home: Path):
    sid, obs = await open_page(patient, site)
    r = await click(patient, sid, obs, "Report")
    kept = stepdeck_home / "data" / "downloads" / sid / "report.pdf"
    assert "downloaded report.pdf (12 KB)" in r.message
    assert str(kept) in r.message
    assert kept.read_bytes() == REPORT
    await assert_page_stays(patient, sid, site, obs, r)


async def test_a_bare_download_attribute(patient, site, stepdeck_home: Path):
    sid, obs = await open_page(patient, site)
    r = await click(patient, sid, obs, "Notes")
    assert "downloaded notes.txt (10 bytes)" in r.message
    assert (stepdeck_home / "data" / "downloads" / sid / "notes.txt").read_text() == "take notes"
    await assert_page_stays(patient, sid, site, obs, r)


async def test_enter_that_submits_to_a_download(patient, site, stepdeck_home: Path):
    sid, obs = await open_page(patient, site)
    field = find(obs, "Report name")
    r = await step(patient, sid, StepRequest(type="fill", id=field.id, value="q3", enter=True))
    assert "and pressed Enter; downloaded report.pdf (12 KB)" in r.message
    assert (stepdeck_home / "data" / "downloads" / sid / "report.pdf").read_bytes() == REPORT
    await assert_page_stays(patient, sid, site, obs, r)


async def test_a_link_answered_204(patient, site):
    sid, obs = await open_page(patient, site)
    r = await click(patient, sid, obs, "Mark as read")
    assert "the server answered 204 (No Content): the page stays" in r.message
    await assert_page_stays(patient, sid, site, obs, r)


async def test_a_mailto_link(patient, site):
    sid, obs = await open_page(patient, site)
    r = await click(patient, sid, obs, "Email us")
    assert "opened a mailto: link: no page to load" in r.message
    await assert_page_stays(patient, sid, site, obs, r)


async def test_going_to_a_file_or_a_204_address(patient, site, stepdeck_home: Path):
    sid, obs = await open_page(patient, site)
    r = await step(patient, sid, StepRequest(type="goto", url=f"{site}report.pdf"))
    assert "downloaded report.pdf (12 KB)" in r.message
    assert (stepdeck_home / "data" / "downloads" / sid / "report.pdf").read_bytes() == REPORT
    await assert_page_stays(patient, sid, site, obs, r)
    sid, obs = await open_page(patient, site)
    r = await step(patient, sid, StepRequest(type="goto", url=f"{site}nothing"))
    assert "the server answered 204 (No Content): the page stays" in r.message
    await assert_page_stays(patient, sid, site, obs, r)


async def test_a_suggested_name_cannot_leave_the_folder(tmp_path: Path):
    assert safe_name("../../.bashrc") == "_.._.bashrc"
    assert safe_name("a\\b/c\x07.pdf") == "a_b_c_.pdf"
    assert safe_name("...") == "download"
    (tmp_path / "r.pdf").touch()
    assert free_path(tmp_path, "r.pdf").name == "r (1).pdf"
    assert size_text(12_288) == "12 KB"
    assert size_text(5) == "5 bytes"


async def test_a_form_the_browser_would_not_send(patient, site):
    # A required field left empty, an address without @: the browser keeps the form and
    # says why, where a person sees it in a bubble; the step said only "clicked".
    sid, obs = await open_page(patient, site)
    r = await click(patient, sid, obs, "Join")
    assert "clicked B1 (button: Join); the form was not sent: Email: " in r.message
    await assert_page_stays(patient, sid, site, obs, r)
    sid, obs = await open_page(patient, site)
    email = find(obs, "Email")
    r = await step(patient, sid, StepRequest(type="fill", id=email.id, value="ada", enter=True))
    assert "and pressed Enter; the form was not sent: Email: " in r.message
    assert r.observation.metadata.title == "Links"
    r = await step(patient, sid, StepRequest(id=email.id, value="ada@example.com", enter=True))
    assert "not sent" not in r.message and r.observation.metadata.title == "Other"
