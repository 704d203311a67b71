"""A step whose click or Enter starts a navigation answers with the new page.

The next page here answers after 1.5 s, longer than the action timeout (1 s): the
step waits for it within the navigation timeout instead of failing a click or key
that happened (Playwright's own wait after an action is bounded by the action
timeout), and it never describes the old page. A submit or navigation the page
handles itself is not waited for.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.engine.conftest import find, open_page
from tests.support import started_local
from tui.model import StepRequest
from tui.providers.local import LocalProvider

pytestmark = pytest.mark.asyncio(loop_scope="module")

NAV_TIMEOUT_S = 20


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def slow_provider() -> AsyncIterator[LocalProvider]:
    async with started_local(nav_timeout_ms=NAV_TIMEOUT_S * 1000, action_timeout_ms=1_000) as p:
        yield p


async def test_enter_that_submits_to_a_slow_page_answers_with_it(slow_provider, pages_server):
    sid, obs = await open_page(slow_provider, f"{pages_server}/slow_submit.html")
    wait = find(obs, "Wait")
    r = await slow_provider.step(
        sid, StepRequest(type="fill", id=wait.id, value="1500", enter=True)
    )
    assert r.success
    assert r.observation.metadata.title == "Slow page"
    assert "/slow?ms=1500" in r.observation.metadata.url
    assert "Answered after 1500 ms" in r.observation.markdown


async def test_click_on_a_submit_button_or_a_link_to_a_slow_page(slow_provider, pages_server):
    for name in ("Send", "Slow link"):
        sid, obs = await open_page(slow_provider, f"{pages_server}/slow_submit.html")
        r = await slow_provider.step(sid, StepRequest(type="click", id=find(obs, name).id))
        assert r.observation.metadata.title == "Slow page", name
        assert "Answered after 1500 ms" in r.observation.markdown


async def test_a_submit_the_page_handles_itself_is_not_waited_for(slow_provider, pages_server):
    sid, obs = await open_page(slow_provider, f"{pages_server}/slow_submit.html")
    started = time.monotonic()
    r = await slow_provider.step(
        sid, StepRequest(type="fill", id=find(obs, "Filter").id, value="red", enter=True)
    )
    assert "Filtered by red" in r.observation.markdown
    assert r.observation.metadata.title == "Slow submit"
    push = find(r.observation, "Push state")
    r = await slow_provider.step(sid, StepRequest(type="click", id=push.id))
    assert r.observation.metadata.url.endswith("/slow_submit.html?tab=2")
    assert find(r.observation, "Pushed")
    # Neither waited out the navigation timeout for a navigation that never came.
    assert time.monotonic() - started < NAV_TIMEOUT_S
