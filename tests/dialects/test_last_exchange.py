"""The Raw tab's view of the wire: the last exchange, without the key, screenshots cut."""

from __future__ import annotations

from tests.dialects.conftest import Reply
from tui.dialects.http import HttpClient


async def test_last_exchange_keeps_bodies_but_never_the_key_and_cuts_screenshots(misbehaving):
    png = "iVBORw0KGgo" * 10_000
    misbehaving.on("POST", "/session/abc", Reply(200, {"screenshot": png, "status": "DONE"}))
    client = HttpClient(
        provider="multion",
        base_url=misbehaving.url + "/v1/web",
        headers={"X_MULTION_API_KEY": "sk-secret-key"},
    )
    try:
        await client.call("POST", "session/abc", json_body={"cmd": "search for kindle"})
    finally:
        await client.aclose()
    exchange = client.last_exchange
    assert exchange["request"]["url"] == misbehaving.url + "/v1/web/session/abc"
    assert exchange["request"]["json"] == {"cmd": "search for kindle"}
    assert exchange["response"]["status"] == 200
    assert exchange["response"]["json"]["status"] == "DONE"
    assert "110,000 chars" in exchange["response"]["json"]["screenshot"]
    assert "sk-secret-key" not in repr(exchange)
