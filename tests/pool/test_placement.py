"""Placement and labels of the pool, without browsers: the rules a person relies on."""

from __future__ import annotations

import pytest

from tui.engine.pool import BrowserPool, PoolFull, _first_line, endpoint_label
from tui.errors import InvalidRequest, Unreachable


class Connected:
    """A browser handle that answers is_connected (placement reads nothing else)."""

    def __init__(self, up: bool = True) -> None:
        self.up = up

    def is_connected(self) -> bool:
        return self.up


def pool_of(*loads: int, limit: int = 0) -> BrowserPool:
    pool = BrowserPool(cdp_urls=[f"http://10.0.0.{i}:9222" for i in range(len(loads))], limit=limit)
    for ep, load in zip(pool.endpoints, loads, strict=True):
        ep.browser = Connected()  # type: ignore[assignment]
        ep.pending = load
    return pool


def test_least_loaded_wins_and_the_first_listed_breaks_ties():
    assert pool_of(2, 1, 1).pick().label == "cdp 10.0.0.1:9222"
    assert pool_of(0, 0, 0).pick().label == "cdp 10.0.0.0:9222"


def test_a_down_endpoint_is_skipped_and_all_down_says_which():
    pool = pool_of(5, 0)
    pool.endpoints[1].browser = Connected(up=False)  # type: ignore[assignment]
    assert pool.pick().label == "cdp 10.0.0.0:9222"
    pool.endpoints[0].browser = None
    pool.endpoints[0].error = "connect ECONNREFUSED 10.0.0.0:9222"
    with pytest.raises(Unreachable) as err:
        pool.pick()
    assert "cdp 10.0.0.0:9222: connect ECONNREFUSED" in err.value.message
    assert "retrying" in err.value.hint


def test_the_limit_holds_per_endpoint():
    pool = pool_of(2, 1, limit=2)
    assert pool.pick().label == "cdp 10.0.0.1:9222"
    pool.endpoints[1].pending = 2
    with pytest.raises(PoolFull, match="limit of 2"):
        pool.pick()


def test_labels_and_errors_never_carry_tokens():
    assert endpoint_label(
        "ws", "wss://user:pw@grid.example:3000/chromium/playwright?token=T0K"
    ) == ("ws grid.example:3000/chromium/playwright")
    assert endpoint_label("cdp", "ws://browserless:3000?token=T0K") == "cdp browserless:3000"
    line = _first_line(Exception("WebSocket error: wss://u:p@h:3000/x?token=T0K 401\nstack"))
    assert "T0K" not in line and "u:p" not in line and "wss://h:3000/x" in line
    same_host = BrowserPool(ws_endpoints=["ws://h:1/?token=a", "ws://h:1/?token=b"])
    assert [e.label for e in same_host.endpoints] == ["ws h:1", "ws h:1 #2"]


def test_bad_endpoints_are_refused_with_what_to_pass():
    with pytest.raises(InvalidRequest, match="not a Playwright server"):
        BrowserPool(ws_endpoints=["http://h:3000"])
    with pytest.raises(InvalidRequest, match="at least one endpoint"):
        BrowserPool()
