"""No page can wedge its session: every call into the browser is bounded (issue 14).

Each case bounds its own calls with `within`: a call that hangs fails the test
after a generous limit instead of hanging the suite.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio

from tests.support import started_local
from tui.errors import InvalidRequest, SessionGone, StepTimeout
from tui.model import CreateSession, SessionStatus, StepRequest
from tui.providers.local import LocalProvider

from .conftest import find, open_page

pytestmark = pytest.mark.asyncio(loop_scope="module")

LIMIT = 40.0  # far above any bound below: reaching it means a call hung


async def within(call, limit: float = LIMIT):
    """Await `call`, failing the test (not hanging it) if it never answers."""
    try:
        return await asyncio.wait_for(call, limit)
    except TimeoutError:
        pytest.fail(f"no answer within {limit:.0f} s: the session is wedged")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def provider() -> AsyncIterator[LocalProvider]:
    # Bounds short enough to keep the suite fast, long enough for a busy 2-core machine.
    async with started_local(nav_timeout_ms=3_000, action_timeout_ms=2_000) as p:
        p.engine.walk_timeout_s = 8.0  # a fresh page's walk under load ~20 on 2 cores fits
        yield p


@pytest.fixture(scope="module")
def black_hole() -> Iterator[str]:
    """A port that accepts connections and never answers a byte."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            held.append(conn)

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/"
    server.close()
    for conn in held:
        conn.close()


async def assert_usable(provider: LocalProvider, sid: str, pages_server: str) -> None:
    """Observe, scroll, click and goto all answer on the session."""
    await within(provider.observe(sid, screenshot=True))
    r = await within(provider.step(sid, StepRequest(type="scroll_down")))
    assert r.success
    r = await within(provider.step(sid, StepRequest(type="goto", url=f"{pages_server}/form.html")))
    assert r.observation.metadata.title == "Form page"
    r = await within(provider.step(sid, StepRequest(id=find(r.observation, "Click me").id)))
    assert r.success


async def test_a_point_outside_the_view_is_refused_up_front(provider, pages_server):
    sid, _ = await open_page(provider, f"{pages_server}/clickxy.html")
    for x, y in ((1e308, 5), (5, -1), (1280, 5), (float("nan"), 5), (float("inf"), 1)):
        with pytest.raises(InvalidRequest) as err:
            await within(provider.step(sid, StepRequest(type="click_xy", x=x, y=y)))
        assert "x in 0..1279" in err.value.hint
    r = await within(provider.step(sid, StepRequest(type="click_xy", x=5, y=5)))
    assert r.success
    await assert_usable(provider, sid, pages_server)


async def test_goto_a_server_that_never_answers(provider, pages_server, black_hole):
    sid, _ = await open_page(provider, f"{pages_server}/form.html")
    with pytest.raises(StepTimeout) as err:
        await within(provider.step(sid, StepRequest(type="goto", url=black_hole)))
    assert "still usable" in err.value.hint
    obs = await within(provider.observe(sid, screenshot=False))
    assert obs.metadata.title == "Form page"  # the load was stopped; the old page stays
    await assert_usable(provider, sid, pages_server)


async def test_a_script_that_never_yields_is_stopped(provider, pages_server):
    sid, obs = await open_page(provider, f"{pages_server}/stuck.html")
    with pytest.raises(StepTimeout) as err:
        # the click lands, then the page freezes 50 ms later: the step's own observation, or
        # a later call, finds it stuck (on a busy machine the renderer may run that timer
        # only after the next step has answered); the answer is a timeout, the page stopped
        await within(provider.step(sid, StepRequest(id=find(obs, "Freeze").id)))
        deadline = time.monotonic() + LIMIT
        while time.monotonic() < deadline:  # until the freeze bites
            await within(provider.step(sid, StepRequest(type="scroll_down")))
    assert "still usable" in err.value.hint
    assert (await provider.get_session(sid)).status == SessionStatus.ACTIVE
    await assert_usable(provider, sid, pages_server)


async def test_a_page_busy_for_seconds_is_waited_for_not_stopped(pages_server):
    # Its script runs 3 s right after the click: slower than a machine's hiccup, well within
    # the action timeout (5 s). A fixed 2 s bound on the frame wait called it stuck and
    # stopped it; on a busy machine any page can answer that slowly.
    async with started_local() as p:
        sid, obs = await open_page(p, f"{pages_server}/busy.html")
        r = await within(p.step(sid, StepRequest(id=find(obs, "Work for 3 s").id)))
        assert r.success
        assert r.observation.metadata.title == "Busy, then done"


@pytest.mark.parametrize("button", ["Spin forever", "Alert forever"])
async def test_a_page_that_keeps_looping_gets_a_fresh_tab(provider, pages_server, button):
    sid, obs = await open_page(provider, f"{pages_server}/spin.html")
    with pytest.raises(StepTimeout) as err:
        await within(provider.step(sid, StepRequest(id=find(obs, button).id)))
        await within(provider.step(sid, StepRequest(type="scroll_down")))
        await within(provider.step(sid, StepRequest(type="click_xy", x=3, y=3)))
    assert "still usable" in err.value.hint or "fresh" in err.value.hint
    # On a machine this busy the old renderer may take a while to die: the next observe
    # answers (at worst after one more recovery), never hangs.
    for _ in range(3):
        try:
            obs = await within(provider.observe(sid, screenshot=False))
            break
        except StepTimeout:
            continue
    else:
        pytest.fail("the session never answered an observe after its tab was recovered")
    assert obs.metadata.url.endswith("/spin.html")  # the last page that answered, reloaded
    assert len(obs.metadata.tabs) == 1
    await assert_usable(provider, sid, pages_server)


async def test_a_paused_sessions_held_step_is_answered_when_it_expires(provider, pages_server):
    s = await provider.create_session(
        CreateSession(url=f"{pages_server}/form.html", idle_timeout_minutes=0.02)
    )
    await provider.set_paused(s.id, True)
    with pytest.raises(SessionGone):
        await within(provider.step(s.id, StepRequest(type="scroll_down", source="api")), 20)
    assert (await provider.get_session(s.id)).status == SessionStatus.TIMED_OUT


async def test_the_sweeper_expires_a_session_whose_step_is_stuck(pages_server, black_hole):
    # A navigation timeout far beyond the idle timeout: the step would hold the session's
    # lock for a minute; the sweeper closes the session and the step answers at once.
    async with LocalProvider(nav_timeout_ms=60_000) as p:
        s = await p.create_session(
            CreateSession(url=f"{pages_server}/form.html", idle_timeout_minutes=0.02)
        )
        with pytest.raises(SessionGone) as err:
            await within(p.step(s.id, StepRequest(type="goto", url=black_hole)), 20)
        assert "expired" in err.value.message
        assert (await p.get_session(s.id)).status == SessionStatus.TIMED_OUT
