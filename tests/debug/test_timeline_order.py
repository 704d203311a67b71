"""Timeline numbering follows time, whichever steps the store holds."""

from __future__ import annotations

from datetime import timedelta

from tui.model import StepRequest, StepResult, StepStatus, utcnow
from tui.store import Store
from tui.ui.tabs.timeline import merge


def test_a_step_missing_from_the_store_is_numbered_in_its_place(tmp_path):
    t0 = utcnow()

    def result(n: int, ok: bool = True) -> StepResult:
        at = t0 + timedelta(seconds=n)
        return StepResult(
            request=StepRequest(id=f"B{n}"),
            success=ok,
            status=StepStatus.DONE if ok else StepStatus.ERROR,
            started_at=at,
            ended_at=at,
        )

    results = [result(1), result(2, ok=False), result(3)]
    store = Store(tmp_path / "s.sqlite3")
    try:
        for r in (results[0], results[2]):  # the failed step never reached the store
            store.record_step("local", "s1", r)
        stored = store.steps("local", "s1")
    finally:
        store.close()

    moments = merge(stored, results)
    assert [m.seq for m in moments] == [1, 2, 3]
    assert [m.description for m in moments] == ["B1", "B2", "B3"]
