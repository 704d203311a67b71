"""Page work goes where it costs the event loop least (issue 15): a small page's inline, a
big page's in a worker thread, and while that runs `stepdeck serve`'s loop gets the GIL back
within 0.5 ms; with no big work in a thread, Python's own switch interval."""

from __future__ import annotations

import asyncio
import sys
import threading

import pytest

from tui.offload import INLINE_BELOW, SHORT_S, off_loop, quick_handback

pytestmark = pytest.mark.asyncio


@pytest.fixture
def quick():
    before = sys.getswitchinterval()
    quick_handback()
    yield
    quick_handback(False)
    assert sys.getswitchinterval() == before


def where() -> tuple[int, float]:
    return threading.get_ident(), sys.getswitchinterval()


async def test_a_small_pages_work_runs_on_the_loop(quick):
    loop_thread, default = where()
    assert await off_loop(where, size=INLINE_BELOW - 1) == (loop_thread, default)


async def test_a_big_pages_work_runs_beside_the_loop_which_gets_in_quickly(quick):
    loop_thread, default = where()
    assert default > SHORT_S  # Python's 5 ms
    started, release = threading.Event(), threading.Event()
    seen: list[tuple[int, float]] = []

    def big_work() -> str:
        started.set()
        seen.append(where())
        assert release.wait(30), "the loop never turned while the big work ran"
        return "done"

    job = asyncio.ensure_future(off_loop(big_work, size=INLINE_BELOW))
    await asyncio.to_thread(started.wait, 30)
    assert sys.getswitchinterval() == SHORT_S  # the loop, turning, sees it short
    release.set()  # from the loop, while the big work still waits in its thread
    assert await job == "done"
    ((thread, interval),) = seen
    assert thread != loop_thread and interval == SHORT_S
    assert sys.getswitchinterval() == default  # no big work left: Python's own again


async def test_the_store_is_written_from_a_thread_even_for_a_small_step(quick):
    loop_thread, default = where()
    thread, interval = await off_loop(where, size=10, io=True)
    assert thread != loop_thread and interval == default


async def test_without_quick_handback_the_interval_is_never_touched():
    default = sys.getswitchinterval()
    _, interval = await off_loop(where, size=INLINE_BELOW * 10)
    assert interval == default == sys.getswitchinterval()
