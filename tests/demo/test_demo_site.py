"""The demo site over plain HTTP: pages, cookies, search and the checkout flow."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tui.demo.data import PRODUCTS
from tui.demo.server import DemoServer


@pytest.fixture(scope="module")
def site() -> Iterator[DemoServer]:
    with DemoServer() as server:
        yield server


@pytest.fixture
def browser(site: DemoServer) -> Iterator[httpx.Client]:
    """One visitor: a client with its own cookie jar."""
    with httpx.Client(base_url=site.base_url, follow_redirects=True) as client:
        yield client


def test_server_starts_on_a_free_loopback_port_and_stops():
    server = DemoServer()
    base = server.start()
    assert base.startswith("http://127.0.0.1:")
    assert server.start() == base  # idempotent
    assert server.url("/shop") == base + "/shop"
    assert httpx.get(base + "/", timeout=60).status_code == 200
    server.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(base + "/", timeout=2)


def test_a_visitor_gone_mid_answer_prints_no_traceback(site: DemoServer, capsys):
    # A tab closed while the site answered: socketserver printed a BrokenPipeError traceback.
    httpd = site._httpd
    assert httpd is not None
    for gone in (BrokenPipeError(32, "Broken pipe"), ConnectionResetError(104, "reset")):
        try:
            raise gone
        except ConnectionError:
            httpd.handle_error(None, ("127.0.0.1", 1))
    assert capsys.readouterr().err == ""
    try:  # a real fault in the site still says so
        raise KeyError("no such page")
    except KeyError:
        httpd.handle_error(None, ("127.0.0.1", 1))
    assert "KeyError" in capsys.readouterr().err


def test_index_links_the_three_sites(browser: httpx.Client):
    page = browser.get("/").text
    for href in ("/shop", "/social", "/catalog"):
        assert f"href='{href}'" in page


def test_unknown_page_is_a_friendly_404(browser: httpx.Client):
    r = browser.get("/nowhere")
    assert r.status_code == 404
    assert "Page not found" in r.text and "/nowhere" in r.text
    assert browser.get("/shop/product/no-such-thing").status_code == 404


def test_search_ranks_name_matches_first(browser: httpx.Client):
    page = browser.get("/shop/search", params={"q": "AirPods Pro"}).text
    assert "1 result" in page and "AirPods Pro" in page and "AirPods Max" not in page
    page = browser.get("/shop/search", params={"q": "airpods"}).text
    assert "3 results" in page
    assert page.index("AirPods Pro") < page.index("AirPods 4")
    assert "No results" in browser.get("/shop/search", params={"q": "zeppelin"}).text


def test_visitor_text_is_escaped(browser: httpx.Client):
    page = browser.get("/shop/search", params={"q": "<script>x</script>"}).text
    assert "<script>x" not in page and "&lt;script&gt;" in page


def test_product_page_has_price_image_quantity_and_add_to_cart(browser: httpx.Client, site):
    page = browser.get("/shop/product/kindle-paperwhite").text
    assert "Kindle Paperwhite" in page and "$159.99" in page
    assert "name='qty'" in page and "Add to cart" in page
    image = browser.get("/img/kindle-paperwhite.svg")
    assert image.headers["content-type"] == "image/svg+xml"
    assert image.text.startswith("<svg")
    assert "http" not in page.replace("http://www.w3.org", "")  # no external urls


def test_cart_lives_in_cookies_per_visitor(site: DemoServer, browser: httpx.Client):
    browser.post("/shop/cart/add", data={"slug": "airpods-pro", "qty": "2"})
    browser.post("/shop/cart/add", data={"slug": "macbook-air", "qty": "1"})
    cart = browser.get("/shop/cart").text
    assert "AirPods Pro" in cart and "MacBook Air" in cart and "Cart (3)" in cart
    assert "$1,597.00" in cart  # 2 x 249 + 1099
    with httpx.Client(base_url=site.base_url) as stranger:
        assert "Your cart is empty" in stranger.get("/shop/cart").text
    browser.post("/shop/cart/remove", data={"slug": "airpods-pro"})
    cart = browser.get("/shop/cart").text
    assert "AirPods Pro" not in cart and "Cart (1)" in cart


def test_login_accepts_any_name_and_password(browser: httpx.Client):
    page = browser.post("/shop/login", data={"username": "ada", "password": ""}).text
    assert "Enter a username and a password" in page
    page = browser.post(
        "/shop/login", data={"username": "ada", "password": "x", "next": "/shop/cart"}
    )
    assert page.url.path == "/shop/cart" and "Hi, ada" in page.text
    assert "Hi, ada" in browser.get("/shop").text
    assert "Sign in" in browser.get("/shop/logout").text


def test_checkout_flow_reaches_payment_and_confirms(browser: httpx.Client):
    assert browser.get("/shop/checkout").url.path == "/shop/cart"  # empty cart
    browser.post("/shop/cart/add", data={"slug": "sony-wh-1000xm5", "qty": "1"})
    assert "Proceed to checkout" in browser.get("/shop/cart").text
    page = browser.get("/shop/checkout")
    assert "Continue to payment" in page.text
    bad = browser.post("/shop/checkout", data={"fullname": "Ada", "shipping": "standard"})
    assert "Enter your address" in bad.text and "Agree to the terms" in bad.text
    good = browser.post(
        "/shop/checkout",
        data={
            "fullname": "Ada Lovelace",
            "address": "12 Analytical Way",
            "city": "London",
            "shipping": "express",
            "terms": "yes",
        },
    )
    assert good.url.path == "/shop/payment"
    assert "Pay now $414.98" in good.text  # 399.99 + 14.99 express
    missing = browser.post("/shop/payment", data={"cardname": "Ada"})
    assert "Enter a card number" in missing.text
    done = browser.post(
        "/shop/payment",
        data={"cardname": "Ada", "cardnumber": "4242424242424242", "expiry": "12/29", "cvc": "1"},
    )
    assert done.url.path == "/shop/confirmation"
    assert "Thank you for your order" in done.text and "$414.98" in done.text
    assert "Your cart is empty" in browser.get("/shop/cart").text


def test_social_post_is_published_and_deleted(site: DemoServer, browser: httpx.Client):
    page = browser.get("/social").text
    assert "What's happening?" in page and "Grace Hopper" in page
    page = browser.post("/social/post", data={"text": "Hello from the   demo"}).text
    assert "Your post is published" in page and "Hello from the demo" in page
    with httpx.Client(base_url=site.base_url) as stranger:
        assert "Hello from the demo" not in stranger.get("/social").text
    page = browser.post("/social/delete", data={"index": "0"}).text
    assert "Post deleted" in page and "Hello from the demo" not in page


def test_catalog_lists_every_product_as_a_card(browser: httpx.Client):
    page = browser.get("/catalog").text
    assert page.count("class='card item'") == len(PRODUCTS) >= 12
    for p in PRODUCTS:
        assert p.price_text in page and p.path in page and p.image_path in page


def test_lab_page_exists(browser: httpx.Client):
    r = browser.get("/lab")
    assert r.url.path == "/lab/" and "Lab" in r.text
