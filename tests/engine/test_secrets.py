"""A password typed into a page never comes back in clear: not in results, logs, events,
the store or an export."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image

from tests.engine.conftest import eventually, find
from tui.engine.masking import MASK
from tui.model import CreateSession, StepRequest
from tui.records.export import export_session
from tui.store import Store

pytestmark = pytest.mark.asyncio(loop_scope="module")

SECRET = "s3cr3t-Pa55"


async def test_a_password_fill_is_masked_everywhere(provider, demo_server, tmp_path):
    events = []
    unsubscribe = provider.engine.subscribe(events.append)
    try:
        s = await provider.create_session(CreateSession(url=f"{demo_server}/shop/login"))
        obs = await provider.observe(s.id, screenshot=False)
        user = next(
            a for a in obs.actions if a.id.startswith("I") and "user" in a.description.lower()
        )
        password = next(a for a in obs.actions if "password" in a.description.lower())
        r1 = await provider.step(s.id, StepRequest(id=user.id, value="bob"))
        r2 = await provider.step(s.id, StepRequest(id=password.id, value=SECRET, enter=True))
    finally:
        unsubscribe()
    assert r1.request.value == "bob"  # ordinary inputs are kept as typed
    assert r2.request.value == MASK
    assert "Signed in" in r2.observation.markdown or "bob" in r2.observation.markdown
    log = await provider.action_log(s.id)
    assert log[-1].params["value"] == MASK
    assert SECRET not in json.dumps([e.model_dump(mode="json") for e in log])
    assert SECRET not in json.dumps([e.model_dump(mode="json") for e in events])
    assert SECRET not in r2.model_dump_json(exclude={"observation"})

    store = Store(tmp_path / "db" / "stepdeck.db")
    try:
        store.record_session(await provider.get_session(s.id))
        store.record_step("local", s.id, r1)
        store.record_step("local", s.id, r2)
        steps = store.steps("local", s.id)
        assert steps[-1].request.value == MASK
        out = await export_session(s.id, store=store, live=provider, out=tmp_path / "export")
    finally:
        store.close()
    for path in (tmp_path / "db").glob("stepdeck.db*"):  # the database and its WAL
        assert SECRET.encode() not in path.read_bytes(), path
    for path in out.folder.rglob("*"):
        if path.is_file() and path.suffix in (".json", ".md"):
            assert SECRET not in path.read_text(), path


async def test_a_login_command_masks_the_password_it_names(provider, demo_server):
    s = await provider.create_session(CreateSession(url=f"{demo_server}/shop/login"))
    r = await provider.step(
        s.id, StepRequest(type="command", cmd=f"log in as bob with password {SECRET}")
    )
    assert r.success, r.message
    assert SECRET not in r.model_dump_json(exclude={"observation"})
    assert r.request.cmd == f"log in as bob with password {MASK}"
    log = await provider.action_log(s.id)
    assert SECRET not in json.dumps([e.model_dump(mode="json") for e in log])


async def test_a_password_field_found_without_an_earlier_observe(provider, pages_server):
    # Ids are stable for an unchanged page: learn the id in one session, fill it in a
    # fresh one that never observed, so the engine learns it is a password while acting.
    first = await provider.create_session(CreateSession(url=f"{pages_server}/form.html"))
    pw = find(await provider.observe(first.id, screenshot=False), "Password")
    s = await provider.create_session(CreateSession(url=f"{pages_server}/form.html"))
    r = await provider.step(s.id, StepRequest(type="fill", id=pw.id, value=SECRET))
    assert r.request.value == MASK
    assert (await provider.action_log(s.id))[-1].params["value"] == MASK


async def test_a_command_typing_into_a_password_field_is_masked(provider, demo_server):
    s = await provider.create_session(CreateSession(url=f"{demo_server}/shop/login"))
    r = await provider.step(
        s.id, StepRequest(type="command", cmd=f"type {SECRET} into the password field")
    )
    assert r.success, r.message
    assert r.request.cmd == f"type {MASK} into the password field"
    assert SECRET not in r.model_dump_json(exclude={"observation"})


async def test_a_password_sent_by_get_is_scrubbed_from_urls(provider, pages_server):
    # form.html's form is sent by GET: the next page's url carries the password.
    s = await provider.create_session(CreateSession(url=f"{pages_server}/form.html"))
    obs = await provider.observe(s.id, screenshot=False)
    pw = find(obs, "Password")
    r = await provider.step(s.id, StepRequest(type="fill", id=pw.id, value=SECRET, enter=True))
    assert "pw=" in r.observation.metadata.url, r.observation.metadata.url
    everything = json.dumps(
        [
            r.model_dump(mode="json", exclude={"observation": {"screenshot", "markdown"}}),
            [e.model_dump(mode="json") for e in await provider.action_log(s.id)],
            [n.model_dump(mode="json") for n in await provider.network(s.id)],
            (await provider.get_session(s.id)).model_dump(mode="json"),
        ]
    )
    assert SECRET not in everything


CARD = "4242 4242 4242 4242"


async def test_secrets_are_masked_before_the_first_look(provider, pages_server, tmp_path):
    """No observe first: the field's kind is learned before typing, so no sink sees it."""
    events = []
    unsubscribe = provider.engine.subscribe(events.append)
    try:
        s = await provider.create_session(CreateSession(url=f"{pages_server}/leaky.html"))
        r1 = await provider.step(s.id, StepRequest(type="fill", id="I3", value=CARD))
        r2 = await provider.step(s.id, StepRequest(type="fill", id="I2", value=SECRET, enter=True))
        await eventually(
            lambda: any("echo=" in n.url for n in provider.engine.get(s.id).network),
            "the page sent what was typed",
        )
    finally:
        unsubscribe()
    console = await provider.console(s.id)
    network = await provider.network(s.id)
    assert any(MASK in c.text for c in console)  # the page did log the value: masked
    sinks = {
        "console": [c.model_dump(mode="json") for c in console],
        "network": [n.model_dump(mode="json") for n in network],
        "events": [e.model_dump(mode="json") for e in events],
        "results": [r.model_dump(mode="json", exclude={"observation"}) for r in (r1, r2)],
        "log": [e.model_dump(mode="json") for e in await provider.action_log(s.id)],
        "page": r2.observation.model_dump(mode="json", exclude={"screenshot"}),
        "session": (await provider.get_session(s.id)).model_dump(mode="json"),
    }
    for name, sink in sinks.items():
        text = json.dumps(sink)
        for secret in (SECRET, CARD, CARD.replace(" ", "+"), CARD.replace(" ", "%20")):
            assert secret not in text, (name, secret)
    store = Store(tmp_path / "db" / "stepdeck.db")
    try:
        store.record_session(await provider.get_session(s.id))
        store.record_step("local", s.id, r1)
        store.record_step("local", s.id, r2)
    finally:
        store.close()
    for path in (tmp_path / "db").glob("stepdeck.db*"):
        data = path.read_bytes()
        assert SECRET.encode() not in data and CARD.encode() not in data, path


