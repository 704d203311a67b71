"""Natural-language commands on the demo site, with the rules (no model), in real Chromium."""

from __future__ import annotations

import pytest

from tui.model import StepStatus

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_multion_guide_workflows(shop):
    # 1. Search for a product and open the top result.
    r = await shop.command("search for AirPods Pro and open the first result")
    assert r.status == StepStatus.DONE, r.message
    assert r.observation.metadata.title == "AirPods Pro - Stepdeck Store"
    assert [s.type for s in r.steps] == ["fill", "click"]
    assert r.steps[0].params["value"] == "AirPods Pro" and r.steps[0].params["enter"]

    # 2. Add it to the cart and go to the cart.
    r = await shop.command("add it to the cart and go to the cart")
    assert r.status == StepStatus.DONE, r.message
    assert "/shop/cart" in r.observation.metadata.url
    assert "AirPods Pro" in r.observation.markdown and "Cart (1)" in r.observation.markdown

    # 3. Proceed to checkout and stop at the payment page: the rules reach the shipping
    # form and say why they stopped; the form filled in, the chain reaches payment.
    r = await shop.command("proceed to checkout and stop at the payment page")
    assert r.status == StepStatus.CONTINUE
    assert "not the payment page" in r.message and "Checkout" in r.observation.metadata.title
    r = await shop.command(
        "fill full name with Ada Lovelace, address with 12 Analytical Way, city with London, "
        "choose express shipping, agree to the terms and continue to payment, "
        "then stop at the payment page"
    )
    assert r.status == StepStatus.DONE, r.message
    assert r.observation.metadata.title == "Payment - Stepdeck Store"
    assert "Pay now $263.99" in r.observation.markdown  # 249 + 14.99 express

    # Every action a command ran is a normal step in the session's log.
    log = await shop.provider.action_log(shop.id)
    typed = [e.params.get("value") for e in log if e.type == "fill"]
    assert typed == ["AirPods Pro", "Ada Lovelace", "12 Analytical Way", "London"]


async def test_paying_asks_for_confirmation_unless_the_command_says_so(shop):
    await shop.command("search for kindle, open the first result, add to cart, go to the cart")
    await shop.command(
        "proceed to checkout, fill full name with Ada, address with 1 Main St, "
        "city with Leeds, check I agree to the terms, continue to payment"
    )
    card = "fill name on card with Ada, card number with 4242 4242 4242 4242, expiry with 12/29, cvc with 123"
    r = await shop.command(f"{card} then submit it")
    assert r.status == StepStatus.ASK_USER
    assert r.candidates == ["yes", "no"] and "pay" in r.message
    assert r.observation.metadata.title == "Payment - Stepdeck Store"  # nothing paid yet
    r = await shop.command("no")
    assert r.status == StepStatus.CONTINUE and "Payment" in r.observation.metadata.title
    r = await shop.command("press enter")  # Enter would submit the payment form too
    assert r.status == StepStatus.ASK_USER and "Enter may submit 'Pay now" in r.message
    await shop.command("no")
    r = await shop.command("place the order")
    assert r.status == StepStatus.DONE, r.message
    assert "Thank you for your order" in r.observation.markdown


async def test_social_post_published_after_confirmation(shop):
    await shop.goto("/social")
    r = await shop.command("draft a post saying Hello from stepdeck, then submit it")
    assert r.status == StepStatus.ASK_USER
    assert "Publish" in r.message and r.candidates == ["yes", "no"]
    assert "Your post is published" not in r.observation.markdown
    r = await shop.command("yes")
    assert r.status == StepStatus.DONE, r.message
    assert "Your post is published" in r.observation.markdown
    assert "Hello from stepdeck" in r.observation.markdown
    # Said explicitly, there is nothing to confirm.
    r = await shop.command('write a post saying "Second, and last" and publish it')
    assert r.status == StepStatus.DONE, r.message
    assert "Second, and last" in r.observation.markdown


async def test_ambiguous_target_asks_and_the_answer_resumes_the_command(shop):
    r = await shop.command("search for airpods, open AirPods and add to cart")
    assert r.status == StepStatus.ASK_USER
    assert [c.split(" ", 1)[1] for c in r.candidates] == ["AirPods Pro", "AirPods Max", "AirPods 4"]
    assert "Which" in r.message
    r = await shop.command("the second one")
    assert r.status == StepStatus.DONE, r.message
    assert "/shop/cart" in r.observation.metadata.url
    assert "AirPods Max" in r.observation.markdown


