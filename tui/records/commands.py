"""The `stepdeck export`, `replay` and `diff` commands: print, and exit 0 or 1."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from tui.providers.base import Provider, StepdeckError
from tui.records.export import export_session, load_export
from tui.records.replay import replay_start, replay_steps, start_replay, why
from tui.store import Store

# --- command line ------------------------------------------------------------------------


def _find_session(store: Store, provider: str, wanted: str) -> str:
    ids = [s.id for s in store.sessions(provider)]
    if wanted in ids:
        return wanted
    matches = [i for i in ids if i.startswith(wanted)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise StepdeckError(f"{wanted} matches {len(matches)} sessions", "give more of the id")
    raise StepdeckError(
        f"No session {wanted} from {provider} in the store",
        "sessions are recorded when stepped from the app or through `stepdeck serve`",
    )


def run_export(
    session_id: str,
    provider: str = "local",
    out: str | None = None,
    *,
    har: bool = False,
    gif: bool = False,
    webp: bool = False,
) -> int:
    """`stepdeck export`: from the store (the session's process may be gone).

    `har`: also `session.har` (HAR 1.2); `gif`/`webp`: also an animated replay.
    """
    try:
        with Store() as store:
            full = _find_session(store, provider, session_id)
            result = asyncio.run(
                export_session(full, provider=provider, store=store, out=Path(out) if out else None)
            )
    except StepdeckError as exc:
        print(f"stepdeck export: {why(exc)}", file=sys.stderr)
        return 1
    print(f"{result.steps} steps exported to {result.folder}")
    print(f"  {result.json_path}\n  {result.markdown_path}")
    if result.export.trace:
        print(f"  {result.folder / result.export.trace} (playwright show-trace opens it)")
    if har:
        import json

        from tui.records.har import har_of

        path = result.folder / "session.har"
        path.write_text(json.dumps(har_of(result.export), indent=1, ensure_ascii=False))
        print(f"  {path}")
    for wanted, name in ((gif, "replay.gif"), (webp, "replay.webp")):
        if not wanted:
            continue
        from tui.records.gif import write_animation

        if not result.steps:
            print("stepdeck export: no animation: the session has no steps", file=sys.stderr)
            return 1
        path = result.folder / name
        count = write_animation(result.export, result.folder, path)
        print(f"  {path} ({count} frames)")
    return 0


def run_replay(
    path: str,
    provider: Provider,
    start_url: str | None = None,
    *,
    demo_url: str | None = None,
    reinterpret: bool = False,
) -> int:
    """`stepdeck replay`: print each step's outcome as it goes; 0 when every step replayed.

    An export of the demo site replays on `demo_url`, or on a demo started for it.
    """

    async def go() -> int:
        export = load_export(path)
        note = "" if start_url else replay_start(export)[1]
        if note:
            print(f"note: {note}", file=sys.stderr)
        demo = None
        target = demo_url
        if export.demo_origin and not target and not start_url:
            if await _is_demo(export.demo_origin):
                target = export.demo_origin  # the recorded demo still runs: replay there
        if export.demo_origin and not target and not start_url:
            from tui.demo.server import DemoServer

            demo = DemoServer(port=0)
            target = demo.start()
            print(f"the export ran on the demo site ({export.demo_origin}): replaying on {target}")
        await provider.start()
        try:
            session = await start_replay(export, provider, start_url=start_url, demo_url=target)
            total = len(export.steps)
            how = "sending commands again" if reinterpret else "commands as the actions they ran"
            print(f"replaying {total} steps on {provider.name} session {session.id} ({how})")
            code = 0
            last = None
            steps = replay_steps(
                export, provider, session.id, demo_url=target, reinterpret=reinterpret
            )
            async for n, o in _numbered(steps):
                last = o
                mark = {"done": "ok", "skipped": "--"}.get(o.outcome, "!!")
                ran = f" [{'; '.join(o.ran)}]" if o.ran and o.ran != [o.description] else ""
                same = "" if o.outcome != "done" or o.same_page else f" (recorded {o.expected_url})"
                print(
                    f"[{n}/{total}] {mark} {o.seq:>3} {o.description[:40]:<40}{ran} "
                    f"{o.reason or o.url}{same}",
                    flush=True,
                )
                if o.outcome in ("failed", "stopped"):
                    code = 1
                    if o.changes:
                        print("\nWhat differs from the page as recorded:\n")
                        print(o.changes)
            if code == 0 and last is not None:
                if last.same_page:
                    print(f"done: reached {last.url}, the page the recording ended on")
                else:
                    print(f"done: ended on {last.url}; the recording ended on {last.expected_url}")
            return code
        finally:
            await provider.aclose()
            if demo is not None:
                demo.stop()

    try:
        return asyncio.run(go())
    except StepdeckError as exc:
        print(f"stepdeck replay: {why(exc)}", file=sys.stderr)
        return 1


async def _is_demo(origin: str) -> bool:
    """Whether the bundled demo site still answers at `origin`.

    A read, so a timeout (a loaded machine) is tried again; a refused connection
    means it is gone.
    """
    import httpx

    from tui.demo.pages import FOOTER

    async with httpx.AsyncClient(timeout=10.0) as client:
        for _ in range(3):
            try:
                response = await client.get(origin.rstrip("/") + "/")
            except httpx.TimeoutException:
                continue
            except httpx.HTTPError:
                return False
            return response.status_code == 200 and FOOTER in response.text
    return False


async def _numbered(items):
    n = 0
    async for item in items:
        n += 1
        yield n, item


def _step_at(steps: list, number: int, session_id: str):
    if not 1 <= number <= len(steps):
        raise StepdeckError(
            f"Session {session_id} has no step {number}",
            f"its steps are numbered 1 to {len(steps)}, as in the Timeline",
        )
    return steps[number - 1]


def run_diff(
    session_id: str,
    step_a: int,
    step_b: int,
    provider: str = "local",
    image: str | None = None,
) -> int:
    """`stepdeck diff`: what changed from step A to step B of a recorded session."""
    from tui.records.diff import diff_steps, page_state, render_diff
    from tui.records.export import once

    try:
        with Store() as store:
            full = _find_session(store, provider, session_id)
            steps = sorted(once(store.steps(provider, full)), key=lambda s: s.started_at)
            a = _step_at(steps, step_a, full)
            b = _step_at(steps, step_b, full)
        d = diff_steps(
            page_state(a, f"step {step_a} · {a.description}"),
            page_state(b, f"step {step_b} · {b.description}"),
        )
    except StepdeckError as exc:
        print(f"stepdeck diff: {why(exc)}", file=sys.stderr)
        return 1
    sys.stdout.write(render_diff(d, text_lines=10_000))
    if image:
        if d.image is None:
            print("stepdeck diff: no image written: a screenshot was not kept", file=sys.stderr)
            return 1
        Path(image).write_bytes(d.image)
        print(f"screenshot with the changed regions outlined: {image}")
    return 0
