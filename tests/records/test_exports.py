"""Exports other tools open: HAR 1.2 (schema + a HAR library) and the animated replay."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
from click.testing import CliRunner
from haralyzer import HarParser
from PIL import Image
from records_helpers import NOTHING

from tui.cli import main
from tui.model import NetworkRequest, Session, StepRequest
from tui.records.export import ExportedSession, ExportedStep
from tui.records.har import har_of, scrub_url

SCHEMA = json.loads((Path(__file__).parent / "har-1.2.schema.json").read_text())


def _export(recorded, tmp_path, *flags: str) -> Path:
    out = tmp_path / "export"
    result = CliRunner().invoke(
        main, ["export", recorded.session_id[:8], "--out", str(out), *flags]
    )
    assert result.exit_code == 0, result.output
    return out


def test_har_is_valid_and_a_har_library_reads_it(recorded_home, tmp_path):
    out = _export(recorded_home, tmp_path, "--har")
    har = json.loads((out / "session.har").read_text())

    jsonschema.Draft7Validator(
        SCHEMA, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    ).validate(har)
    parsed = HarParser(har)
    assert parsed.version == "1.2" and parsed.creator["name"] == "stepdeck"
    assert len(parsed.pages) == NOTHING  # a page per step
    urls = [e.url for page in parsed.pages for e in page.entries]
    assert any(u.endswith("/shop/search?q=kindle") for u in urls)
    search = next(p for p in parsed.pages if any("q=kindle" in e.url for e in p.entries))
    assert search.html_files and search.html_files[0].status == 200


def _one_step_export(url: str, title: str = "") -> ExportedSession:
    at = datetime(2026, 1, 2, tzinfo=UTC)
    step = ExportedStep(
        seq=1,
        request=StepRequest(type="command", cmd="log in with password hunter2"),
        description="log in with password hunter2",
        started_at=at,
        ended_at=at,
        title=title,
        network=[NetworkRequest(url=url, status=200, resource_type="document", timestamp=at)],
    )
    return ExportedSession(provider="local", session=Session(id="s1"), steps=[step])


def test_har_scrubs_secrets():
    url = "http://bob:hunter2@shop.test/login?user=bob&password=hunter2&api_key=sk-123&q=lamp"
    har = json.dumps(har_of(_one_step_export(url)))

    assert "hunter2" not in har and "sk-123" not in har
    assert "user=bob" in har and "q=lamp" in har
    assert scrub_url("http://shop.test/?q=1") == "http://shop.test/?q=1"


def test_animated_replay_has_a_frame_per_step(recorded_home, tmp_path):
    out = _export(recorded_home, tmp_path, "--gif")

    with Image.open(out / "replay.gif") as gif:
        assert gif.n_frames == NOTHING
        assert gif.width <= 800 and gif.is_animated
        assert gif.info.get("loop") == 0
