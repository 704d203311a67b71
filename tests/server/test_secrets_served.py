"""Over `stepdeck serve`, a password typed into a page never comes back in clear: not in the
execute answer, the action log, nor the server's store."""

from __future__ import annotations

SECRET = "served-s3cr3t"


def test_a_password_stays_masked_over_http(serve, demo_server):
    with serve.client() as http:
        sid = http.post("/sessions/start", json={"url": f"{demo_server}/shop/login"}).json()[
            "session_id"
        ]
        obs = http.post(f"/sessions/{sid}/page/observe", json={}).json()
        fields = [a for a in obs["space"]["interaction_actions"] if a["type"] == "fill"]
        password = next(a for a in fields if "password" in a["description"].lower())
        user = next(a for a in fields if a is not password)
        http.post(
            f"/sessions/{sid}/page/execute",
            json={"type": "fill", "id": user["id"], "value": "bob"},
        ).raise_for_status()
        reply = http.post(
            f"/sessions/{sid}/page/execute",
            json={"type": "fill", "id": password["id"], "value": SECRET, "press_enter": True},
        )
        reply.raise_for_status()
        assert reply.json()["success"]
        assert SECRET not in reply.text
        assert reply.json()["action"]["value"] == "••••••"
        log = http.get(f"/sessions/{sid}/log")
        assert SECRET not in log.text and "bob" in log.text
        http.delete(f"/sessions/{sid}/stop")
    files = [p for p in serve.home.rglob("*") if p.is_file()]
    assert any(p.name == "stepdeck.sqlite3" for p in files)  # the server's store
    for path in files:
        if path.suffix != ".png":
            assert SECRET.encode() not in path.read_bytes(), path
