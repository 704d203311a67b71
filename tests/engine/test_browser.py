"""Which Chromium the engine launches, with which flags."""

from __future__ import annotations

import os

import pytest

from tui.engine.browser import FULL_CHROMIUM, HEADLESS_SHELL, find_chromium, launch_args
from tui.model import CreateSession
from tui.providers.local import LocalProvider


def test_headless_shell_is_the_default():
    if not os.access(HEADLESS_SHELL, os.X_OK):
        pytest.skip("Debian's chromium-headless-shell is not installed")
    assert find_chromium() == HEADLESS_SHELL
    args = launch_args(HEADLESS_SHELL)
    for flag in ("--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync"):
        assert flag in args
    assert ("--no-sandbox" in args) == (os.geteuid() == 0)
    assert not any(a.startswith("--disable-features") for a in args)


def test_full_chromium_keeps_playwrights_disabled_features():
    args = launch_args(FULL_CHROMIUM)
    (features,) = [a for a in args if a.startswith("--disable-features=")]
    names = features.split("=", 1)[1].split(",")
    assert {"WebUIOmniboxPopup", "WebUIOmniboxFullPopup", "WebUIOmniboxAimPopup"} <= set(names)
    # Chromium keeps only the last --disable-features: Playwright's own list must be repeated
    assert "MediaRouter" in names


async def test_full_chromium_runs_sessions(pages_server):
    if not os.access(FULL_CHROMIUM, os.X_OK):
        pytest.skip("full chromium is not installed")
    async with LocalProvider(chromium=FULL_CHROMIUM) as p:
        s = await p.create_session(CreateSession(url=f"{pages_server}/form.html"))
        obs = await p.observe(s.id)
        assert obs.metadata.title == "Form page" and obs.screenshot
        assert p.engine.host.executable == FULL_CHROMIUM


async def test_headed_without_a_display_says_so(monkeypatch):
    from tui.engine.browser import NoChromium

    if not os.access(FULL_CHROMIUM, os.X_OK):
        pytest.skip("full chromium is not installed")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    p = LocalProvider(headed=True)
    with pytest.raises(NoChromium) as err:
        await p.start()
    assert "display" in err.value.message
    await p.aclose()
