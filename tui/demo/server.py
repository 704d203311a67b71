"""The bundled demo site, served from a stdlib HTTP server on 127.0.0.1.

    server = DemoServer()             # port=0: a free port
    base = server.start()             # "http://127.0.0.1:PORT"
    ...
    server.stop()

    with DemoServer() as server:      # the same; str(server) is the base url
        server.url("/shop")

Routes: `/` (index), `/shop` (+ `/search?q=`, `/product/<slug>`, `/login`, `/cart`,
`/checkout`, `/payment`, `/confirmation`), `/social`, `/catalog`, `/lab/` and
`/img/<slug>.svg`. Per-visitor state (cart, sign-in, posts, checkout) lives in
cookies, so each browser context (each stepdeck session) has its own.
"""

from __future__ import annotations

import base64
import json
import secrets
import sys
import threading
from http import HTTPStatus
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tui.demo import pages
from tui.demo.data import BY_SLUG, PRODUCTS, SEED_POSTS, SHIPPING, Product, artwork, search

MAX_POSTS = 10  # cookies hold ~4 KB: keep the newest few
MAX_POST_CHARS = 280


class _Reply:
    def __init__(
        self,
        body: str | bytes = b"",
        status: int = 200,
        content_type: str = "text/html; charset=utf-8",
        location: str | None = None,
    ) -> None:
        self.body = body.encode() if isinstance(body, str) else body
        self.status = status
        self.content_type = content_type
        self.location = location
        self.cookies: dict[str, str | None] = {}  # None deletes

    def set_cookie(self, name: str, value: str | None) -> _Reply:
        self.cookies[name] = value
        return self


def _redirect(location: str) -> _Reply:
    return _Reply(b"", HTTPStatus.SEE_OTHER, location=location)


# ---------------------------------------------------------------- cookie codecs


def _decode_cart(raw: str) -> list[tuple[Product, int]]:
    items: list[tuple[Product, int]] = []
    for part in raw.split("|"):
        slug, _, qty = part.partition(":")
        if slug in BY_SLUG and qty.isdigit() and int(qty) > 0:
            items.append((BY_SLUG[slug], min(int(qty), 99)))
    return items


def _encode_cart(items: list[tuple[Product, int]]) -> str:
    return "|".join(f"{p.slug}:{q}" for p, q in items)


def _decode_json(raw: str) -> Any:
    try:
        padded = raw + "=" * (-len(raw) % 4)
        return json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, json.JSONDecodeError):
        return None


