"""Profiles in the engine: a demo-shop login survives into a new session; files stay private.

One browser for the module; every test opens its own sessions.
"""

from __future__ import annotations

import json
import stat
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tui.engine.profiles import ProfileCorrupt, ProfileNotFound, ProfileStore, describe
from tui.errors import InvalidRequest
from tui.model import CreateSession, StepRequest
from tui.providers.local import LocalProvider

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def provider() -> AsyncIterator[LocalProvider]:
    p = LocalProvider(nav_timeout_ms=10_000, action_timeout_ms=5_000)
    await p.start()
    try:
        yield p
    finally:
        await p.aclose()


@pytest.fixture
def profiles(provider: LocalProvider, stepdeck_home) -> ProfileStore:
    """The provider's profile folder, inside this test's STEPDECK_HOME."""
    provider.profiles = ProfileStore()
    return provider.profiles


def action_id(obs, description: str, prefix: str = "") -> str:
    for a in obs.actions:
        if a.description.startswith(description) and a.id.startswith(prefix):
            return a.id
    raise AssertionError(f"no {description!r} in {[a.description for a in obs.actions]}")


async def sign_in(provider: LocalProvider, base: str, user: str) -> str:
    s = await provider.create_session(CreateSession(url=f"{base}/shop/login"))
    obs = await provider.observe(s.id, screenshot=False)
    for field, value in (("Username", user), ("Password", "hunter2-not-shown")):
        step = StepRequest(type="fill", id=action_id(obs, field), value=value)
        assert (await provider.step(s.id, step)).success
    result = await provider.step(
        s.id, StepRequest(id=action_id(obs, "Sign in", "B"), source="person")
    )
    assert result.success, result.message
    obs = await provider.observe(s.id, screenshot=False)
    assert f"Hi, {user}" in obs.markdown
    return s.id


async def test_demo_login_survives_into_a_new_session(provider, profiles, demo_server):
    sid = await sign_in(provider, demo_server, "ada")
    page = provider.session_target(sid).page
    await page.evaluate(
        "() => { localStorage.setItem('theme', 'dark-LS'); sessionStorage.setItem('tab', 'SS-7') }"
    )
    summary = await provider.save_profile(sid, "shop")
    assert summary.cookies == {"127.0.0.1": ["user"]}
    assert list(summary.local_storage.values()) == [1]
    assert list(summary.session_storage.values()) == [1]

    # A fresh session without the profile is a stranger; with it, signed in.
    stranger = await provider.create_session(CreateSession(url=f"{demo_server}/shop"))
    assert "Sign in" in (await provider.observe(stranger.id, screenshot=False)).markdown
    fresh = await provider.create_session(CreateSession(profile="shop"))
    assert fresh.profile == "shop"
    assert fresh.url.startswith(f"{demo_server}/shop")  # opened where the profile was saved
    obs = await provider.observe(fresh.id, screenshot=False)
    assert "Hi, ada" in obs.markdown
    fresh_page = provider.session_target(fresh.id).page
    stored = await fresh_page.evaluate(
        "() => [localStorage.getItem('theme'), sessionStorage.getItem('tab')]"
    )
    assert stored == ["dark-LS", "SS-7"]
    # The page's own later writes to sessionStorage survive a reload (the restore fills only
    # an empty one).
    await fresh_page.evaluate("() => sessionStorage.setItem('tab', 'changed')")
    await fresh_page.reload()
    assert await fresh_page.evaluate("() => sessionStorage.getItem('tab')") == "changed"


async def test_files_are_private_and_show_no_values(provider, profiles, demo_server):
    sid = await sign_in(provider, demo_server, "grace-v4lue")
    await provider.save_profile(sid, "private")
    path = profiles.path("private")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert "grace-v4lue" in path.read_text()  # the file has it (the check below can fail)
    shown = describe(profiles.summary("private")) + json.dumps(
        [s.model_dump(mode="json") for s in profiles.list()]
    )
    assert "user" in shown and "127.0.0.1" in shown
    assert "grace-v4lue" not in shown


async def test_persist_saves_back_on_stop(provider, profiles, demo_server):
    sid = await sign_in(provider, demo_server, "first")
    await provider.save_profile(sid, "rolling")
    s = await provider.create_session(CreateSession(profile="rolling", persist_profile=True))
    page = provider.session_target(s.id).page
    await page.context.add_cookies([{"name": "extra", "value": "x", "url": demo_server}])
    await provider.close_session(s.id)
    assert "extra" in profiles.summary("rolling").cookies["127.0.0.1"]


async def test_corrupt_missing_and_bad_names_are_refused_clearly(provider, profiles, demo_server):
    sid = await sign_in(provider, demo_server, "bob")
    await provider.save_profile(sid, "good")
    profiles.path("broken").write_text('{"name": "broken", "cookies": [{"name": "sid", "valu')
    profiles.path("wrongshape").write_text(json.dumps({"cookies": "sid=s3cr3t-shape"}))
    before = len(await provider.list_sessions())

    with pytest.raises(ProfileCorrupt) as err:
        await provider.create_session(CreateSession(url=f"{demo_server}/shop", profile="broken"))
    assert "broken" in err.value.message and "not valid JSON" in err.value.message
    assert "stepdeck profile delete broken" in err.value.hint
    with pytest.raises(ProfileCorrupt) as err:
        await provider.create_session(CreateSession(profile="wrongshape"))
    assert "s3cr3t-shape" not in str(err.value)  # the reason never quotes the file
    with pytest.raises(ProfileNotFound):
        await provider.create_session(CreateSession(profile="nope"))
    with pytest.raises(InvalidRequest):
        await provider.create_session(CreateSession(profile="../etc/passwd"))
    with pytest.raises(InvalidRequest):
        await provider.save_profile(sid, "bad name")
    assert len(await provider.list_sessions()) == before  # nothing half-opened

    # Nothing else broke: the good profile still lists and starts a signed-in session.
    listed = {s.name: s for s in profiles.list()}
    assert listed["broken"].error and listed["wrongshape"].error and not listed["good"].error
    assert "UNREADABLE" in describe(listed["broken"])
    ok = await provider.create_session(CreateSession(profile="good"))
    assert "Hi, bob" in (await provider.observe(ok.id, screenshot=False)).markdown
