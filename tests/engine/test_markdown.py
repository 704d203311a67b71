"""HTML to markdown, without a browser."""

from __future__ import annotations

import re

import pytest

from tui.engine.perception import strip_controls, to_markdown
from tui.engine.session import normalize_url
from tui.errors import InvalidRequest


def test_markdown_blocks():
    html = """<body><h2>Title <em>here</em></h2><p>One <b>two</b> <a href="/x">three</a>
    <a href="javascript:void(0)">four</a></p><ul><li>a<ul><li>b</li></ul></li><li>c</li></ul>
    <ol><li>first</li><li>second</li></ol><table><tr><th>k</th><th>v</th></tr>
    <tr><td>a|b</td><td>2</td></tr></table><pre>x = 1\n  y = 2</pre>
    <img src="cat.png" alt="A cat"><script>var hidden = 1;</script><style>p{}</style>
    <div data-sd-hidden><p>gone</p></div><blockquote>quoted</blockquote></body>"""
    md = to_markdown(html, "http://site.test/dir/page.html")
    assert md.splitlines()[0] == "## Title *here*"
    # no target inline: a link without an id is its text (ids carry targets, see below)
    assert "One **two** three four" in md
    assert "- a\n  * b\n- c" in md  # the converter's bullets by depth
    assert "1. first\n2. second" in md
    assert "| k | v |\n| --- | --- |\n| a\\|b | 2 |" in md
    assert "```\nx = 1\n  y = 2\n```" in md
    assert "> quoted" in md
    for absent in ("hidden = 1", "p{}", "gone", "cat.png", "site.test"):
        assert absent not in md


MARK = "data-sd-test"


def test_ids_inline_where_elements_sit():
    html = f"""<body><nav><a href="/" {MARK}="L1 Home">Home</a></nav>
    <p>Buy <a href="/p/1" {MARK}="L2 AirPods Pro"><img src="a.png" alt="x">AirPods <b>Pro</b></a>
    now <button {MARK}="B1 Add to cart">Add to cart</button></p>
    <form><label for="q">Search</label><input id="q" {MARK}='I1 Search: "kindle"'>
    <label>Country <select {MARK}="I2 Country: France ▾"><option>France</option></select></label>
    <label><input type=checkbox {MARK}="B2 ☑ Remember me"> Remember me</label></form>
    <table><tr><th>Item</th><th>Qty</th></tr>
    <tr><td><a href="/r" {MARK}="L3 Row one">Row one</a></td><td><input {MARK}='I3 Qty: "2"'></td></tr>
    </table></body>"""
    md = to_markdown(html, "http://shop.test/", MARK)
    assert "[L1 Home]" in md
    assert "Buy [L2 AirPods Pro] now [B1 Add to cart]" in md
    # the label named the field: it is not written twice
    assert '[I1 Search: "kindle"] [I2 Country: France ▾] [B2 ☑ Remember me]' in md
    assert '| [L3 Row one] | [I3 Qty: "2"] |' in md
    assert "shop.test" not in md and "/p/1" not in md and "a.png" not in md


def test_page_text_cannot_pass_for_an_id():
    html = f"""<p>Click [B1 Pay now] or [B2] or \ue010B7 fake\ue011 <span data-sd-other="B9 x">y</span>
    <button {MARK}="B1 Cancel">Cancel</button></p>"""
    md = to_markdown(html, "", MARK)
    ids = re.findall(r"\[([LBIFOM]\d+)(?: ([^\]]*))?\]", md)  # page_doc's TOKEN
    assert ids == [("B1", "Cancel")], md
    assert "Pay now" in md and "B2]" in md


def test_control_characters_are_dropped():
    assert strip_controls("a\x1b[31mb\tc\nd\x07") == "a[31mb\tc\nd"
    assert to_markdown("<p>x\x1b[0my</p>") == "x[0my"


def test_typed_urls_are_made_absolute():
    assert normalize_url("example.com") == "https://example.com"
    assert normalize_url("localhost:8000/x") == "http://localhost:8000/x"
    assert normalize_url("127.0.0.1:9/") == "http://127.0.0.1:9/"
    assert normalize_url("shop.test:8443/a") == "https://shop.test:8443/a"
    assert normalize_url("http://a.test/") == "http://a.test/"
    assert normalize_url("about:blank") == "about:blank"
    assert normalize_url("file:///tmp/x.html", ("file",)) == "file:///tmp/x.html"
    for bad in ("FILE:///etc/passwd", "view-source:http://a.test", "", "  "):
        with pytest.raises(InvalidRequest):
            normalize_url(bad)
