"""The app starts a session from a profile (`stepdeck --profile`), the new-session dialog
takes one, a corrupt profile is a notification naming it (the app carries on), and P saves
the selected session as a profile."""

from __future__ import annotations

from textual.widgets import Input

from tests.support import toasts
from tests.ui.ui_helpers import settle
from tui.engine.profiles import Cookie, Profile, ProfileStore
from tui.providers.local import LocalProvider
from tui.ui.app import StepdeckApp


async def signed_in(provider: LocalProvider) -> list[str]:
    """Profiles of the live sessions whose page greets the saved user."""
    found = []
    for s in await provider.list_sessions():
        obs = await provider.observe(s.id, screenshot=False)
        if "Hi, ada7q" in obs.markdown:
            found.append(s.profile)
    return found


async def test_app_and_dialog_start_sessions_from_a_profile(demo_server, stepdeck_home):
    store = ProfileStore()
    cookie = Cookie(name="user", value="ada7q", domain="127.0.0.1", path="/")
    store.save(Profile(name="shop", url=f"{demo_server}/shop", cookies=[cookie]))
    store.path("broken").write_text("{ not json")

    provider = LocalProvider()
    app = StepdeckApp([provider], images="none")
    app.start_profile = "shop"  # what `stepdeck --profile shop` sets
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await settle(pilot)
        assert await signed_in(provider) == ["shop"]  # opened where it was saved, signed in

        await pilot.press("f2")
        await pilot.pause()
        app.screen.query_one("#new-url", Input).value = f"{demo_server}/shop/cart"
        app.screen.query_one("#new-profile", Input).value = "shop"
        await pilot.press("enter")
        await settle(pilot)
        assert await signed_in(provider) == ["shop", "shop"]

        await pilot.press("f2")
        await pilot.pause()
        app.screen.query_one("#new-profile", Input).value = "broken"
        await pilot.press("enter")
        await settle(pilot)
        texts = toasts(app)
        assert any("'broken' is unreadable" in t for t in texts), texts
        assert len(await provider.list_sessions()) == 2 and app.is_running

        # P (app key) saves the selected session under a name typed in a small dialog.
        await pilot.press("escape", "P")
        await pilot.pause()
        app.screen.query_one("#profile-name", Input).value = "again"
        await pilot.press("enter")
        await settle(pilot)
        assert store.summary("again").cookies == {"127.0.0.1": ["user"]}
        texts = toasts(app)
        assert any("again: 127.0.0.1" in t for t in texts), texts
        assert not any("ada7q" in t for t in texts), texts  # a value never reaches the screen
