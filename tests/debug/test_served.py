"""The debugging tabs on a session served by `stepdeck serve` and stepped by another client."""

from __future__ import annotations

import asyncio

import httpx
from click.testing import CliRunner
from debug_helpers import TOKEN, open_tab, run, settle

from tui.cli import main
from tui.dialects.notte.client import connect
from tui.model import StepRequest
from tui.records.export import export_session, load_export
from tui.ui.app import StepdeckApp
from tui.ui.tabs.network import NetworkTab
from tui.ui.tabs.timeline import TimelineTab


async def test_timeline_shows_steps_another_client_made(served, demo_server, store):
    app = StepdeckApp(
        [connect(served, TOKEN)], images="none", store=store, start_url=f"{demo_server}/shop"
    )
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        session_id = app.current.session.id
        cart = f"{demo_server}/shop/cart"
        # The person steps once from the app (the server records it; the app may too) ...
        await run(pilot, StepRequest(type="goto", url=f"{demo_server}/shop/login"))

        # ... then another client (an agent, say) steps the same session over HTTP.
        headers = {"Authorization": f"Bearer {TOKEN}"}
        async with httpx.AsyncClient(base_url=served, headers=headers, timeout=30) as other:
            reply = await other.post(
                f"/sessions/{session_id}/page/execute", json={"type": "goto", "url": cart}
            )
        assert reply.status_code == 200, reply.text

        await open_tab(pilot, "tab-timeline")
        tab = app.query_one(TimelineTab)
        login = f"goto {demo_server}/shop/login"
        assert [m.description for m in tab.moments] == [login, f"goto {cart}"]  # each once
        assert tab.moments[-1].url == cart and tab.moments[-1].stored
        assert "Cart" in tab.detail_text

        app.action_refresh()
        await open_tab(pilot, "tab-network")
        assert any(r.url == cart and r.status == 200 for r in app.query_one(NetworkTab).requests)

        # The export holds both steps once, whoever recorded them.
        result = await export_session(session_id, provider="serve", store=store)
        assert [st.description for st in load_export(result.folder).steps] == [
            login,
            f"goto {cart}",
        ]


async def test_replay_command_on_stepdeck_serve(
    served, shop_session, local_provider, store, monkeypatch, tmp_path
):
    session, results = shop_session
    exported = await export_session(session.id, store=store, live=local_provider, out=tmp_path)
    monkeypatch.setenv("STEPDECK_SERVER_URL", served)
    monkeypatch.setenv("STEPDECK_TOKEN", TOKEN)

    args = ["replay", str(exported.json_path), "--provider", "serve"]
    run = await asyncio.to_thread(CliRunner().invoke, main, args)

    assert run.exit_code == 0, run.output
    first, *outcomes, _ = run.output.splitlines()
    replayed = first.split(" session ")[1].split()[0]  # "... on serve session <id> (...)"
    assert first.startswith("replaying 2 steps on serve session")
    assert [line.split()[1] for line in outcomes] == ["ok", "ok"]
    # The server recorded the replay like any client's steps.
    assert [s.url for s in store.steps("serve", replayed)] == [
        r.observation.metadata.url for r in results
    ]
