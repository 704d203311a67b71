"""Replay that replays: commands as the actions they ran, on a new demo process, stopping with a diff."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from records_helpers import ADDED, OPENED

from tui.cli import main
from tui.demo.server import DemoServer


@pytest.fixture
def exported(recorded_home, tmp_path) -> Path:
    out = tmp_path / "export"
    result = CliRunner().invoke(main, ["export", recorded_home.session_id, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out / "session.json"


@pytest.fixture
def new_demo():
    """Another demo process than the one the session was recorded on (that one is gone)."""
    with DemoServer(port=0) as demo:
        yield demo.base_url


def test_export_keeps_the_demo_origin_and_what_commands_resolved_to(recorded_home, exported):
    data = json.loads(exported.read_text())

    assert data["demo_origin"] == recorded_home.origin
    opened = data["steps"][OPENED - 1]
    assert opened["request"]["type"] == "command"
    assert [r["type"] for r in opened["resolved"]] == ["click"]
    assert data["steps"][ADDED - 1]["resolved"][0]["id"].startswith("B")


def test_replay_runs_the_resolved_actions_on_a_new_demo(recorded_home, exported, new_demo):
    assert new_demo != recorded_home.origin
    result = CliRunner().invoke(main, ["replay", str(exported), "--demo-url", new_demo])

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert sum(1 for line in lines if line.startswith("[")) == len(recorded_home.urls)
    # The command ran as the click it resolved to when recorded.
    assert re.search(
        rf"^\[{OPENED}/6\] ok .*open Kindle Paperwhite +\[L\d+\] ", result.output, re.M
    )
    final = recorded_home.final_url.replace(recorded_home.origin, new_demo)
    assert lines[-1] == f"done: reached {final}, the page the recording ended on"


def test_replay_stops_where_the_target_is_gone_and_shows_what_differs(
    recorded_home, exported, new_demo
):
    data = json.loads(exported.read_text())
    data["steps"][ADDED - 1]["resolved"][0]["id"] = "B99"  # no such button on the product page
    exported.write_text(json.dumps(data))

    result = CliRunner().invoke(main, ["replay", str(exported), "--demo-url", new_demo])

    assert result.exit_code == 1
    assert f"[{ADDED}/6] !!" in result.output and "B99 no longer exists" in result.output
    assert "What differs from the page as recorded" in result.output
    assert f"# Changes: recorded after step {OPENED}" in result.output
    assert "url: " + new_demo + "/shop/product/kindle-paperwhite (same)" in result.output


def test_reinterpret_sends_the_commands_again_on_a_demo_it_starts(recorded_home, exported):
    result = CliRunner().invoke(main, ["replay", str(exported), "--reinterpret"])

    assert result.exit_code == 0, result.output
    assert "replaying on http://127.0.0.1:" in result.output
    assert "sending commands again" in result.output
    assert "done: reached " in result.output and "/shop/cart" in result.output.splitlines()[-1]
