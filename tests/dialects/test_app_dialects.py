"""The app on each dialect: a session served locally, listed, stepped and closed.

Each dialect client talks to `stepdeck serve` on a loopback port, which
drives a real Chromium; the app is driven with Pilot as a person would.
"""

from __future__ import annotations

import pytest

from tests.support import settle
from tui.dialects import build_provider

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def type_line(pilot, line: str) -> None:
    bar = pilot.app.command_bar
    bar.focus()
    bar.value = ""
    await pilot.press(*line, "enter")
    await settle(pilot)


CASES = [
    # dialect, path under the server, what the person types, the title it leads to
    ("notte_env", "", "{name} Ada --enter", "Entered Ada"),
    ("thinkrun", "", "{name} Ada --enter", "Entered Ada"),
    ("multion", "/v1/web", "type Ada into your name", None),
]


@pytest.mark.parametrize(("dialect", "path", "line", "title"), CASES, ids=[c[0] for c in CASES])
async def test_a_session_listed_stepped_and_closed_from_the_app(
    dialect, path, line, title, served, pages_server, provider_config
):
    from tui.ui.app import StepdeckApp

    client = build_provider(provider_config(dialect, served + path))
    app = StepdeckApp([client], images="none", start_url=f"{pages_server}/form.html")
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await settle(pilot)
        view = app.current
        assert view is not None, "the start session is listed and selected"
        assert view.provider == dialect
        if dialect == "thinkrun":
            # Provisioning answered "creating"; the app's refresh finds it running.
            app.action_refresh()
            await settle(pilot)
        session_id = view.session.id

        name = ""
        if client.capabilities.action_space:
            actions = view.observation.actions
            name = next(
                a.id for a in actions if a.id.startswith("I") and "name" in a.description.lower()
            )
        await type_line(pilot, line.format(name=name))
        assert view.last is not None and view.last.success, view.last
        if title:
            assert view.last.observation.metadata.title == title

        await pilot.press("escape", "x")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert app.current is None or app.current.session.id != session_id
        live = [s.id for s in await client.list_sessions() if s.status.is_live]
        assert session_id not in live
