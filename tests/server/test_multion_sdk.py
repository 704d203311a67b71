"""The official `multion` 1.3.8 SDK, unmodified, against `stepdeck serve`'s /v1/web.

It runs in .venv-multion (it cannot live beside notte-sdk) through
tests/sdk/multion_driver.py; only its base URL and key change.
"""

from __future__ import annotations

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
