"""Bad input is answered 4xx and leaves nothing behind (issue 14), in every dialect."""

from __future__ import annotations

import json

import pytest

from .conftest import TOKEN

MULTION = {"X_MULTION_API_KEY": TOKEN}
THINKRUN = {"X-API-Key": TOKEN}


@pytest.fixture(scope="module")
def http(serve):
    with serve.client() as client:
        yield client


def active(http) -> set[str]:
    reply = http.get("/sessions/", params={"only_active": True, "page_size": 100})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    items = body["items"] if isinstance(body, dict) else body
    return {s["session_id"] for s in items}


def raw(http, path: str, text: str, headers: dict | None = None):
    return http.post(
        path, content=text, headers={"Content-Type": "application/json", **(headers or {})}
    )


@pytest.mark.parametrize("width", ["NaN", "Infinity", "-Infinity", "-5", "1e12"])
def test_bad_viewports_are_4xx_and_open_nothing(http, demo_server, width):
    before = active(http)
    multion = raw(
        http,
        "/v1/web/session",
        f'{{"url": "{demo_server}/shop", "browser_params": {{"width": {width}, "height": 600}}}}',
        MULTION,
    )
    assert 400 <= multion.status_code < 500, multion.text
    assert multion.json()["hint"]
    if width not in ("NaN", "Infinity", "-Infinity"):
        thinkrun = http.post(
            "/api/sessions",
            json={
                "initialPrompt": f"{demo_server}/shop",
                "options": {"viewport": {"width": int(float(width)), "height": 600}},
            },
            headers=THINKRUN,
        )
        assert thinkrun.status_code == 422, thinkrun.text
        notte = http.post(
            "/sessions/start",
            json={"url": f"{demo_server}/shop", "viewport_width": int(float(width))},
        )
        assert notte.status_code == 422, notte.text
    assert active(http) == before  # no half-made session answers 500 later


def test_a_deeply_nested_body_is_400(http):
    deep = "[" * 100_000 + "]" * 100_000
    for path in ("/env/step", "/session/start", "/sessions/start", "/v1/web/session"):
        reply = raw(http, path, deep, MULTION)
        assert reply.status_code == 400, (path, reply.text)
        assert "nested too deep" in reply.json()["message"]
    shallow = json.dumps({"url": None, "label": "x", "extra": [[[[1]]]]})
    assert raw(http, "/sessions/start", shallow).status_code == 200


def test_body_and_field_sizes_are_capped(http, demo_server):
    before = active(http)
    huge = http.post(
        "/sessions/start", json={"url": f"{demo_server}/shop", "label": "x" * 20_000_000}
    )
    assert huge.status_code == 413, huge.text[:200]
    long_label = http.post(
        "/sessions/start", json={"url": f"{demo_server}/shop", "label": "x" * 1000}
    )
    assert long_label.status_code == 422 and "label" in long_label.json()["message"]
    assert active(http) == before
    sid = http.post("/sessions/start", json={"url": f"{demo_server}/shop/login"}).json()[
        "session_id"
    ]
    big = http.post(
        f"/sessions/{sid}/page/execute", json={"type": "fill", "id": "I1", "value": "v" * 100_000}
    )
    # Notte's execute answers a refused action as a failed result (its SDK raises it).
    refused = big.json()
    assert big.status_code == 422 or refused["success"] is False, big.text[:300]
    assert "at most 65,536" in refused["message"]
    listing = http.get("/sessions/", params={"page_size": 100})
    assert len(listing.content) < 200_000  # nothing huge was stored
    http.delete(f"/sessions/{sid}/stop")


def test_extraction_on_a_closed_session_is_410(http, demo_server):
    sid = http.post("/sessions/start", json={"url": f"{demo_server}/shop"}).json()["session_id"]
    assert http.delete(f"/sessions/{sid}/stop").status_code == 200
    schema = {"type": "object", "properties": {"name": {"type": "string"}}}
    scrape = http.post(f"/sessions/{sid}/page/scrape", json={"response_format": schema})
    assert scrape.status_code == 410, scrape.text
    retrieve = http.post(
        "/v1/web/retrieve",
        json={"cmd": "product names", "session_id": sid, "fields": ["name"]},
        headers=MULTION,
    )
    assert retrieve.status_code == 410, retrieve.text


def test_thinkrun_fill_and_type_never_echo_a_password(http, demo_server):
    """ThinkRun's /fill and /type answer with the value as the engine shows it: masked,
    in the answer, in /console and /network, even with no look at the page first."""
    sid = http.post(
        "/api/sessions", json={"initialPrompt": f"{demo_server}/shop/login"}, headers=THINKRUN
    ).json()["sessionId"]
    secret = "Hunter2-pass"
    fill = http.post(
        f"/api/sessions/{sid}/fill",
        json={"selector": "#password", "value": secret},
        headers=THINKRUN,
    )
    assert fill.status_code == 200, fill.text
    typed = http.post(
        f"/api/sessions/{sid}/type",
        json={"selector": "#password", "text": "x\n"},
        headers=THINKRUN,
    )
    assert typed.status_code == 200, typed.text
    for reply in (
        fill,
        typed,
        http.get(f"/api/sessions/{sid}/console", headers=THINKRUN),
        http.get(f"/api/sessions/{sid}/network", headers=THINKRUN),
        http.get(f"/api/sessions/{sid}/actions", headers=THINKRUN),
    ):
        assert secret not in reply.text, reply.url
    http.delete(f"/api/sessions/{sid}", headers=THINKRUN)
