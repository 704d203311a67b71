"""A Playwright trace of a traced session, opened in the trace viewer `playwright show-trace` serves."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
import zipfile

import pytest
from click.testing import CliRunner

from tui.cli import main
from tui.engine.browser import BrowserHost
from tui.engine.masking import MASK
from tui.engine.tracing import trace_file
from tui.model import CreateSession, StepRequest
from tui.providers.local import LocalProvider
from tui.records.recording import RecordingProvider
from tui.store import Store

SECRET = "hunter2-in-the-trace"


def _serve_viewer(trace) -> tuple[subprocess.Popen, str]:
    """`playwright show-trace --host 127.0.0.1 --port 0 TRACE`; its url once it listens."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "playwright",
            "show-trace",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            str(trace),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its node child goes with it
    )
    deadline = time.monotonic() + 60
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        found = re.search(r"Listening on (http://\S+)", line)
        if found:
            return proc, found.group(1)
        if not line and proc.poll() is not None:
            break
    os.killpg(proc.pid, signal.SIGTERM)
    pytest.fail("playwright show-trace never listened")


async def test_a_traced_session_opens_in_the_trace_viewer(demo_server, tmp_path):
    with Store() as store:
        provider = RecordingProvider(LocalProvider(trace=True, nav_timeout_ms=10_000), store)
        await provider.start()
        try:
            session = await provider.create_session(CreateSession(url=f"{demo_server}/shop"))
            await provider.step(session.id, StepRequest(type="command", cmd="search for kindle"))
            open_it = StepRequest(type="command", cmd="open Kindle Paperwhite")
            await provider.step(session.id, open_it)
            login = StepRequest(type="goto", url=f"{demo_server}/shop/login")
            await provider.step(session.id, login)
            page = await provider.observe(session.id, screenshot=False)
            password = next(a.id for a in page.actions if a.description == "Password")
            await provider.step(session.id, StepRequest(id=password, value=SECRET))
            await provider.close_session(session.id)  # the trace is written as it closes
        finally:
            await provider.aclose()
    assert trace_file(session.id).exists()
    # A typed password is masked in the trace as everywhere else.
    with zipfile.ZipFile(trace_file(session.id)) as z:
        assert not any(SECRET.encode() in z.read(n) for n in z.namelist())

    out = tmp_path / "export"
    args = ["export", session.id, "--out", str(out)]
    result = await asyncio.to_thread(CliRunner().invoke, main, args)
    assert result.exit_code == 0, result.output
    assert "trace.zip (playwright show-trace opens it)" in result.output
    assert "show-trace trace.zip" in (out / "report.md").read_text()

    proc, url = await asyncio.to_thread(_serve_viewer, out / "trace.zip")
    try:
        host = BrowserHost()  # the same Debian Chromium the engine uses, headless, offline
        browser = await host.ensure()
        try:
            # Tall: the viewer lists only the rows that fit its window.
            page = await browser.new_page(viewport={"width": 1280, "height": 3000})
            await page.goto(url)
            titles = page.locator(".action-title")
            # The viewer lists actions as it reads the trace: wait for the last step's group.
            await titles.filter(has_text="••••••").first.wait_for(timeout=60_000)
            listed = " | ".join(await titles.all_inner_texts())
        finally:
            await host.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    # Each step is a group named as typed, around its Playwright actions.
    assert re.search(
        r"search for kindle.*open Kindle Paperwhite.*goto .*/shop/login", listed, re.S
    ), listed
    assert "••••••" in listed and SECRET not in listed


async def test_the_new_session_dialog_asks_for_a_trace():
    from textual.app import App
    from textual.widgets import Checkbox

    from tui.ui.screens.new_session import NewSessionScreen

    answers = []

    class Host(App):
        def on_mount(self) -> None:
            self.push_screen(NewSessionScreen([("Local Chromium", "local")]), answers.append)

    app = Host()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.click("#new-trace")
        assert app.screen.query_one("#new-trace", Checkbox).value
        await pilot.click("#new-create")
        await pilot.pause()
    [(provider, request)] = answers
    assert provider == "local" and request.trace


