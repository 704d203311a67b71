"""Export a recorded session (JSON, report, screenshots) and replay it on a new session."""

from __future__ import annotations

import asyncio
import json

from click.testing import CliRunner

from tui.cli import main
from tui.records.export import export_session, load_export
from tui.records.replay import replay


async def test_export_writes_json_report_and_screenshots(
    local_provider, store, shop_session, tmp_path
):
    session, results = shop_session
    result = await export_session(session.id, store=store, live=local_provider, out=tmp_path / "x")

    data = json.loads(result.json_path.read_text())
    assert data["format"] == "stepdeck-export/1"
    assert [s["description"] for s in data["steps"]] == [r.request.describe() for r in results]
    assert data["start_url"].endswith("/shop")
    second = data["steps"][1]
    assert second["url"] == results[1].observation.metadata.url
    assert second["target"]["description"] == "Kindle Paperwhite"  # as the search page named L4
    assert (result.folder / second["screenshot"]).read_bytes()[:4] == b"\x89PNG"
    assert "Kindle Paperwhite" in (result.folder / second["page"]).read_text()
    assert any(n["resource_type"] == "document" for n in second["network"])
    assert data["action_log"] and data["network"]

    report = result.markdown_path.read_text()
    assert "| 2 |" in report and f"`{results[1].request.id}`" in report
    assert "![after step 2](shots/00002.png)" in report


async def test_replay_reaches_the_same_page(local_provider, store, shop_session, tmp_path):
    session, results = shop_session
    exported = await export_session(session.id, store=store, live=local_provider, out=tmp_path)

    report = await replay(exported.json_path, local_provider)

    assert report.session_id != session.id
    assert report.completed and report.stopped is None
    assert [o.outcome for o in report.outcomes] == ["done", "done"]
    assert report.url == results[-1].observation.metadata.url
    assert all(o.same_page for o in report.outcomes)


async def test_replay_stops_where_the_target_is_gone(local_provider, store, shop_session, tmp_path):
    session, _ = shop_session
    exported = await export_session(session.id, store=store, live=local_provider, out=tmp_path)
    export = load_export(exported.folder)
    export.steps[1].request.id = "L99"  # the search page has no 99 links

    report = await replay(export, local_provider)

    assert [o.outcome for o in report.outcomes] == ["done", "stopped"]
    assert "L99" in report.stopped.reason and "no longer exists" in report.stopped.reason
    assert report.url.endswith("/shop/search?q=kindle")


async def test_replay_stops_when_the_id_names_another_element(
    local_provider, store, shop_session, tmp_path
):
    session, _ = shop_session
    exported = await export_session(session.id, store=store, live=local_provider, out=tmp_path)
    export = load_export(exported.folder)
    export.steps[1].target.description = "Sony WH-1000XM5"

    report = await replay(export, local_provider)

    assert report.outcomes[-1].outcome == "stopped"
    assert "it was 'Sony WH-1000XM5'" in report.stopped.reason


async def test_export_command_reads_the_store(store, shop_session, demo_server, tmp_path):
    session, _ = shop_session
    out = tmp_path / "cli-export"

    # The command runs its own event loop: give it a thread of its own.
    args = ["export", session.id[:6], "--out", str(out)]
    run = await asyncio.to_thread(CliRunner().invoke, main, args)

    assert run.exit_code == 0, run.output
    assert "2 steps exported" in run.output
    export = load_export(out / "session.json")
    assert export.session.id == session.id and len(export.steps) == 2
    assert "store only" in export.notes[0]

    # The store keeps the session's start url: the export replays from there unaided.
    assert export.start_url == f"{demo_server}/shop"
    # ... and `stepdeck replay` runs it again on a new session of its own engine.
    args = ["replay", str(out / "session.json")]
    run = await asyncio.to_thread(CliRunner().invoke, main, args)
    assert run.exit_code == 0, run.output
    lines = run.output.splitlines()
    assert lines[0].startswith("replaying 2 steps on local session")
    assert [line.split()[:2] for line in lines[1:3]] == [["[1/2]", "ok"], ["[2/2]", "ok"]]
    assert lines[-1].endswith("/shop/product/kindle-paperwhite, the page the recording ended on")


def test_export_command_names_a_missing_session(store):
    run = CliRunner().invoke(main, ["export", "nosuchsession"])
    assert run.exit_code == 1
    assert "No session nosuchsession" in run.output


async def test_replay_stops_at_a_password_it_never_kept(
    local_provider, store, demo_server, tmp_path
):
    from tui.engine.masking import MASK
    from tui.model import CreateSession, StepRequest

    session = await local_provider.create_session(CreateSession(url=f"{demo_server}/shop/login"))
    store.record_session(await local_provider.get_session(session.id))
    page = await local_provider.observe(session.id, screenshot=False)
    password = next(a for a in page.actions if "password" in a.description.lower())
    typed = await local_provider.step(session.id, StepRequest(id=password.id, value="pw-123"))
    store.record_step("local", session.id, typed)
    exported = await export_session(session.id, store=store, live=local_provider, out=tmp_path)
    assert "pw-123" not in exported.json_path.read_text()
    assert load_export(exported.folder).steps[0].request.value == MASK

    report = await replay(exported.json_path, local_provider)

    assert [o.outcome for o in report.outcomes] == ["stopped"]
    assert "password" in report.stopped.reason and "by hand" in report.stopped.reason