async def test_card_numbers_and_secret_fields_are_recognised():
    from tui.engine.masking import is_secret_field, mask_card_numbers, scrub_data

    assert is_secret_field("text", "cc-number")
    assert is_secret_field("text", "off", "cvc cvc")
    assert is_secret_field("password")
    assert not is_secret_field("text", "username", "user user")
    assert mask_card_numbers(f"paid with {CARD}.") == f"paid with {MASK}."
    assert mask_card_numbers("order 1234567890123 on 2026-12-02") == (
        "order 1234567890123 on 2026-12-02"  # not a card: the Luhn check fails
    )
    assert scrub_data({"a": [CARD, 3, "x hunter22"]}, {"hunter22"}) == {"a": [MASK, 3, f"x {MASK}"]}


async def test_an_export_of_the_demo_checkout_keeps_no_card_number(provider, demo_server, tmp_path):
    s = await provider.create_session(CreateSession(url=f"{demo_server}/shop"))
    sess = provider.session_target(s.id)
    # The cart, through the session's own cookies (what clicking "Add to cart" does).
    await sess.context.request.post(
        f"{demo_server}/shop/cart/add", form={"slug": "sony-wh-1000xm5", "qty": "1"}
    )
    results = [
        await provider.step(s.id, StepRequest(type="goto", url=f"{demo_server}/shop/checkout"))
    ]
    obs = results[-1].observation
    for label, value in (("Full name", "Ada Lovelace"), ("Address", "1 Way"), ("City", "London")):
        target = next(a for a in obs.actions if a.description.startswith(label))
        results.append(await provider.step(s.id, StepRequest(id=target.id, value=value)))
    terms = next(a for a in obs.actions if "terms" in a.description.lower())
    results.append(await provider.step(s.id, StepRequest(type="check", id=terms.id)))
    go = next(a for a in obs.actions if a.description.startswith("Continue to payment"))
    results.append(await provider.step(s.id, StepRequest(id=go.id)))
    obs = results[-1].observation
    assert "/shop/payment" in obs.metadata.url
    card = next(a for a in obs.actions if a.description.startswith("Card number"))
    cvc = next(a for a in obs.actions if a.description.startswith("CVC"))
    results.append(await provider.step(s.id, StepRequest(id=card.id, value="4242424242424242")))
    results.append(await provider.step(s.id, StepRequest(id=cvc.id, value="737")))
    assert results[-1].request.value == MASK
    assert "4242424242424242" not in results[-1].observation.model_dump_json(exclude={"screenshot"})
    # Nor in the picture: the typed card number and CVC are drawn as dots, so putting other
    # digits of the same length in changes no pixel; the name on the card is drawn as text.
    shots = [await provider.screenshot(s.id)]
    retype = (
        "(v) => { for (const [id, x] of Object.entries(v)) document.getElementById(id).value = x }"
    )
    await sess.page.evaluate(retype, {"cardnumber": "5555555555554444", "cvc": "123"})
    shots.append(await provider.screenshot(s.id))
    await sess.page.evaluate(retype, {"cardname": "Grace Hopper"})
    shots.append(await provider.screenshot(s.id))
    pixels = [Image.open(io.BytesIO(png)).convert("RGB").tobytes() for png in shots]
    assert pixels[0] == pixels[1]
    assert pixels[1] != pixels[2]  # the comparison does see text that changed

    store = Store(tmp_path / "db" / "stepdeck.db")
    try:
        store.record_session(await provider.get_session(s.id))
        for r in results:
            store.record_step("local", s.id, r)
        out = await export_session(s.id, store=store, live=provider, out=tmp_path / "export")
    finally:
        store.close()
    for path in [*(tmp_path / "db").glob("stepdeck.db*"), *out.folder.rglob("*")]:
        if path.is_file() and path.suffix != ".png":
            data = path.read_bytes()
            assert b"4242424242424242" not in data and b"4242 4242" not in data, path