async def test_answer_by_id_or_name(shop):
    await shop.command("search for airpods")
    r = await shop.command("open airpods")
    assert r.status == StepStatus.ASK_USER
    max_id = next(c.split()[0] for c in r.candidates if c.endswith("AirPods Max"))
    r = await shop.command(max_id)
    assert r.observation.metadata.title == "AirPods Max - Stepdeck Store"
    await shop.command("go back")
    await shop.command("open airpods")
    r = await shop.command("AirPods 4")
    assert r.status == StepStatus.DONE
    assert r.observation.metadata.title == "AirPods 4 - Stepdeck Store"


async def test_a_question_lapses_when_the_person_goes_elsewhere(shop):
    await shop.command("search for airpods")
    r = await shop.command("open airpods and add to cart")
    assert r.status == StepStatus.ASK_USER
    await shop.goto("/catalog")  # by hand, e.g. a click in the app
    r = await shop.command("the second one")  # no longer an answer: a command of its own
    assert r.status == StepStatus.DONE and len(r.steps) == 1  # nothing added to the cart
    assert r.observation.metadata.title == "AirPods Max - Stepdeck Store"


async def test_missing_target_asks_the_person(shop):
    r = await shop.command("click the unicorn button")
    assert r.status == StepStatus.ASK_USER
    assert "cannot find" in r.message
    r = await shop.command("write a post saying hi")  # the shop has only a search box
    assert r.status == StepStatus.ASK_USER and "no place to write a post" in r.message
    assert not r.steps
    # A new command instead of an answer simply runs.
    r = await shop.command("go to the cart")
    assert r.status == StepStatus.DONE and "/shop/cart" in r.observation.metadata.url


async def test_browser_verbs_and_positions(shop):
    r = await shop.command("open the second link")
    assert r.status == StepStatus.DONE, r.message
    r = await shop.command("go back, scroll down, then scroll up")
    assert r.status == StepStatus.DONE, r.message
    assert [s.type for s in r.steps] == ["back", "scroll_down", "scroll_up"]
    r = await shop.command(f"go to {shop.base}/lab/ and select Blue in colour")
    assert r.status == StepStatus.DONE, r.message
    assert r.steps[-1].type == "select" and r.steps[-1].params["value"] == "Blue"


async def test_failed_step_stops_the_chain_with_a_reason(shop):
    r = await shop.command("go to file:///etc/passwd and search for kindle")
    assert r.status == StepStatus.ERROR and not r.success
    assert "file:///etc/passwd" in r.message
    assert len(r.steps) == 1  # the search never ran


async def test_log_in_from_any_shop_page(shop):
    r = await shop.command("log in as ada with password secret")
    assert r.status == StepStatus.DONE, r.message
    assert [s.type for s in r.steps] == ["click", "fill", "fill"]
    assert "Hi, ada" in r.observation.markdown
    assert "secret" not in r.message and "signed in" in r.message
    assert "secret" not in repr([s.model_dump() for s in r.steps])


async def test_cart_is_per_session(shop, agent_provider, demo_server):
    from tests.agent.conftest import Shop
    from tui.model import CreateSession

    await shop.command("search for kindle, open the first result and add to cart")
    other = await agent_provider.create_session(CreateSession(url=demo_server + "/shop/cart"))
    try:
        stranger = Shop(agent_provider, other.id, demo_server)
        assert "Your cart is empty" in (await stranger.page()).markdown
        assert "Kindle Paperwhite" in (await shop.page()).markdown  # still in the first one
    finally:
        await agent_provider.close_session(other.id)


async def test_add_a_named_product_to_the_cart(shop):
    await shop.command("search for airpods")
    r = await shop.command("add the AirPods Max to the cart")
    assert r.status == StepStatus.DONE, r.message
    assert [s.type for s in r.steps] == ["click", "click"]
    assert "AirPods Max" in r.observation.markdown and "Cart (1)" in r.observation.markdown
    await shop.goto("/shop/product/kindle-paperwhite")
    r = await shop.command("add the Kindle Paperwhite to my cart")  # already on its page
    assert r.status == StepStatus.DONE and [s.type for s in r.steps] == ["click"]
    assert "Cart (2)" in r.observation.markdown


async def test_typing_a_password_never_echoes_it(shop):
    await shop.goto("/shop/login")
    r = await shop.command("fill username with ada and password with hunter2, then click sign in")
    assert r.status == StepStatus.DONE, r.message
    assert "typed a password into 'Password'" in r.message and "hunter2" not in r.message
    assert "Hi, ada" in r.observation.markdown


async def test_chain_stops_early_with_its_reason(shop):
    await shop.goto("/social")
    r = await shop.command("scroll down, search for kindle and open the first result")
    assert r.status == StepStatus.CONTINUE and r.success
    assert "Scrolled down." in r.message and "no search box" in r.message
    assert [s.type for s in r.steps] == ["scroll_down"]
