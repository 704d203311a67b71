"""`stepdeck observe URL [--json]`."""

from __future__ import annotations

import json

from click.testing import CliRunner

from tests.conftest import PAGES
from tui.cli import main


def test_observe_json(pages_server, stepdeck_home):
    result = CliRunner().invoke(main, ["observe", f"{pages_server}/controls.html", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["title"] == "Controls"
    assert data["url"] == f"{pages_server}/controls.html"
    size = next(a for a in data["actions"] if a["description"] == "Size")
    assert size["id"] == "I1" and "category" in size
    assert "| Basic | $5 |" in data["markdown"]
    with open(data["screenshot"], "rb") as f:
        assert f.read(4) == b"\x89PNG"
    assert data["screenshot"].startswith(str(stepdeck_home))


def test_observe_human_with_screenshot_path(pages_server, tmp_path):
    shot = tmp_path / "shot.png"
    result = CliRunner().invoke(
        main, ["observe", f"{pages_server}/form.html", "--screenshot", str(shot)]
    )
    assert result.exit_code == 0, result.output
    assert "title: Form page" in result.output
    assert "I1    textbox    Your name" in result.output
    assert f"screenshot: {shot}" in result.output
    assert shot.read_bytes().startswith(b"\x89PNG")


def test_observe_refuses_file_urls_unless_allowed():
    url = (PAGES / "form.html").as_uri()
    result = CliRunner().invoke(main, ["observe", url])
    assert result.exit_code == 1
    assert "file: urls are refused" in result.output
    result = CliRunner().invoke(main, ["observe", url, "--allow-file", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.output)["title"] == "Form page"


def _has_c1(text: str) -> bool:
    return any(0x80 <= ord(ch) <= 0x9F for ch in text)


def test_c1_controls_never_reach_the_terminal(pages_server):
    """U+009B is a CSI: page text with it must not drive a terminal (title, text, actions)."""
    result = CliRunner().invoke(main, ["observe", f"{pages_server}/c1.html", "--json"])
    assert result.exit_code == 0, result.output
    assert not _has_c1(result.output)
    data = json.loads(result.output)
    assert data["title"] == "C1 31mtitle"
    assert "Heading 2J cleared" in data["markdown"]
    assert any(a["description"] == "Buy 1m now" for a in data["actions"])
    human = CliRunner().invoke(main, ["observe", f"{pages_server}/c1.html"])
    assert human.exit_code == 0 and not _has_c1(human.output)
    assert "C1 31mtitle" in human.output
