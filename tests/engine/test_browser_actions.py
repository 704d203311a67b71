"""Every browser action, and the bad inputs around navigation."""

from __future__ import annotations

import socket

import pytest

from tests.engine.conftest import find, open_page
from tui.errors import InvalidRequest, StepTimeout
from tui.model import CreateSession, StepRequest, StepStatus
from tui.providers.local import LocalProvider

pytestmark = pytest.mark.asyncio(loop_scope="module")


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_goto_back_forward_reload(provider, pages_server):
    sid, _ = await open_page(provider, f"{pages_server}/form.html")
    host = pages_server.removeprefix("http://")
    r = await provider.step(sid, StepRequest(type="goto", url=f"{host}/links.html"))
    assert (
        r.observation.metadata.url == f"{pages_server}/links.html"
    )  # http:// added for a local host
    r = await provider.step(sid, StepRequest(type="back"))
    assert r.observation.metadata.title == "Form page"
    r = await provider.step(sid, StepRequest(type="forward"))
    assert r.observation.metadata.title == "Links page"
    page = provider.session_target(sid).page
    await page.evaluate("document.title = 'changed'")
    r = await provider.step(sid, StepRequest(type="reload"))
    assert r.observation.metadata.title == "Links page"


async def test_a_relative_goto_resolves_against_the_current_page(provider, pages_server):
    sid, _ = await open_page(provider, f"{pages_server}/form.html")
    r = await provider.step(sid, StepRequest(type="goto", url="/links.html"))
    assert r.observation.metadata.url == f"{pages_server}/links.html"
    r = await provider.step(sid, StepRequest(type="new_tab", url="./form.html"))
    assert r.observation.metadata.url == f"{pages_server}/form.html"


async def test_a_relative_goto_on_a_blank_page_says_to_type_a_full_url(provider):
    session = await provider.create_session(CreateSession())
    with pytest.raises(InvalidRequest, match="relative"):
        await provider.step(session.id, StepRequest(type="goto", url="/shop"))
    r = await provider.step(session.id, StepRequest(type="scroll_down"))
    assert r.success  # the session is still usable


async def test_link_click_navigates(provider, pages_server):
    sid, obs = await open_page(provider, f"{pages_server}/links.html")
    r = await provider.step(sid, StepRequest(id=find(obs, "Form").id))
    assert r.observation.metadata.title == "Form page"
    assert find(r.observation, "Your name").id == "I1"


async def test_scroll_down_and_up(provider, pages_server):
    sid, obs = await open_page(provider, f"{pages_server}/links.html")
    assert obs.metadata.viewport.scroll_y == 0
    assert obs.metadata.viewport.page_height > obs.metadata.viewport.height
    r = await provider.step(sid, StepRequest(type="scroll_down"))
    down = r.observation.metadata.viewport.scroll_y
    assert down > 0
    r = await provider.step(sid, StepRequest(type="scroll_up"))
    assert r.observation.metadata.viewport.scroll_y < down


async def test_press_key(provider, pages_server):
    sid, _ = await open_page(provider, f"{pages_server}/keys.html")
    r = await provider.step(sid, StepRequest(type="press_key", key="Escape"))
    assert r.observation.metadata.title == "key Escape"
    with pytest.raises(InvalidRequest, match="Unknown key"):
        await provider.step(sid, StepRequest(type="press_key", key="NoSuchKey"))


async def test_tabs_new_switch_close(provider, pages_server):
    sid, _ = await open_page(provider, f"{pages_server}/form.html")
    r = await provider.step(sid, StepRequest(type="new_tab", url=f"{pages_server}/links.html"))
    tabs = r.observation.metadata.tabs
    assert [t.active for t in tabs] == [False, True]
    assert r.observation.metadata.title == "Links page"
    r = await provider.step(sid, StepRequest(type="switch_tab", index=0))
    assert r.observation.metadata.title == "Form page"
    assert r.observation.metadata.tabs[0].active
    with pytest.raises(InvalidRequest, match="No tab 5"):
        await provider.step(sid, StepRequest(type="switch_tab", index=5))
    r = await provider.step(sid, StepRequest(type="close_tab", index=1))
    assert len(r.observation.metadata.tabs) == 1
    with pytest.raises(InvalidRequest, match="last tab"):
        await provider.step(sid, StepRequest(type="close_tab"))


async def test_wait_scrape_done_click_xy(provider, pages_server):
    sid, _ = await open_page(provider, f"{pages_server}/clickxy.html")
    r = await provider.step(sid, StepRequest(type="wait", value="20"))
    assert r.message == "waited 20 ms"
    r = await provider.step(sid, StepRequest(type="click_xy", x=120, y=45))
    assert r.observation.metadata.title == "clicked at 120,45"
    r = await provider.step(sid, StepRequest(type="scrape"))
    assert "clicked at 120,45" in r.data["markdown"]
    r = await provider.step(sid, StepRequest(type="done", value="all good"))
    assert r.status == StepStatus.DONE and r.message == "all good"


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "chrome://settings", "javascript:alert(1)", "view-source:http://x.test"],
)
async def test_refused_schemes(provider, pages_server, url):
    sid, _ = await open_page(provider, f"{pages_server}/form.html")
    with pytest.raises(InvalidRequest) as err:
        await provider.step(sid, StepRequest(type="goto", url=url))
    assert "refused" in err.value.message and "allow" in err.value.hint
    with pytest.raises(InvalidRequest):
        await provider.create_session(CreateSession(url=url))


async def test_file_urls_when_allowed(pages_server):
    from tests.conftest import PAGES

    async with LocalProvider(allow_schemes=["file"]) as p:
        s = await p.create_session(CreateSession(url=(PAGES / "form.html").as_uri()))
        obs = await p.observe(s.id, screenshot=False)
        assert obs.metadata.title == "Form page"


async def test_unreachable_site_then_still_usable(provider, pages_server):
    sid, _ = await open_page(provider, f"{pages_server}/form.html")
    with pytest.raises(InvalidRequest) as err:
        await provider.step(sid, StepRequest(type="goto", url=f"http://127.0.0.1:{closed_port()}/"))
    assert "ERR_CONNECTION_REFUSED" in err.value.message
    r = await provider.step(sid, StepRequest(type="goto", url=f"{pages_server}/links.html"))
    assert r.observation.metadata.title == "Links page"


async def test_a_page_that_never_finishes_loading(provider, pages_server):
    sid, _ = await open_page(provider, f"{pages_server}/form.html")
    with pytest.raises(StepTimeout) as err:
        await provider.step(sid, StepRequest(type="goto", url=f"{pages_server}/hang"))
    assert "still usable" in err.value.hint
    r = await provider.step(sid, StepRequest(type="goto", url=f"{pages_server}/controls.html"))
    assert r.observation.metadata.title == "Controls"
    log = await provider.action_log(sid)
    assert [e.success for e in log] == [False, True]
