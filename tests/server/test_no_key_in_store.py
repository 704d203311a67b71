"""A cloud provider's API key travels in its requests and never reaches the store.

The key is where a leak would come from: the app builds the client from the key's
environment variable and records every session and step through the recording wrapper.
"""

from __future__ import annotations

from tests.server.test_notte_cloud_client import EXECUTED, OBSERVATION, SESSION, SID
from tui import locations
from tui.dialects import build_provider
from tui.model import CreateSession, StepRequest
from tui.records.recording import recording
from tui.settings import ProviderConfig
from tui.store import Store

KEY = "sk-notte-k3y-never-stored"


async def test_the_api_key_is_sent_but_never_stored(fake_notte, monkeypatch):
    fake_notte.on("POST", "/sessions/start", SESSION)
    fake_notte.on("POST", f"/sessions/{SID}/page/execute", EXECUTED)
    fake_notte.on("POST", f"/sessions/{SID}/page/observe", OBSERVATION)
    fake_notte.on("POST", f"/sessions/{SID}/page/scrape", {"markdown": "# Example Domain"})
    fake_notte.on("GET", f"/sessions/{SID}", SESSION)
    fake_notte.on("DELETE", f"/sessions/{SID}/stop", SESSION | {"status": "closed"})
    monkeypatch.setenv("NOTTE_API_KEY", KEY)
    config = ProviderConfig(
        name="notte", dialect="notte", base_url=fake_notte.url, key_env="NOTTE_API_KEY"
    )
    with Store() as store:
        client = recording(build_provider(config), store, observe_missing=True)
        await client.start()
        try:
            await client.create_session(CreateSession(url="https://example.com"))
            result = await client.step(SID, StepRequest(type="click", id="L1"))
            await client.close_session(SID)
        finally:
            await client.aclose()
        assert result.success and [s.seq for s in store.steps("notte", SID)] == [1]
    assert set(fake_notte.auth) == {f"Bearer {KEY}"}  # the key was in every request...
    files = [p for p in locations.data_dir().rglob("*") if p.is_file()]
    assert any(p.name == "stepdeck.sqlite3" for p in files)
    for path in files:  # ...and is in no file the store wrote (database, WAL, screenshots)
        assert KEY.encode() not in path.read_bytes(), path
