"""HTML for the demo site: one function per page, server-side rendered.

Every value that comes from a visitor goes through `escape`. No external
URLs: the artwork is served by the demo server itself.
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from tui.demo.data import FEATURED, PRODUCTS, SHIPPING, Product

CSS = """
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2330;background:#f6f7fb}
a{color:#2b59c3;text-decoration:none} a:hover{text-decoration:underline}
header.top{background:#1d2330;color:#fff;padding:10px 24px;display:flex;gap:20px;align-items:center}
header.top a{color:#fff} header.top .brand{font-weight:700;font-size:18px;letter-spacing:.3px}
header.top nav{margin-left:auto;display:flex;gap:16px;align-items:center}
header.top form{display:flex;flex:1;max-width:520px}
header.top input[type=search]{flex:1;padding:7px 10px;border:0;border-radius:6px 0 0 6px;font-size:15px}
header.top form button{border-radius:0 6px 6px 0;background:#f0b429;color:#1d2330}
main{max-width:1040px;margin:24px auto;padding:0 24px}
h1{font-size:26px;margin:0 0 12px} h2{font-size:20px;margin:24px 0 10px}
.muted{color:#6b7280}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:16px}
.card{background:#fff;border:1px solid #e3e6ee;border-radius:12px;padding:14px;box-shadow:0 1px 2px rgba(0,0,0,.04)}
.card img{width:100%;height:auto;border-radius:8px;display:block}
.card h3{font-size:16px;margin:10px 0 4px}
.price{font-weight:700;color:#0f7a3d;font-size:16px}
button,.button{display:inline-block;background:#2b59c3;color:#fff;border:0;border-radius:8px;padding:8px 16px;font-size:15px;cursor:pointer}
button.secondary{background:#e7ebf3;color:#1d2330} button.danger{background:#c2410c}
.result{display:flex;gap:16px;align-items:center;background:#fff;border:1px solid #e3e6ee;border-radius:12px;padding:12px;margin-bottom:12px}
.result img{width:96px;height:96px;border-radius:8px}
.product{display:grid;grid-template-columns:320px 1fr;gap:32px;background:#fff;border-radius:12px;padding:24px;border:1px solid #e3e6ee}
.product img{width:320px;height:320px;border-radius:12px}
form.stack label{display:block;margin:12px 0 4px;font-weight:600}
form.stack input[type=text],form.stack input[type=password],form.stack input[type=email],form.stack select,form.stack textarea{width:100%;max-width:420px;padding:8px 10px;border:1px solid #cdd3df;border-radius:8px;font:inherit}
form.stack fieldset{border:1px solid #e3e6ee;border-radius:8px;max-width:420px;margin:12px 0}
form.stack fieldset label{display:inline;font-weight:400;margin:0}
.panel{background:#fff;border:1px solid #e3e6ee;border-radius:12px;padding:20px;max-width:640px}
table.cart{width:100%;border-collapse:collapse;background:#fff;border-radius:12px;overflow:hidden}
table.cart td,table.cart th{padding:10px 12px;border-bottom:1px solid #eef0f5;text-align:left}
.error{background:#fdecea;color:#9b1c1c;border-radius:8px;padding:8px 12px;margin:8px 0}
.ok{background:#e7f6ec;color:#0f5132;border-radius:8px;padding:12px 16px;margin:8px 0}
.stars{color:#f0a500}
.post{background:#fff;border:1px solid #e3e6ee;border-radius:12px;padding:14px 16px;margin-bottom:10px}
.post .who{font-weight:700} .post .handle{color:#6b7280;margin-left:6px}
.hero{background:linear-gradient(135deg,#2b59c3,#6d28d9);color:#fff;border-radius:16px;padding:32px;margin-bottom:24px}
.hero h1{font-size:30px} .hero p{opacity:.9;max-width:640px}
footer{max-width:1040px;margin:40px auto;padding:0 24px;color:#9aa1b1;font-size:13px}
"""


def _stars(rating: float) -> str:
    full = round(rating)
    return "★" * full + "☆" * (5 - full)


# Every demo page ends with it: an export recognises the demo site by it (replay elsewhere).
FOOTER = "stepdeck demo site · served locally, no data leaves this machine"


def layout(
    title: str,
    body: str,
    *,
    header: str = "",
) -> str:
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<style>{CSS}</style></head><body>{header}<main>{body}</main>"
        f"<footer>{FOOTER}</footer>"
        "</body></html>"
    )


def site_header() -> str:
    return (
        "<header class='top'><a class='brand' href='/'>stepdeck demo</a>"
        "<nav><a href='/shop'>Shop</a><a href='/social'>Social</a>"
        "<a href='/catalog'>Catalog</a></nav></header>"
    )


def shop_header(user: str | None, cart_count: int, query: str = "") -> str:
    account = (
        f"<span>Hi, {escape(user)}</span><a href='/shop/logout'>Sign out</a>"
        if user
        else "<a href='/shop/login'>Sign in</a>"
    )
    return (
        "<header class='top'><a class='brand' href='/shop'>Stepdeck Store</a>"
        "<form role='search' action='/shop/search' method='get'>"
        f"<input type='search' name='q' value='{escape(query, quote=True)}' "
        "placeholder='Search products' aria-label='Search products'>"
        "<button type='submit'>Search</button></form>"
        f"<nav><a href='/'>All demos</a>{account}<a href='/shop/cart'>Cart ({cart_count})</a>"
        "</nav></header>"
    )


# ------------------------------------------------------------------ site


def index() -> str:
    cards = [
        ("/shop", "Shop", "Search, product pages, sign in, a cart and a checkout to payment."),
        ("/social", "Social", "Draft a post and publish it to a small timeline."),
        ("/catalog", "Catalog", "A grid of products to extract as structured data."),
    ]
    items = "".join(
        f"<div class='card'><h3><a href='{href}'>{name}</a></h3><p class='muted'>{text}</p></div>"
        for href, name, text in cards
    )
    body = (
        "<section class='hero'><h1>stepdeck demo site</h1>"
        "<p>An offline playground for browser sessions: everything here is served from this "
        "machine, and your cart, sign-in and posts live in this session's cookies.</p></section>"
        f"<div class='grid'>{items}</div>"
        "<p class='muted'>Testing the engine by hand? Try the <a href='/lab/'>lab</a>.</p>"
    )
    return layout("stepdeck demo", body, header=site_header())


def not_found(path: str) -> str:
    body = (
        "<div class='panel'><h1>Page not found</h1>"
        f"<p>There is nothing at <code>{escape(path)}</code>.</p>"
        "<p><a href='/'>Back to the demo home page</a></p></div>"
    )
    return layout("Page not found", body, header=site_header())


# ------------------------------------------------------------------ shop


def product_card(p: Product) -> str:
    return (
        f"<div class='card product-card'><a href='{p.path}'>"
        f"<img src='{p.image_path}' alt='{escape(p.name)}' width='160' height='160'></a>"
        f"<h3><a href='{p.path}'>{escape(p.name)}</a></h3>"
        f"<div class='price'>{p.price_text}</div>"
        f"<div class='muted'>{escape(p.category)}</div></div>"
    )


def shop_home(user: str | None, cart_count: int) -> str:
    featured = "".join(product_card(p) for p in PRODUCTS if p.slug in FEATURED)
    categories = sorted({p.category for p in PRODUCTS})
    cats = " · ".join(f"<a href='/shop/search?q={quote(c)}'>{escape(c)}</a>" for c in categories)
    body = (
        "<section class='hero'><h1>Welcome to the Stepdeck Store</h1>"
        "<p>Headphones, laptops, e-readers and more. Free standard shipping on every order.</p>"
        "</section>"
        f"<h2>Featured</h2><div class='grid'>{featured}</div>"
        f"<h2>Shop by category</h2><p>{cats}</p>"
    )
    return layout("Stepdeck Store", body, header=shop_header(user, cart_count))


def search_results(query: str, results: list[Product], user: str | None, cart_count: int) -> str:
    if not query.strip():
        inner = "<p class='muted'>Type what you are looking for in the search box.</p>"
    elif not results:
        inner = f"<p>No results for “{escape(query)}”. Try “AirPods” or “Kindle”.</p>"
    else:
        rows = "".join(
            f"<div class='result'><img src='{p.image_path}' alt='{escape(p.name)}'>"
            f"<div><h3><a href='{p.path}'>{escape(p.name)}</a></h3>"
            f"<div class='price'>{p.price_text}</div>"
            f"<div class='muted'><span class='stars'>{_stars(p.rating)}</span> "
            f"{p.reviews:,} ratings · {escape(p.category)}</div></div></div>"
            for p in results
        )
        n = len(results)
        inner = f"<p class='muted'>{n} result{'s' if n != 1 else ''}</p>{rows}"
    body = f"<h1>Results for “{escape(query)}”</h1>{inner}"
    return layout(
        f"{query} - Search - Stepdeck Store" if query else "Search - Stepdeck Store",
        body,
        header=shop_header(user, cart_count, query),
    )


def product_page(p: Product, user: str | None, cart_count: int) -> str:
    qty = "".join(f"<option value='{n}'>{n}</option>" for n in range(1, 6))
    body = (
        f"<div class='product'><img src='{p.image_path}' alt='{escape(p.name)}'>"
        f"<div><p class='muted'><a href='/shop'>Store</a> › {escape(p.category)}</p>"
        f"<h1>{escape(p.name)}</h1>"
        f"<div class='muted'><span class='stars'>{_stars(p.rating)}</span> {p.rating} · "
        f"{p.reviews:,} ratings</div>"
        f"<p class='price'>{p.price_text}</p><p>{escape(p.blurb)}</p>"
        "<form class='stack' method='post' action='/shop/cart/add'>"
        f"<input type='hidden' name='slug' value='{p.slug}'>"
        "<label for='qty'>Quantity</label>"
        f"<select id='qty' name='qty' style='max-width:120px'>{qty}</select>"
        "<p><button type='submit'>Add to cart</button></p></form></div></div>"
    )
    return layout(f"{p.name} - Stepdeck Store", body, header=shop_header(user, cart_count))


def login_page(user: str | None, cart_count: int, error: str = "", next_url: str = "") -> str:
    err = f"<div class='error'>{escape(error)}</div>" if error else ""
    body = (
        "<div class='panel'><h1>Sign in</h1>"
        "<p class='muted'>Any username and password will do: this is a demo.</p>"
        f"{err}<form class='stack' method='post' action='/shop/login'>"
        f"<input type='hidden' name='next' value='{escape(next_url, quote=True)}'>"
        "<label for='username'>Username</label>"
        "<input type='text' id='username' name='username' autocomplete='username'>"
        "<label for='password'>Password</label>"
        "<input type='password' id='password' name='password' autocomplete='current-password'>"
        "<p><button type='submit'>Sign in</button></p></form></div>"
    )
    return layout("Sign in - Stepdeck Store", body, header=shop_header(user, cart_count))


def cart_page(items: list[tuple[Product, int]], user: str | None) -> str:
    count = sum(q for _, q in items)
    if not items:
        body = (
            "<h1>Your cart</h1><div class='panel'><p>Your cart is empty.</p>"
            "<p><a href='/shop'>Continue shopping</a></p></div>"
        )
        return layout("Cart - Stepdeck Store", body, header=shop_header(user, 0))
    rows = "".join(
        f"<tr><td><a href='{p.path}'>{escape(p.name)}</a></td><td>{q}</td>"
        f"<td>{p.price_text}</td><td>${p.price * q:,.2f}</td>"
        "<td><form method='post' action='/shop/cart/remove'>"
        f"<input type='hidden' name='slug' value='{p.slug}'>"
        f"<button class='secondary' type='submit' aria-label='Remove {escape(p.name)}'>"
        "Remove</button></form></td></tr>"
        for p, q in items
    )
    total = sum(p.price * q for p, q in items)
    body = (
        "<h1>Your cart</h1>"
        "<table class='cart'><thead><tr><th>Item</th><th>Quantity</th><th>Price</th>"
        f"<th>Subtotal</th><th></th></tr></thead><tbody>{rows}</tbody></table>"
        f"<p style='font-size:18px'>Total ({count} item{'s' if count != 1 else ''}): "
        f"<span class='price'>${total:,.2f}</span></p>"
        "<form method='get' action='/shop/checkout'>"
        "<button type='submit'>Proceed to checkout</button></form>"
        "<p><a href='/shop'>Continue shopping</a></p>"
    )
    return layout("Cart - Stepdeck Store", body, header=shop_header(user, count))


def checkout_page(
    items: list[tuple[Product, int]],
    user: str | None,
    values: dict[str, str] | None = None,
    errors: list[str] | None = None,
) -> str:
    values = values or {}
    count = sum(q for _, q in items)
    errs = "".join(f"<div class='error'>{escape(e)}</div>" for e in errors or [])

    def field(name: str, label: str, autocomplete: str) -> str:
        v = escape(values.get(name, ""), quote=True)
        return (
            f"<label for='{name}'>{label}</label>"
            f"<input type='text' id='{name}' name='{name}' value='{v}' "
            f"autocomplete='{autocomplete}'>"
        )

    chosen = values.get("shipping", "standard")
    ship = "".join(
        f"<div><input type='radio' id='ship-{key}' name='shipping' value='{key}'"
        f"{' checked' if key == chosen else ''}> "
        f"<label for='ship-{key}'>{label}{f' — ${cost:.2f}' if cost else ' — free'}</label></div>"
        for key, label, cost in SHIPPING
    )
    body = (
        "<h1>Checkout</h1><div class='panel'>"
        f"<p class='muted'>{count} item{'s' if count != 1 else ''} in your order. "
        "Step 1 of 2: shipping.</p>"
        f"{errs}<form class='stack' method='post' action='/shop/checkout'>"
        + field("fullname", "Full name", "name")
        + field("address", "Address", "street-address")
        + field("city", "City", "address-level2")
        + f"<fieldset><legend>Shipping</legend>{ship}</fieldset>"
        "<div><input type='checkbox' id='terms' name='terms' value='yes'> "
        "<label for='terms' style='display:inline;font-weight:400'>"
        "I agree to the terms of sale</label></div>"
        "<p><button type='submit'>Continue to payment</button></p></form></div>"
    )
    return layout("Checkout - Stepdeck Store", body, header=shop_header(user, count))


def payment_page(
    items: list[tuple[Product, int]],
    user: str | None,
    shipping_cost: float,
    errors: list[str] | None = None,
) -> str:
    count = sum(q for _, q in items)
    total = sum(p.price * q for p, q in items) + shipping_cost
    errs = "".join(f"<div class='error'>{escape(e)}</div>" for e in errors or [])
    body = (
        "<h1>Payment</h1><div class='panel'>"
        f"<p class='muted'>Step 2 of 2. Order total: <span class='price'>${total:,.2f}</span></p>"
        f"{errs}<form class='stack' method='post' action='/shop/payment'>"
        "<label for='cardname'>Name on card</label>"
        "<input type='text' id='cardname' name='cardname' autocomplete='cc-name'>"
        "<label for='cardnumber'>Card number</label>"
        "<input type='text' id='cardnumber' name='cardnumber' inputmode='numeric' "
        "placeholder='4242 4242 4242 4242' autocomplete='cc-number'>"
        "<label for='expiry'>Expiry (MM/YY)</label>"
        "<input type='text' id='expiry' name='expiry' placeholder='12/29' autocomplete='cc-exp'>"
        "<label for='cvc'>CVC</label>"
        "<input type='text' id='cvc' name='cvc' placeholder='123' autocomplete='cc-csc'>"
        f"<p><button type='submit'>Pay now ${total:,.2f}</button></p></form></div>"
    )
    return layout("Payment - Stepdeck Store", body, header=shop_header(user, count))


def confirmation_page(order_id: str, total: float, user: str | None) -> str:
    body = (
        "<div class='panel'><h1>Thank you for your order</h1>"
        f"<div class='ok'>Order <strong>{escape(order_id)}</strong> is confirmed. "
        f"We charged ${total:,.2f}.</div>"
        "<p>A confirmation email is on its way (not really: this is a demo).</p>"
        "<p><a href='/shop'>Back to the store</a></p></div>"
    )
    return layout("Order confirmed - Stepdeck Store", body, header=shop_header(user, 0))


# ------------------------------------------------------------------ social


def social_page(posts: list[tuple[str, str, str, int, int | None]], notice: str = "") -> str:
    """`posts`: (name, handle, text, likes, own-post index or None), newest first."""
    note = f"<div class='ok'>{escape(notice)}</div>" if notice else ""
    feed = ""
    for name, handle, text, likes, own in posts:
        delete = (
            "<form method='post' action='/social/delete' style='display:inline'>"
            f"<input type='hidden' name='index' value='{own}'>"
            "<button class='secondary' type='submit'>Delete</button></form>"
            if own is not None
            else ""
        )
        feed += (
            f"<article class='post'><div><span class='who'>{escape(name)}</span>"
            f"<span class='handle'>{escape(handle)}</span></div>"
            f"<p>{escape(text)}</p><div class='muted'>♥ {likes} {delete}</div></article>"
        )
    body = (
        "<h1>Timeline</h1>"
        f"{note}<div class='panel' style='margin-bottom:16px'>"
        "<form class='stack' method='post' action='/social/post'>"
        "<label for='post-text'>What's happening?</label>"
        "<textarea id='post-text' name='text' rows='3' placeholder='Write a post'></textarea>"
        "<p><button type='submit'>Publish</button></p></form></div>"
        f"<section aria-label='Posts'>{feed}</section>"
    )
    return layout("Timeline - stepdeck social", body, header=site_header())


# ------------------------------------------------------------------ catalog


def catalog_page(products: list[Product]) -> str:
    cards = "".join(
        f"<div class='card item'><a href='{p.path}'>"
        f"<img src='{p.image_path}' alt='{escape(p.name)}' width='160' height='160'></a>"
        f"<h3 class='name'><a href='{p.path}'>{escape(p.name)}</a></h3>"
        f"<div class='price'>{p.price_text}</div>"
        f"<div class='muted'>{escape(p.category)} · <span class='stars'>{_stars(p.rating)}</span>"
        f" {p.rating}</div></div>"
        for p in products
    )
    body = (
        "<h1>Catalog</h1>"
        f"<p class='muted'>{len(products)} products, every one in stock.</p>"
        f"<div class='grid'>{cards}</div>"
    )
    return layout("Catalog - stepdeck demo", body, header=site_header())


# ------------------------------------------------------------------ lab


def lab_page() -> str:
    body = (
        "<h1>Lab</h1><p class='muted'>A bench of controls for trying actions by hand.</p>"
        "<div class='panel'><form class='stack' method='get' action='/lab/'>"
        "<label for='lab-text'>Text</label><input type='text' id='lab-text' name='text'>"
        "<label for='lab-email'>Email</label><input type='email' id='lab-email' name='email'>"
        "<label for='lab-color'>Colour</label><select id='lab-color' name='color'>"
        "<option>Red</option><option>Green</option><option>Blue</option></select>"
        "<div><input type='checkbox' id='lab-check' name='check'> "
        "<label for='lab-check' style='display:inline'>A checkbox</label></div>"
        "<p><button type='submit'>Submit</button> "
        "<button type='button' class='secondary' onclick=\"alert('Hello from the lab')\">"
        "Show an alert</button> "
        "<a href='/lab/' target='_blank'>Open the lab in a new tab</a></p>"
        "</form></div>"
        "<div style='height:1600px'></div><p id='bottom'>The bottom of the lab.</p>"
    )
    return layout("Lab - stepdeck demo", body, header=site_header())
