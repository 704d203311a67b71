"""The session store: what the app and server write, read back as it was."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import textwrap

from tui import locations
from tui.model import (
    Action,
    ConsoleMessage,
    NetworkRequest,
    Observation,
    PageMeta,
    Session,
    SessionStatus,
    StepRequest,
    StepResult,
    StepStatus,
)
from tui.store import Store

PNG = b"\x89PNG\r\n\x1a\n" + b"fake-image-bytes"


def _result(n: int, url: str = "http://127.0.0.1/shop") -> StepResult:
    return StepResult(
        status=StepStatus.DONE,
        message=f"clicked B{n}",
        request=StepRequest(type="click", id=f"B{n}"),
        duration_ms=12.5,
        observation=Observation(
            metadata=PageMeta(title=f"Shop {n}", url=url),
            actions=[Action(id="B1", description="Add to cart", role="button")],
            markdown=f"# Shop {n}",
            screenshot=PNG,
        ),
    )


def test_session_and_steps_round_trip():
    store = Store()
    assert store.path == locations.store_file()
    store.record_session(Session(id="s1", provider="local", label="shopping"))
    store.record_step("local", "s1", _result(1))
    stored = store.record_step(
        "local",
        "s1",
        _result(2, "http://127.0.0.1/cart"),
        console=[ConsoleMessage(level="error", text="boom")],
        network=[NetworkRequest(url="http://127.0.0.1/api", status=200)],
    )
    assert stored.seq == 2
    store.close()

    store = Store()  # a fresh process would see the same
    [session] = store.sessions()
    assert (session.id, session.label, session.steps) == ("s1", "shopping", 2)
    assert session.url == "http://127.0.0.1/cart" and session.title == "Shop 2"
    steps = store.steps("local", "s1")
    assert [s.description for s in steps] == ["B1", "B2"]
    assert steps[0].request == StepRequest(type="click", id="B1")
    assert steps[1].console[0].text == "boom" and steps[1].network[0].status == 200
    obs = steps[0].observation()
    assert obs.markdown == "# Shop 1" and obs.actions[0].id == "B1"
    assert obs.screenshot == PNG
    assert steps[0].screenshot_path.parent.parent.parent == locations.shots_dir()
    store.close()


def test_status_changes_and_unknown_sessions_from_steps():
    with Store() as store:
        store.record_step("notte", "abc", _result(1))  # never recorded as a session
        store.mark_status("notte", "abc", SessionStatus.ENDED)
        [s] = store.sessions("notte")
        assert s.status is SessionStatus.ENDED and s.closed_at is not None
        assert store.sessions("local") == []


async def test_concurrent_writers_from_threads():
    store = Store()

    async def session(n: int) -> None:
        for _ in range(5):
            await asyncio.to_thread(store.record_step, "local", f"s{n}", _result(n))

    await asyncio.gather(*(session(n) for n in range(4)))
    for n in range(4):
        assert [s.seq for s in store.steps("local", f"s{n}")] == [1, 2, 3, 4, 5]
    store.close()


def test_killed_writer_leaves_every_finished_step(tmp_path):
    """A process SIGKILLed while writing steps: the db opens, finished steps are all there."""
    db = tmp_path / "kill" / "db.sqlite3"
    code = textwrap.dedent(
        f"""
        import sys
        from tui.model import StepRequest, StepResult
        from tui.store import Store
        store = Store({str(db)!r})
        n = 0
        while True:
            n += 1
            store.record_step("local", "s", StepResult(request=StepRequest(type="goto", url=f"u{{n}}")))
            print(n, flush=True)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    done = 0
    for line in proc.stdout:
        done = int(line)
        if done >= 30:
            break
    proc.kill()
    proc.wait()
    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with Store(db) as store:
        seqs = [s.seq for s in store.steps("local", "s")]
    # every step the writer reported finished is there, in order, with no gaps
    assert seqs[:done] == list(range(1, done + 1))
    assert seqs == list(range(1, len(seqs) + 1))