def _encode_json(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


class _Visit:
    """One request: its path, query, form and cookies."""

    def __init__(self, method: str, target: str, body: bytes, cookie_header: str) -> None:
        parts = urlsplit(target)
        self.method = method
        self.path = parts.path or "/"
        self.query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        self.form = (
            {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()} if body else {}
        )
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(cookie_header)
        except Exception:  # a malformed cookie header: behave as a new visitor
            jar = SimpleCookie()
        self.cookies = {k: m.value for k, m in jar.items()}

    @property
    def user(self) -> str | None:
        return self.cookies.get("user") or None

    @property
    def cart(self) -> list[tuple[Product, int]]:
        return _decode_cart(self.cookies.get("cart", ""))

    @property
    def cart_count(self) -> int:
        return sum(q for _, q in self.cart)

    @property
    def posts(self) -> list[str]:
        value = _decode_json(self.cookies.get("posts", ""))
        return [str(v) for v in value] if isinstance(value, list) else []


# ---------------------------------------------------------------- routes


def _shop(v: _Visit) -> _Reply:
    path = v.path.rstrip("/") or "/"
    if path == "/shop":
        return _Reply(pages.shop_home(v.user, v.cart_count))
    if path == "/shop/search":
        q = v.query.get("q", "")
        return _Reply(pages.search_results(q, search(q), v.user, v.cart_count))
    if path.startswith("/shop/product/"):
        product = BY_SLUG.get(path.removeprefix("/shop/product/"))
        if product is None:
            return _Reply(pages.not_found(v.path), HTTPStatus.NOT_FOUND)
        return _Reply(pages.product_page(product, v.user, v.cart_count))
    if path == "/shop/login":
        if v.method == "POST":
            user = v.form.get("username", "").strip()
            if not user or not v.form.get("password"):
                return _Reply(
                    pages.login_page(
                        None,
                        v.cart_count,
                        "Enter a username and a password.",
                        v.form.get("next", ""),
                    )
                )
            nxt = v.form.get("next", "")
            target = nxt if nxt.startswith("/") and not nxt.startswith("//") else "/shop"
            return _redirect(target).set_cookie("user", user[:40])
        return _Reply(pages.login_page(v.user, v.cart_count, next_url=v.query.get("next", "")))
    if path == "/shop/logout":
        return _redirect("/shop").set_cookie("user", None)
    if path == "/shop/cart":
        return _Reply(pages.cart_page(v.cart, v.user))
    if path == "/shop/cart/add" and v.method == "POST":
        product = BY_SLUG.get(v.form.get("slug", ""))
        if product is None:
            return _redirect("/shop")
        qty = int(v.form["qty"]) if v.form.get("qty", "").isdigit() else 1
        items = v.cart
        for i, (p, q) in enumerate(items):
            if p.slug == product.slug:
                items[i] = (p, min(q + qty, 99))
                break
        else:
            items.append((product, max(1, qty)))
        return _redirect("/shop/cart").set_cookie("cart", _encode_cart(items))
    if path == "/shop/cart/remove" and v.method == "POST":
        items = [(p, q) for p, q in v.cart if p.slug != v.form.get("slug")]
        return _redirect("/shop/cart").set_cookie("cart", _encode_cart(items) or None)
    if path == "/shop/checkout":
        if not v.cart:
            return _redirect("/shop/cart")
        if v.method == "POST":
            errors = []
            for name, label in (
                ("fullname", "full name"),
                ("address", "address"),
                ("city", "city"),
            ):
                if not v.form.get(name, "").strip():
                    errors.append(f"Enter your {label}.")
            if v.form.get("shipping") not in {key for key, _, _ in SHIPPING}:
                errors.append("Choose a shipping option.")
            if v.form.get("terms") != "yes":
                errors.append("Agree to the terms of sale to continue.")
            if errors:
                return _Reply(pages.checkout_page(v.cart, v.user, v.form, errors))
            return _redirect("/shop/payment").set_cookie("ship", v.form["shipping"])
        return _Reply(pages.checkout_page(v.cart, v.user, {"fullname": v.user or ""}))
    if path == "/shop/payment":
        costs = {key: cost for key, _, cost in SHIPPING}
        ship = v.cookies.get("ship")
        if not v.cart or ship not in costs:
            return _redirect("/shop/checkout")
        if v.method == "POST":
            missing = [
                label
                for name, label in (
                    ("cardname", "the name on the card"),
                    ("cardnumber", "a card number"),
                    ("expiry", "the expiry date"),
                    ("cvc", "the CVC"),
                )
                if not v.form.get(name, "").strip()
            ]
            if missing:
                return _Reply(
                    pages.payment_page(
                        v.cart, v.user, costs[ship], [f"Enter {m}." for m in missing]
                    )
                )
            total = sum(p.price * q for p, q in v.cart) + costs[ship]
            order = f"SD-{secrets.randbelow(900000) + 100000}"
            reply = _redirect("/shop/confirmation")
            reply.set_cookie("order", f"{order}:{total:.2f}")
            return reply.set_cookie("cart", None).set_cookie("ship", None)
        return _Reply(pages.payment_page(v.cart, v.user, costs[ship]))
    if path == "/shop/confirmation":
        order, _, total = v.cookies.get("order", "").partition(":")
        if not order:
            return _redirect("/shop")
        return _Reply(pages.confirmation_page(order, float(total or 0), v.user))
    return _Reply(pages.not_found(v.path), HTTPStatus.NOT_FOUND)


def _social(v: _Visit) -> _Reply:
    path = v.path.rstrip("/")
    own = v.posts
    if path == "/social/post" and v.method == "POST":
        text = " ".join(v.form.get("text", "").split())[:MAX_POST_CHARS]
        if not text:
            return _redirect("/social")
        own = [*own, text][-MAX_POSTS:]
        return _redirect("/social?published=1").set_cookie("posts", _encode_json(own))
    if path == "/social/delete" and v.method == "POST":
        idx = v.form.get("index", "")
        if idx.isdigit() and int(idx) < len(own):
            del own[int(idx)]
        return _redirect("/social?deleted=1").set_cookie(
            "posts", _encode_json(own) if own else None
        )
    if path == "/social":
        me = v.user or "You"
        posts = [(me, "@you", text, 0, i) for i, text in reversed(list(enumerate(own)))]
        posts += [(n, h, t, likes, None) for n, h, t, likes in SEED_POSTS]
        notice = (
            "Your post is published."
            if "published" in v.query
            else "Post deleted."
            if "deleted" in v.query
            else ""
        )
        return _Reply(pages.social_page(posts, notice))
    return _Reply(pages.not_found(v.path), HTTPStatus.NOT_FOUND)


def route(v: _Visit) -> _Reply:
    """Answer one request."""
    path = v.path
    if path == "/":
        return _Reply(pages.index())
    if path == "/favicon.ico":
        return _Reply(b"", HTTPStatus.NO_CONTENT)
    if path.startswith("/img/") and path.endswith(".svg"):
        product = BY_SLUG.get(path.removeprefix("/img/").removesuffix(".svg"))
        if product:
            return _Reply(artwork(product), content_type="image/svg+xml")
    if path == "/shop" or path.startswith("/shop/"):
        return _shop(v)
    if path == "/social" or path.startswith("/social/"):
        return _social(v)
    if path.rstrip("/") == "/catalog":
        return _Reply(pages.catalog_page(PRODUCTS))
    if path == "/lab":
        return _redirect("/lab/")
    if path == "/lab/":
        return _Reply(pages.lab_page())
    return _Reply(pages.not_found(path), HTTPStatus.NOT_FOUND)


class _Handler(BaseHTTPRequestHandler):
    server_version = "stepdeck-demo/1"

    def _serve(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        visit = _Visit(method, self.path, body, self.headers.get("Cookie", ""))
        reply = route(visit)
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.send_header("Cache-Control", "no-store")
        if reply.location:
            self.send_header("Location", reply.location)
        for name, value in reply.cookies.items():
            if value is None:
                self.send_header("Set-Cookie", f"{name}=; Path=/; Max-Age=0; SameSite=Lax")
            else:
                jar: SimpleCookie = SimpleCookie()
                jar[name] = value
                jar[name]["path"] = "/"
                jar[name]["samesite"] = "Lax"
                self.send_header("Set-Cookie", jar[name].OutputString())
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(reply.body)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_HEAD(self) -> None:
        self._serve("HEAD")

    def do_POST(self) -> None:
        self._serve("POST")

    def log_message(self, format: str, *args: Any) -> None:  # quiet: it runs inside the app
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A browser that left mid-answer (a tab closed, a page navigated on) is no error of
        # the site's: no traceback on the terminal for it.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class DemoServer:
    """The demo site on 127.0.0.1, in a daemon thread. `port=0` picks a free port."""

    def __init__(self, port: int = 0, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = port
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the demo server is not started")
        return f"http://{self.host}:{self.port}"

    def start(self) -> str:
        """Start serving (idempotent) and return the base url."""
        if self._httpd is None:
            httpd = _Server((self.host, self.port), _Handler)
            self.port = httpd.server_address[1]
            self._httpd = httpd
            self._thread = threading.Thread(
                target=httpd.serve_forever, name="stepdeck-demo", daemon=True
            )
            self._thread.start()
        return self.base_url

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def url(self, path: str = "/") -> str:
        return self.base_url + (path if path.startswith("/") else "/" + path)

    def __enter__(self) -> DemoServer:
        self.start()
        return self

    def __str__(self) -> str:
        return self.base_url if self._httpd is not None else f"DemoServer(port={self.port})"

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main() -> None:  # pragma: no cover - by hand: python -m tui.demo.server [port]
    import sys
    import time

    server = DemoServer(int(sys.argv[1]) if len(sys.argv) > 1 else 8391)
    print(f"demo site at {server.start()}  (Ctrl-C to stop)")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
