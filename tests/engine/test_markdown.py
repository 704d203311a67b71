"""HTML to markdown, without a browser."""

from __future__ import annotations

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
    assert "One **two** [three](http://site.test/x) four" in md
    assert "- a\n  - b\n- c" in md
    assert "1. first\n2. second" in md
    assert "| k | v |\n|---|---|\n| a\\|b | 2 |" in md
    assert "```\nx = 1\n  y = 2\n```" in md
    assert "![A cat](http://site.test/dir/cat.png)" in md
    assert "> quoted" in md
    for absent in ("hidden = 1", "p{}", "gone"):
        assert absent not in md


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
