"""The official notte-sdk, unmodified, against `stepdeck serve` (only its base URL and key change)."""

from __future__ import annotations

import pytest
from pydantic import BaseModel


@pytest.fixture(scope="module")
def notte(serve):
    import notte_core.telemetry
    import notte_sdk.endpoints.base

    # No internet in tests: the SDK asks PyPI for its latest version on first use, and
    # notte-core sends telemetry unless told not to (in case it was imported before the env).
    notte_sdk.endpoints.base._version_check_performed = True
    notte_core.telemetry.DISABLE_TELEMETRY = True
    from notte_sdk import NotteClient

    return NotteClient(api_key=serve.token, server_url=serve.url)


class Product(BaseModel):
    name: str
    price: float


class Products(BaseModel):
    products: list[Product]


def test_sdk_session_start_observe_execute_scrape_stop(notte, site, monkeypatch):
    monkeypatch.setenv("DISABLE_TELEMETRY", "true")
    with notte.Session() as session:
        done = session.execute(type="goto", url=f"{site}/shop")
        assert done.success

        obs = session.observe()
        assert obs.metadata.url == f"{site}/shop"
        assert obs.screenshot.raw  # decoded by the SDK
        search = next(a for a in obs.space.interaction_actions if a.type == "fill")

        filled = session.execute(type="fill", id=search.id, value="airpods", press_enter=True)
        assert filled.success and filled.action.id == search.id
        assert "q=airpods" in session.observe().metadata.url

        assert "AirPods Pro" in session.scrape()
        products = session.scrape(response_format=Products)
        assert isinstance(products, Products)
        assert products.products[0].name == "AirPods Pro"

        listed = notte.sessions.list()
        assert session.session_id in [s.session_id for s in listed]
        status = session.status()
        assert status.status == "active"
    assert session.status().status == "closed"


def test_sdk_sees_a_failed_action(notte, site, monkeypatch):
    from notte_sdk.errors import NotteAPIError

    monkeypatch.setenv("DISABLE_TELEMETRY", "true")
    with notte.Session() as session:
        session.execute(type="goto", url=f"{site}/shop")
        with pytest.raises(NotteAPIError) as err:
            session.execute(type="click", id="B404")
        assert err.value.status_code == 422
