"""A cloud provider's API key travels in its requests and never reaches the store.

The key is where a leak would come from: the app builds the client from the key's
environment variable and records every session and step through the recording wrapper.
"""

from __future__ import annotations

from tests.server.test_notte_cloud_client import EXECUTED, OBSERVATION, SESSION, SID
from tui import locations
from tui.dialects import build_provider
from tui.engine.masking import MASK
from tui.model import CreateSession, StepRequest
from tui.records.recording import recording
from tui.settings import ProviderConfig
from tui.store import Store

KEY = "sk-notte-k3y-never-stored"


def fake_notte_session(fake_notte, monkeypatch, executed, observed, markdown) -> None:
    """The fake Notte cloud answers one session's life; the key is in its variable."""
    fake_notte.on("POST", "/sessions/start", SESSION)
    fake_notte.on("POST", f"/sessions/{SID}/page/execute", executed)
    fake_notte.on("POST", f"/sessions/{SID}/page/observe", observed)
    fake_notte.on("POST", f"/sessions/{SID}/page/scrape", {"markdown": markdown})
    fake_notte.on("GET", f"/sessions/{SID}", SESSION)
    fake_notte.on("DELETE", f"/sessions/{SID}/stop", SESSION | {"status": "closed"})
    monkeypatch.setenv("NOTTE_API_KEY", KEY)


def recorded_notte(fake_notte, store):
    """The Notte client the app builds from its config, recorded into `store`."""
    config = ProviderConfig(
        name="notte", dialect="notte", base_url=fake_notte.url, key_env="NOTTE_API_KEY"
    )
    return recording(build_provider(config), store, observe_missing=True)


async def test_the_api_key_is_sent_but_never_stored(fake_notte, monkeypatch):
    fake_notte_session(fake_notte, monkeypatch, EXECUTED, OBSERVATION, "# Example Domain")
    with Store() as store:
        client = recorded_notte(fake_notte, store)
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


PASSWORD = "cloud-pa55word"
CARD = "4242 4242 4242 4242"


async def test_a_password_or_card_typed_into_a_cloud_session_is_masked(fake_notte, monkeypatch):
    """The cloud masks nothing for us: the recording wrapper knows a password field from the
    page it last saw and a card number by its shape, and masks the step it keeps, the step
    it hands back to the app and the wire exchange the Raw tab shows."""
    import copy

    observed = copy.deepcopy(OBSERVATION)
    observed["space"]["interaction_actions"] += [
        {"type": "fill", "id": "I2", "value": "", "description": "Password"},
        {"type": "fill", "id": "I3", "value": "", "description": "Card"},
    ]
    filled = EXECUTED | {"action": {"type": "fill", "id": "I2", "value": PASSWORD}}
    fake_notte_session(fake_notte, monkeypatch, filled, observed, "# Sign in")
    with Store() as store:
        client = recorded_notte(fake_notte, store)
        await client.start()
        try:
            await client.create_session(CreateSession(url="https://example.com"))
            await client.observe(SID)
            typed = await client.step(SID, StepRequest(type="fill", id="I2", value=PASSWORD))
            wire = repr(client.last_exchange)
            paid = await client.step(SID, StepRequest(type="fill", id="I3", value=CARD))
            wire += repr(client.last_exchange)
            await client.close_session(SID)
        finally:
            await client.aclose()
        kept = [s.request.value for s in store.steps("notte", SID)]
    assert typed.request.value == MASK and paid.request.value == MASK and kept == [MASK, MASK]
    sent = [b["value"] for _, p, b in fake_notte.bodies if b and b.get("type") == "fill"]
    assert sent == [PASSWORD, CARD]  # the cloud got them, as it must
    assert PASSWORD not in wire and CARD not in wire
    for path in [p for p in locations.data_dir().rglob("*") if p.is_file()]:
        data = path.read_bytes()
        assert PASSWORD.encode() not in data and CARD.encode() not in data, path
