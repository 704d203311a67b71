"""Notte's first API as the official SDKs that spoke it see `stepdeck serve`.

The `notte` 1.3.0 and 1.1.1 packages (their `notte.sdk` client, unmodified) run in
.venv-notte-env through tests/sdk/notte_env_driver.py.
"""

from __future__ import annotations

import pytest

from tests.sdk.oracle import run_driver


@pytest.mark.parametrize("version", ["1.3.0", "1.1.1"])
def test_the_first_api_sdk_observes_steps_and_scrapes_a_served_session(
    serve, pages_server, version
):
    args = ["session", serve.url, serve.token, pages_server]
    out = run_driver(
        "notte-env", "notte_env_driver", *args, *(["--v111"] if version == "1.1.1" else [])
    )
    assert out["version"] == version
    assert out["start_status"] == "active"
    assert out["observe"]["title"] == "Form page"
    assert out["observe"]["url"].endswith("/form.html")
    assert out["observe"]["screenshot"]
    assert any(a.startswith("I") for a in out["observe"]["actions"])
    assert out["observe"]["description"]
    assert out["fill_title"] == "Entered Ada"
    # S7 (1.1.1) waits seconds and S11 (1.3.0) milliseconds: 0.3 s either way, not 300 s
    assert 0.25 <= out["wait_seconds"] < 30
    assert out["goto_title"] == "Controls"
    assert out["close_status"] == "closed"
