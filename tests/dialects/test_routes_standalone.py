"""Each dialect's router mounted on its own (no `stepdeck serve`) checks its own header."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from tests.dialects.conftest import serving
from tui.dialects.multion.routes import router as multion_router
from tui.dialects.notte_env.routes import router as notte_env_router
from tui.dialects.thinkrun.routes import router as thinkrun_router


class Closed:
    """A provider whose every session is unknown: enough to get past the auth check."""

    async def list_sessions(self):
        return []


CASES = [
    ("notte_env", notte_env_router, "", "POST", "/session/close", {"Authorization": "Bearer t"}),
    ("multion", multion_router, "/v1/web", "GET", "/sessions", {"X_MULTION_API_KEY": "t"}),
    ("thinkrun", thinkrun_router, "/api", "GET", "/sessions", {"X-API-Key": "t"}),
    ("thinkrun-bearer", thinkrun_router, "/api", "GET", "/sessions", {"Authorization": "Bearer t"}),
]


@pytest.mark.parametrize(
    ("name", "make", "prefix", "method", "path", "good"), CASES, ids=[c[0] for c in CASES]
)
async def test_the_router_refuses_a_missing_or_wrong_key(name, make, prefix, method, path, good):
    app = FastAPI()
    app.include_router(make(Closed(), token="t"), prefix=prefix)
    async with serving(app) as base, httpx.AsyncClient(base_url=base + prefix) as http:
        assert (await http.request(method, path)).status_code == 401
        wrong = {k: v.replace("t", "x") for k, v in good.items()}
        assert (await http.request(method, path, headers=wrong)).status_code == 401
        ok = await http.request(method, path, headers=good, json={"session_id": None})
        assert ok.status_code != 401, ok.text
