"""Session life: idle expiry, crashed tabs and browsers, CDP attach."""

from __future__ import annotations

import asyncio
import contextlib
import re
import subprocess
import time

import pytest

from tests.engine.conftest import eventually, open_page
from tui.engine.browser import HEADLESS_SHELL, find_chromium
from tui.errors import BrowserCrashed, SessionGone, SessionNotFound, StepTimeout
from tui.model import CreateSession, SessionStatus, StepRequest
from tui.providers.local import LocalProvider

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_idle_sessions_expire(provider, pages_server):
    s = await provider.create_session(
        CreateSession(url=f"{pages_server}/form.html", idle_timeout_minutes=0.004)  # 0.24 s
    )
    keep = await provider.create_session(CreateSession(url=f"{pages_server}/form.html"))
    sess = provider.session_target(s.id)
    await eventually(lambda: sess.status == SessionStatus.TIMED_OUT, "the idle sweep ran")
    got = await provider.get_session(s.id)
    assert got.status == SessionStatus.TIMED_OUT and got.closed_at is not None
    with pytest.raises(SessionGone, match="expired"):
        await provider.step(s.id, StepRequest(type="reload"))
    assert (await provider.get_session(keep.id)).status == SessionStatus.ACTIVE


async def test_unknown_session(provider):
    with pytest.raises(SessionNotFound):
        await provider.observe("nope")


async def test_crashed_tab_marks_the_session_error(provider, pages_server):
    sid, _ = await open_page(provider, f"{pages_server}/crash.html")
    other, _ = await open_page(provider, f"{pages_server}/form.html")
    sess = provider.session_target(sid)
    cdp = await sess.context.new_cdp_session(sess.page)
    with contextlib.suppress(Exception):
        await asyncio.wait_for(cdp.send("Page.crash"), 0.5)
    await eventually(lambda: sess.status == SessionStatus.ERROR, "the crash event arrived")
    assert "crash" in (await provider.get_session(sid)).error
    with pytest.raises(BrowserCrashed):
        await provider.step(sid, StepRequest(type="reload"))
    # other sessions and new ones carry on
    r = await provider.step(other, StepRequest(id="I1", value="fine"))
    assert r.success
    _new, obs = await open_page(provider, f"{pages_server}/links.html")
    assert obs.metadata.title == "Links page"


async def test_crashed_browser_errors_sessions_and_relaunches(pages_server):
    async with LocalProvider() as p:
        sid, _ = await open_page(p, f"{pages_server}/form.html")
        cdp = await p.engine.host.browser.new_browser_cdp_session()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(cdp.send("Browser.crash"), 0.5)
        sess = p.session_target(sid)
        await eventually(lambda: sess.status == SessionStatus.ERROR, "the browser disconnected")
        with pytest.raises(BrowserCrashed):
            await p.observe(sid)
        new, obs = await open_page(p, f"{pages_server}/links.html")
        assert obs.metadata.title == "Links page"
        assert not (await p.health(sid)).ok and (await p.health(new)).ok


@pytest.fixture(scope="module")
def cdp_browser(tmp_path_factory):
    """A Chromium started by hand with --remote-debugging-port, as a user would run one."""
    binary = find_chromium() or HEADLESS_SHELL
    profile = tmp_path_factory.mktemp("cdp-profile")
    proc = subprocess.Popen(
        [
            binary,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            f"--user-data-dir={profile}",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = None
    deadline = time.monotonic() + 20
    assert proc.stderr is not None
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        match = re.search(r"DevTools listening on (ws://\S+)", line)
        if match:
            url = match.group(1)
            break
        if not line and proc.poll() is not None:
            break
    assert url, "the browser did not print its DevTools address"
    yield url
    proc.terminate()
    proc.wait(10)


async def test_attach_over_cdp(cdp_browser, pages_server):
    async with LocalProvider(cdp_url=cdp_browser) as p:
        s = await p.create_session(CreateSession(url=f"{pages_server}/form.html"))
        r = await p.step(s.id, StepRequest(id="I1", value="attached"))
        assert "typed: attached" in r.observation.markdown
        assert r.observation.screenshot.startswith(b"\x89PNG")
    # closing the provider detaches; the browser it attached to keeps running
    async with LocalProvider(
        cdp_url=cdp_browser.replace("ws://", "http://").split("/devtools")[0]
    ) as p:
        s = await p.create_session(CreateSession(url=f"{pages_server}/links.html"))
        assert (await p.observe(s.id, screenshot=False)).metadata.title == "Links page"


async def test_attach_to_nothing_is_a_clear_error():
    from tui.errors import Unreachable

    # a browser service's address carries its key: the error names the host, not the key
    p = LocalProvider(cdp_url="ws://me:pa55word@127.0.0.1:1/chromium?token=K3Y-of-the-service")
    with pytest.raises(Unreachable) as err:
        await p.start()
    assert "remote-debugging-port" in err.value.hint
    assert "127.0.0.1:1/chromium" in err.value.message
    assert "K3Y" not in err.value.message and "pa55word" not in err.value.message
    await p.aclose()


async def test_missing_chromium_is_a_clear_error(tmp_path):
    from tui.engine.browser import NoChromium

    p = LocalProvider(chromium=str(tmp_path / "no-such-chromium"))
    with pytest.raises(NoChromium) as err:
        await p.start()
    assert "chromium-headless-shell" in err.value.hint
    await p.aclose()


async def test_a_page_whose_scripts_never_yield(pages_server):
    async with LocalProvider(action_timeout_ms=1_000) as p:
        p.engine.walk_timeout_s = 1.0
        sid, obs = await open_page(p, f"{pages_server}/stuck.html")
        with pytest.raises(StepTimeout) as err:
            # the click lands; the page freezes right after, during the step's observation
            # or before the next one
            await p.step(sid, StepRequest(id=obs.actions[0].id))
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:  # until the freeze (50 ms after the click) bites
                await p.observe(sid, screenshot=False)
        assert err.value.hint
        closed = await p.close_session(sid)
        assert closed.status == SessionStatus.CLOSED
        _, obs = await open_page(p, f"{pages_server}/form.html")
        assert obs.metadata.title == "Form page"
