"""Command parsing and extraction rules, without a browser."""

from __future__ import annotations

import pytest

from tui.engine.agent import parse_command, split_chain
from tui.engine.extract import extract_from_html, fields_of
from tui.errors import InvalidRequest


def test_chains_split_on_and_then_and_commas_but_not_inside_quotes():
    assert split_chain("search for AirPods Pro and open the first result") == [
        "search for AirPods Pro",
        "open the first result",
    ]
    assert split_chain('type "salt and pepper" into search, then press enter') == [
        'type "salt and pepper" into search',
        "press enter",
    ]
    assert len(split_chain("go back; scroll down. reload and then wait 1 second")) == 4


def test_clauses_understood():
    c = parse_command(
        "go to example.com, search for kindle, open the second result, "
        "fill name with Ada, city with Paris, select 2 from quantity, uncheck newsletter, "
        "press escape, scroll to the bottom, wait 2 seconds, go back, stop at the payment page"
    )
    assert [x.verb for x in c] == [
        "goto", "search", "click", "fill", "fill", "select", "uncheck",
        "press", "press", "wait", "back", "stop",
    ]  # fmt: skip
    assert c[0].url == "example.com" and c[1].value == "kindle"
    assert (c[2].ordinal, c[2].noun) == (2, "content")
    assert (c[4].target, c[4].value) == ("city", "Paris")
    assert (c[5].target, c[5].value) == ("quantity", "2")
    assert c[7].key == "Escape" and c[8].key == "End" and c[9].value == "2000"
    assert c[11].target == "payment page"
    last = parse_command("open the last link")[0]
    assert (last.verb, last.ordinal, last.noun) == ("click", -1, "link")
    assert parse_command("go to the cart")[0].verb == "click"  # not a url: a named thing


def test_schema_shapes():
    item = {"type": "object", "properties": {"name": {"type": "string"}}}
    assert fields_of({"type": "array", "items": item}) == {"name": {"type": "string"}}
    assert fields_of(item) == {"name": {"type": "string"}}
    assert list(
        fields_of({"type": "object", "properties": {"products": {"type": "array", "items": item}}})
    ) == ["name"]
    assert fields_of(["name", "price"]) == {"name": {"type": "string"}, "price": {"type": "string"}}
    assert fields_of({"name": "string", "price": "number"})["price"] == {"type": "number"}
    with pytest.raises(InvalidRequest):
        fields_of("name")


def test_rules_find_the_repeated_items_and_map_fields():
    html = """<html><body><nav><a href="/">Home</a><a href="/about">About</a></nav>
    <ul class="list">
      <li class="row"><a href="/b/1"><img src="/i/1.png" alt="One"></a><h2>First book</h2>
          <span class="price">€12.50</span><span class="author">Ann</span><p>Pages: 320</p></li>
      <li class="row"><a href="/b/2"><img src="/i/2.png" alt="Two"></a><h2>Second book</h2>
          <span class="price">€8</span><span class="author">Bob</span><p>Pages: 96</p></li>
      <li class="row"><a href="/b/3"><img src="/i/3.png" alt="Three"></a><h2>Third book</h2>
          <span class="price">€20.00</span><span class="author">Cy</span><p>Pages: 1024</p></li>
    </ul></body></html>"""
    schema = {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "title": {"type": "string"},
                "price": {"type": "number"},
                "author": {"type": "string"},
                "pages": {"type": "integer"},
                "link": {"type": "string"},
                "thumbnail": {"type": "string"},
            },
        },
    }
    rows = extract_from_html(html, schema, base_url="http://shop.test/list", max_items=2)
    assert rows == [
        {"title": "First book", "price": 12.5, "author": "Ann", "pages": 320,
         "link": "http://shop.test/b/1", "thumbnail": "http://shop.test/i/1.png"},
        {"title": "Second book", "price": 8.0, "author": "Bob", "pages": 96,
         "link": "http://shop.test/b/2", "thumbnail": "http://shop.test/i/2.png"},
    ]  # fmt: skip
    assert extract_from_html("<p>nothing repeated here</p>", ["name"]) == []


def test_quoted_values_are_taken_as_is():
    (c,) = parse_command('type "log in and out" into the search box')
    assert (c.verb, c.value, c.target, c.kind) == ("fill", "log in and out", "search", "text")
    assert c.named == "the search box"
    (c,) = parse_command("write a post saying 'Hello, world'")
    assert (c.verb, c.value, c.target) == ("fill", "Hello, world", "post")


def test_table_rows_map_fields_by_column_header():
    html = """<table><thead><tr><th>Item</th><th>Qty</th><th>Unit price</th></tr></thead>
    <tbody><tr><td><a href="/p/a">Apples</a></td><td>3</td><td>$1.20</td></tr>
    <tr><td><a href="/p/b">Pears</a></td><td>12</td><td>$0.90</td></tr></tbody></table>"""
    rows = extract_from_html(
        html, {"item": "string", "qty": "integer", "price": "number", "url": "string"},
        base_url="http://x.test/",
    )  # fmt: skip
    assert rows == [
        {"item": "Apples", "qty": 3, "price": 1.2, "url": "http://x.test/p/a"},
        {"item": "Pears", "qty": 12, "price": 0.9, "url": "http://x.test/p/b"},
    ]


def test_field_colon_value():
    (c,) = parse_command("write about you: I like engines")
    assert (c.verb, c.target, c.value) == ("fill", "about you", "I like engines")


def test_switch_phrases():
    verbs = [(c.verb, c.target) for c in parse_command(
        "turn on dark mode, switch the newsletter off, enable alerts, disable sounds"
    )]  # fmt: skip
    assert verbs == [
        ("check", "dark mode"),
        ("uncheck", "the newsletter"),
        ("check", "alerts"),
        ("uncheck", "sounds"),
    ]
