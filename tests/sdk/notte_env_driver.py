"""Drive Notte's first API with the official `notte` SDK (1.3.0, or 1.1.1 with --v111).

Run by tests under .venv-notte-env. Commands (JSON out on the last line):
  session URL TOKEN PAGES   observe / step / scrape / close a session through the SDK client
  validate                  stdin {model name: [bodies]}: parse each with the SDK's own
                            request model; out {model name: [None (parsed) or the error]}
  responses                 bodies built from the SDK's response models (missing optional
                            fields, nulls, extras) for a client under test to parse
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path

if "--v111" in sys.argv:
    sys.argv.remove("--v111")
    sys.path.insert(0, str(Path(sys.prefix) / "notte-1.1.1"))

import logging

from loguru import logger

logger.remove()
logging.disable(logging.CRITICAL)

import notte  # noqa: E402
from notte.sdk import types  # noqa: E402
from notte.sdk.client import NotteClient  # noqa: E402

V13 = hasattr(types, "ScrapeParams")


def session(url: str, token: str, pages: str) -> dict:
    client = NotteClient(api_key=token, server_url=url)
    out: dict = {"version": "1.3.0" if V13 else "1.1.1", "file": notte.__file__}
    started = client.start(session_timeout_minutes=10)
    out["start_status"] = started.status
    obs = client.observe(url=f"{pages}/form.html")
    out["observe"] = {
        "title": obs.metadata.title,
        "url": obs.metadata.url,
        "actions": [a.id for a in obs.space.actions()] if obs.space else [],
        "description": obs.space.description if obs.space else None,
        "screenshot": bool(obs.screenshot),
    }
    field = next(a for a in obs.space.actions() if a.id.startswith("I"))
    obs = client.step(action_id=field.id, value="Ada", enter=True)
    out["fill_title"] = obs.metadata.title
    wait_id, amount = ("S11", "300") if V13 else ("S7", "0.3")
    began = time.monotonic()
    client.step(action_id=wait_id, value=amount)
    out["wait_seconds"] = time.monotonic() - began
    obs = client.step(action_id="S1", value=f"{pages}/controls.html")
    out["goto_title"] = obs.metadata.title
    box = next(a for a in obs.space.actions() if "news" in a.description.lower())
    client.step(action_id=box.id, value="true")
    checked = client.scrape()
    client.step(action_id=box.id, value="false")
    unchecked = client.scrape()
    out["checkbox"] = {"id": box.id, "after_check": _md(checked), "after_uncheck": _md(unchecked)}
    if V13:
        obs = client.step(action_id="S10")  # scroll down
        out["scrolled"] = obs.metadata.url
    closed = client.close()
    out["close_status"] = closed.status
    return out


def _md(obs) -> str:
    return (obs.data.markdown or "") if obs.data else ""


def validate() -> dict:
    """stdin {model name: [bodies]}; out {model name: [None or the SDK's error]}."""
    out: dict = {}
    for name, bodies in json.load(sys.stdin).items():
        model = getattr(types, name)
        errors = out[name] = []
        for body in bodies:
            try:
                model.model_validate(body)
                errors.append(None)
            except Exception as exc:  # what the SDK's model says, for the test to show
                errors.append(str(exc)[:800])
    return out


def responses() -> dict:
    now = dt.datetime.now(dt.UTC)
    session = types.SessionResponse(
        session_id="s-1",
        timeout_minutes=5,
        created_at=now,
        last_accessed_at=now,
        duration=dt.timedelta(seconds=3),
        status="active",
    )
    meta = {"title": "Form page", "url": "https://example.com/form", "timestamp": now.isoformat()}
    if V13:
        meta |= {
            "viewport": {
                "scroll_x": 0,
                "scroll_y": 0,
                "viewport_width": 1280,
                "viewport_height": 800,
                "total_width": 1280,
                "total_height": 2000,
            },
            "tabs": [{"tab_id": 0, "title": "Form page", "url": "https://example.com/form"}],
        }
    action = {
        "id": "I1",
        "description": "Your name",
        "category": "Form",
        "status": "valid",
        "params": [{"name": "value", "type": "string"}],
    }
    space = {"description": "A sign-up form", "actions": [action], "category": None}
    if V13:
        space["browser_actions"] = [
            {"id": "S1", "description": "Goto", "category": "Special Browser Actions"}
        ]
    else:
        space["special_actions"] = [
            {"id": "S1", "description": "Goto", "category": "Special Browser Actions"}
        ]
    full = {
        "session": json.loads(session.model_dump_json()),
        "metadata": meta,
        "screenshot": None,
        "data": {"markdown": "# Sign up", "images": None, "structured": None},
        "space": space,
        "progress": {"current_step": 1, "max_steps": 20} if V13 else None,
        "extra_field": "ignored",
    }
    full = json.loads(types.ObserveResponse.model_validate(full).model_dump_json())
    full["extra_field"] = "from a newer server"
    minimal = {
        "session": full["session"],
        "metadata": meta,
        "screenshot": None,
        "data": None,
        "space": None,
        "progress": None,
    }
    types.ObserveResponse.model_validate(minimal)  # still a valid SDK answer
    return {"observe": full, "minimal": minimal, "session": json.loads(session.model_dump_json())}


def main() -> None:
    command = sys.argv[1]
    if command == "session":
        out = session(*sys.argv[2:5])
    elif command == "validate":
        out = validate()
    else:
        out = responses()
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    main()
