"""Store tests: every test gets its own STEPDECK_HOME."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _own_home(tmp_path, monkeypatch):
    monkeypatch.setenv("STEPDECK_HOME", str(tmp_path / "home"))
    return tmp_path / "home"
