"""The pages `make bench` measures on, and the raw floor it measures against.

Generated pages served on 127.0.0.1 (a form, a 5,000-element 1.1 MB page, an 8,300-element
2.3 MB table page), and `raw_observe`: what a careful script does with raw Playwright,
selectolax and nothing of stepdeck's. `scripts/bench.py` and `scripts/bench_peers.py` share
them.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# --- a tiny local web server for generated pages ---------------------------------------------


class PageServer:
    """Serves a dict of path -> HTML on 127.0.0.1 in a daemon thread."""

    def __init__(self, pages: dict[str, str]) -> None:
        encoded = {k: v.encode() for k, v in pages.items()}

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = encoded.get(self.path.split("?")[0])
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


WORDS = (
    "browser session agent terminal cockpit page element button link input markdown "
    "screenshot observe step action engine chromium playwright network console"
).split()


def big_page(interactive: int = 5000, text_bytes: int = 1_000_000) -> str:
    """~5,000 interactive elements (links, buttons, inputs, selects) and ~1 MB of text."""
    per_block = max(1, text_bytes // interactive)
    sentence = " ".join(WORDS)
    filler = (sentence + " ") * (per_block // len(sentence) + 1)
    parts = ["<!doctype html><html><head><title>Big page</title></head><body><h1>Big page</h1>"]
    for i in range(interactive):
        kind = i % 10
        if kind < 5:
            el = f'<a href="/item/{i}">Item {i} details</a>'
        elif kind < 8:
            el = f'<button type="button">Action {i}</button>'
        elif kind == 8:
            el = f'<label for="f{i}">Field {i}</label><input id="f{i}" name="f{i}">'
        else:
            el = f'<select name="s{i}"><option>One</option><option>Two</option></select>'
        parts.append(f"<section><h3>Block {i}</h3><p>{filler[:per_block]}</p>{el}</section>")
    parts.append("</body></html>")
    return "".join(parts)


FORM_PAGE = """<!doctype html><html><head><title>Form</title></head><body>
<h1>Sign in</h1><form action="/done" method="get">
<label for="user">User</label><input id="user" name="user">
<label for="pw">Password</label><input id="pw" name="pw" type="password">
<label><input type="checkbox" name="keep"> Keep me signed in</label>
<select name="lang"><option>English</option><option>Français</option></select>
<button type="submit">Sign in</button></form>
<p>Forgot your password? <a href="/reset">Reset it</a>.</p></body></html>"""


def table_page(rows: int = 2000, nav: int = 300) -> str:
    """~8,300 interactive elements, ~2 MB: 300 nav links and a 2,000-row data table whose rows
    hold a checkbox, a link, a quantity input and a button."""
    sentence = " ".join(WORDS)
    filler = (sentence + " ") * 7
    parts = [
        "<!doctype html><html><head><title>Orders</title></head><body><nav>",
        *(f'<a href="/section/{i}">Section {i}</a> ' for i in range(nav)),
        "</nav><h1>Orders</h1><table><thead><tr><th>Pick</th><th>Order</th><th>Notes</th>"
        "<th>Qty</th><th></th></tr></thead><tbody>",
    ]
    for i in range(rows):
        parts.append(
            f'<tr><td><input type="checkbox" aria-label="Pick order {i}"></td>'
            f'<td><a href="/order/{i}">Order #{i:05d}</a></td><td>{filler[: 700 + i % 100]}</td>'
            f'<td><input name="qty{i}" aria-label="Quantity {i}" value="{i % 9 + 1}"></td>'
            f'<td><button type="button">Edit {i}</button></td></tr>'
        )
    parts.append("</tbody></table></body></html>")
    return "".join(parts)


# --- raw Playwright: the floor, written here with nothing of stepdeck's ---------------------

# One string back over CDP (an array of objects costs ~16x more); what any careful script does.
RAW_WALK = """() => {
  const out = [];
  const sel = 'a[href], button, input:not([type=hidden]), select, textarea, [role], [onclick], [tabindex]';
  for (const el of document.querySelectorAll(sel)) {
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height) continue;
    out.push({tag: el.tagName, text: (el.getAttribute('aria-label') || el.textContent || el.placeholder || '').trim().slice(0, 120),
              href: el.href || null, type: el.type || null, value: el.type === 'password' ? null : (el.value ?? null)});
  }
  return JSON.stringify({title: document.title, url: location.href, actions: out});
}"""


async def raw_observe(page) -> float:
    """The floor: a one-string DOM walk + page.content() + lexbor's plain text + a PNG
    screenshot, one after the other as a script would write them. Nothing of stepdeck's."""
    import json

    from selectolax.lexbor import LexborHTMLParser

    t = time.perf_counter()
    data = json.loads(await page.evaluate(RAW_WALK))
    html = await page.content()
    tree = LexborHTMLParser(html)
    (tree.body or tree.root).text()
    await page.screenshot(type="png")
    assert data["url"]
    return (time.perf_counter() - t) * 1000
