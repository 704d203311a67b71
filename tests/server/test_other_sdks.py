"""The official SDKs that cannot live beside notte-sdk, unmodified, against one `stepdeck serve`.

`multion` 1.3.8 (.venv-multion, tests/sdk/multion_driver.py) against /v1/web, and
Notte's first-API SDKs, `notte` 1.3.0 and 1.1.1 (their `notte.sdk` client, in
.venv-notte-env, tests/sdk/notte_env_driver.py); only base URL and key change.
"""

from __future__ import annotations

import pytest

from tests.sdk.oracle import run_driver


def test_the_multion_sdk_creates_steps_streams_retrieves_lists_and_closes(serve, pages_server):
    out = run_driver(
        "multion", "multion_driver", "session", serve.url, serve.token, f"{pages_server}/links.html"
    )
    assert out["create"]["url"].endswith("/links.html")
    assert out["create"]["shot"].startswith("data:image/png;base64")
    assert out["step"]["status"] in ("CONTINUE", "DONE"), out["step"]
    stream = out["stream"]
    assert stream[-1]["type"] == "final_event"
    assert stream[-1]["delta"]["status"] in ("CONTINUE", "DONE")
    # the SDK's wrapper reads chunk.delta["content"] of every event
    assert all(isinstance(c["delta"], dict) and "content" in c["delta"] for c in stream)
    assert out["retrieve"]["status"]
    assert out["screenshot"].startswith("data:image/png;base64")
    assert out["session_id"] in out["list"]
    assert out["close"]


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