def test_trace_flag_reaches_the_embedded_engine():
    from tui.settings import load_settings

    assert LocalProvider.from_settings(load_settings(trace=True)).trace
    assert not LocalProvider.from_settings(load_settings()).trace
    for args in (["--help"], ["demo", "--help"], ["serve", "--help"]):
        assert "--trace" in CliRunner().invoke(main, args).output


PASSWORD = "correct-horse-battery"
CARD = "4242424242424242"
USER = "ada-lovelace-1815"  # the demo keeps the signed-in user in a cookie
SESSION_COOKIE = "sid-7f3c9a1e5b2d4c6e8a0f"
BEARER = "sk-live-0a1b2c3d4e5f6a7b"


async def _fill(provider, session_id: str, obs, label: str, value: str, **kw):
    target = next(a for a in obs.actions if a.description.startswith(label))
    return await provider.step(session_id, StepRequest(id=target.id, value=value, **kw))


async def test_an_exported_trace_keeps_no_password_card_cookie_or_authorization(
    demo_server, tmp_path
):
    """A traced session signs in, sends an Authorization header, carries a session cookie
    and pays by card: the exported trace.zip holds none of those values, in any entry."""
    with Store() as store:
        provider = RecordingProvider(LocalProvider(trace=True, nav_timeout_ms=10_000), store)
        await provider.start()
        try:
            s = await provider.create_session(CreateSession(url=f"{demo_server}/shop/login"))
            context = provider.inner.session_target(s.id).context
            await context.set_extra_http_headers({"Authorization": f"Bearer {BEARER}"})
            await context.add_cookies(
                [{"name": "sid", "value": SESSION_COOKIE, "url": demo_server}]
            )
            obs = await provider.observe(s.id, screenshot=False)
            await _fill(provider, s.id, obs, "Username", USER)
            signed_in = await _fill(provider, s.id, obs, "Password", PASSWORD, enter=True)
            assert USER in signed_in.observation.markdown  # the cookie did its job
            await context.request.post(
                f"{demo_server}/shop/cart/add", form={"slug": "sony-wh-1000xm5", "qty": "1"}
            )
            go = StepRequest(type="goto", url=f"{demo_server}/shop/checkout")
            obs = (await provider.step(s.id, go)).observation
            for label, value in (("Address", "1 Way"), ("City", "London")):
                await _fill(provider, s.id, obs, label, value)
            terms = next(a for a in obs.actions if "terms" in a.description.lower())
            await provider.step(s.id, StepRequest(type="check", id=terms.id))
            pay = next(a for a in obs.actions if a.description.startswith("Continue to payment"))
            obs = (await provider.step(s.id, StepRequest(id=pay.id))).observation
            assert "/shop/payment" in obs.metadata.url
            await _fill(provider, s.id, obs, "Name on card", "Ada Lovelace")
            await _fill(provider, s.id, obs, "Card number", CARD)
            # the trace films the page as drawn: there the card number is dots too
            page = provider.inner.session_target(s.id).page
            drawn = "getComputedStyle(document.getElementById('cardnumber')).webkitTextSecurity"
            assert await page.evaluate(drawn) == "disc"
            await _fill(provider, s.id, obs, "Expiry", "12/30")
            done = await _fill(provider, s.id, obs, "CVC", "737", enter=True)
            assert "/shop/confirmation" in done.observation.metadata.url
            await provider.close_session(s.id)  # the trace is written as it closes
        finally:
            await provider.aclose()

    out = tmp_path / "export"
    result = await asyncio.to_thread(CliRunner().invoke, main, ["export", s.id, "--out", str(out)])
    assert result.exit_code == 0, result.output
    leaks = [CARD, "4242 4242 4242 4242", PASSWORD, USER, SESSION_COOKIE, BEARER]
    with zipfile.ZipFile(out / "trace.zip") as z:
        members = {name: z.read(name) for name in z.namelist()}
    for name, data in members.items():
        for leak in leaks:
            assert leak.encode() not in data, (leak, name)
    # still a trace: the viewer's JSON lines parse, the sign-in and the payment are in it
    events = [
        json.loads(line)
        for name, data in members.items()
        if name.endswith((".trace", ".network"))
        for line in data.decode().splitlines()
        if line.strip()
    ]
    text = json.dumps(events, ensure_ascii=False)
    assert "/shop/login" in text and "/shop/payment" in text and MASK in text
