"""`stepdeck observe URL [--json]`: one observation, for scripts and for checking by hand."""

from __future__ import annotations

import asyncio
import json
import re
import sys
from datetime import datetime
from pathlib import Path

from tui import locations
from tui.engine.engine import Engine
from tui.errors import StepdeckError
from tui.model import Observation

_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def terminal_safe(text: str) -> str:
    """Text for a terminal: C0 (but tab and newline), DEL and C1 controls written as
    `\\uXXXX` (still valid inside JSON strings), so no page can drive the terminal."""
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


def _default_shot_path() -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    return locations.ensure(locations.data_dir() / "observe") / f"observe-{stamp}.png"


async def observe_once(
    url: str,
    *,
    allow_file: bool = False,
    cdp_url: str | None = None,
    headed: bool = False,
    chromium: str | None = None,
) -> Observation:
    """Open url in a fresh session, observe it once, close everything."""
    engine = Engine(
        chromium=chromium,
        cdp_url=cdp_url,
        headed=headed,
        allow_schemes=("file",) if allow_file else (),
    )
    try:
        sess = await engine.create(url)
        failed = next((e for e in sess.log if not e.success), None)
        if failed is not None:
            raise StepdeckError(failed.error or f"could not open {url}")
        return await sess.observe(screenshot=True)
    finally:
        await engine.aclose()


def _human(obs: Observation, shot: Path | None) -> str:
    lines = [f"title: {obs.metadata.title}", f"url:   {obs.metadata.url}", ""]
    lines.append(f"actions ({len(obs.actions)}):")
    for a in obs.actions:
        extra = []
        if a.params and a.params[0].values:
            extra.append("options: " + " | ".join(a.params[0].values))
        if a.value:
            extra.append(f"value={a.value!r}")
        if a.checked is not None:
            extra.append("checked" if a.checked else "unchecked")
        tail = f"  ({', '.join(extra)})" if extra else ""
        cat = f"  [{a.category}]" if a.category else ""
        lines.append(f"  {a.id:<5} {a.role:<10} {a.description}{tail}{cat}")
    lines += ["", "markdown:", obs.markdown, ""]
    if shot is not None:
        lines.append(f"screenshot: {shot}")
    return "\n".join(lines)


def run_observe(
    url: str,
    as_json: bool = False,
    screenshot_path: str | None = None,
    allow_file: bool = False,
    cdp_url: str | None = None,
    headed: bool = False,
    chromium: str | None = None,
) -> int:
    """Print one observation of url; the screenshot is written to a PNG file. Returns the exit code."""
    try:
        obs = asyncio.run(
            observe_once(
                url, allow_file=allow_file, cdp_url=cdp_url, headed=headed, chromium=chromium
            )
        )
    except StepdeckError as exc:
        print(f"stepdeck observe: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"  {exc.hint}", file=sys.stderr)
        return 1
    shot: Path | None = None
    if obs.screenshot:
        shot = Path(screenshot_path) if screenshot_path else _default_shot_path()
        shot.parent.mkdir(parents=True, exist_ok=True)
        shot.write_bytes(obs.screenshot)
    if as_json:
        out = {
            "title": obs.metadata.title,
            "url": obs.metadata.url,
            "actions": [
                a.model_dump(exclude_none=True, exclude_defaults=True) | {"id": a.id}
                for a in obs.actions
            ],
            "markdown": obs.markdown,
            "screenshot": str(shot) if shot else None,
            "viewport": obs.metadata.viewport.model_dump(),
        }
        for a in out["actions"]:
            a.setdefault("description", "")
            a.setdefault("category", "")
        print(terminal_safe(json.dumps(out, ensure_ascii=False, indent=2)))
    else:
        print(terminal_safe(_human(obs, shot)))
    return 0
