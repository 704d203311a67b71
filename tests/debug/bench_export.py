"""What a long session costs the Timeline and an export (not a test: prints numbers).

    .venv/bin/python tests/debug/bench_export.py [STEPS]

Writes STEPS synthetic steps (10 KB of page text, 60 actions, a 60 KB PNG each)
into a real Store in a temporary STEPDECK_HOME, then times what the Timeline
does when it opens (read every step, merge) and a full export.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path


def main(steps: int) -> None:
    home = Path(tempfile.mkdtemp(prefix="stepdeck-bench-"))
    os.environ["STEPDECK_HOME"] = str(home)
    from tui.model import Action, Observation, PageMeta, StepRequest, StepResult, utcnow
    from tui.records.export import export_session
    from tui.store import Store
    from tui.ui.tabs.timeline import merge, moment_text

    png = b"\x89PNG\r\n\x1a\n" + os.urandom(60_000)
    markdown = "# Page\n\n" + "Some words on the page. " * 400
    actions = [Action(id=f"L{i}", description=f"link {i}", role="link") for i in range(60)]
    t0 = utcnow()
    with Store() as store:
        for i in range(steps):
            observation = Observation(
                metadata=PageMeta(url=f"http://127.0.0.1/{i}", title=f"page {i}"),
                actions=actions,
                markdown=markdown,
                screenshot=png,
            )
            started = t0 + timedelta(seconds=i)
            result = StepResult(
                request=StepRequest(id="L1"),
                observation=observation,
                started_at=started,
                ended_at=started + timedelta(milliseconds=200),
            )
            store.record_step("local", "bench", result)
        a = time.perf_counter()
        stored = store.steps("local", "bench")
        b = time.perf_counter()
        moments = merge(stored, [])
        c = time.perf_counter()
        moment_text(moments[0], [], [])
        d = time.perf_counter()
        exported = asyncio.run(export_session("bench", store=store, out=home / "export"))
        e = time.perf_counter()
    print(
        f"{steps} steps: timeline read {1000 * (b - a):.0f} ms + merge {1000 * (c - b):.1f} ms; "
        f"time travel text {1000 * (d - c):.2f} ms; export {1000 * (e - d):.0f} ms "
        f"({exported.json_path.stat().st_size / 1e6:.1f} MB json, {steps} screenshots)"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
