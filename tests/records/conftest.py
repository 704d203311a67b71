"""One session recorded on the demo shop, shared by the records tests (one browser for them all).

The session is recorded through the app's and the server's `RecordingProvider`, on a
demo process of its own that is gone once recorded (as after a real session ended).
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # records_helpers

from records_helpers import Recorded, record_session


@pytest.fixture(scope="package")
def recorded(tmp_path_factory) -> Recorded:
    """The shop session (see the step names above), recorded in a STEPDECK_HOME of its own."""
    home = tmp_path_factory.mktemp("recorded-home")
    before = os.environ.get("STEPDECK_HOME")
    os.environ["STEPDECK_HOME"] = str(home)
    try:
        return asyncio.run(record_session(home))
    finally:
        if before is None:
            os.environ.pop("STEPDECK_HOME", None)
        else:
            os.environ["STEPDECK_HOME"] = before


@pytest.fixture
def recorded_home(recorded, monkeypatch) -> Recorded:
    """This test sees the recorded session's store as its own (the CLI opens it)."""
    monkeypatch.setenv("STEPDECK_HOME", str(recorded.home))
    return recorded