async def test_a_key_in_the_wrong_shape_is_not_repeated_in_the_error(stepdeck_home):
    from tui import locations
    from tui.settings import SettingsError, load_settings

    locations.ensure(locations.config_file().parent)
    locations.config_file().write_text('token = 123456789\nllm_api_key = ["sk-live-abcdef"]\n')
    with pytest.raises(SettingsError) as err:
        load_settings()
    assert "token" in str(err.value) and "llm_api_key" in str(err.value)  # says where
    assert "123456789" not in str(err.value) and "sk-live" not in str(err.value)


async def test_keys_in_request_and_logged_urls_are_masked(provider, pages_server):
    """A page that sends its API key in a query string, and logs a url with a token: the
    network and console logs (and so the store, the exports and the screen) keep neither."""
    s = await provider.create_session(CreateSession(url=f"{pages_server}/form.html"))
    page = provider.session_target(s.id).page
    await page.evaluate(
        """() => {
            fetch('/links.html?q=lamp&api_key=sk-in-the-query-123');
            console.log('retrying ' + location.origin + '/x?access_token=tok-in-a-log-456&n=2');
        }"""
    )
    await eventually(
        lambda: any("q=lamp" in n.url for n in provider.engine.get(s.id).network),
        "the page sent its request",
    )
    await eventually(
        lambda: any("retrying" in c.text for c in provider.engine.get(s.id).console),
        "the page logged",
    )
    network = json.dumps([n.model_dump(mode="json") for n in await provider.network(s.id)])
    console = json.dumps([c.model_dump(mode="json") for c in await provider.console(s.id)])
    assert "sk-in-the-query" not in network and "q=lamp" in network
    assert "tok-in-a-log" not in console and "n=2" in console


async def test_the_settings_repr_shows_no_token_of_an_address(monkeypatch):
    from tui.settings import load_settings

    monkeypatch.setenv("STEPDECK_TOKEN", "serve-t0ken")
    settings = load_settings(
        cdp_url="wss://me:k3y@browsers.example:3000/chromium?token=T0K3N",
        ws_endpoints=["ws://grid:3000/playwright?apiKey=AP1K3Y"],
    )
    shown = repr(settings)
    assert "browsers.example:3000/chromium" in shown and "grid:3000/playwright" in shown
    for secret in ("T0K3N", "k3y", "AP1K3Y", "serve-t0ken"):
        assert secret not in shown
    assert settings.cdp_url.endswith("?token=T0K3N")  # the value itself is intact
