"""The command bar's language, as a person types it."""

import pytest

from tui.ui.parse import normalize_url, parse_command


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("B3", {"type": "auto", "id": "B3"}),
        ("b3", {"type": "auto", "id": "B3"}),
        ("I1 hello", {"type": "auto", "id": "I1", "value": "hello"}),
        ("I1 hello world --enter", {"id": "I1", "value": "hello world", "enter": True}),
        ("I1 hello⏎", {"id": "I1", "value": "hello", "enter": True}),
        ('I1 "  spaced  "', {"id": "I1", "value": "  spaced  "}),
        ("fill I2 bob", {"type": "fill", "id": "I2", "value": "bob"}),
        ("select I3 Blue", {"type": "select", "id": "I3", "value": "Blue"}),
        ("goto example.com", {"type": "goto", "url": "https://example.com"}),
        ("goto localhost:8000/x", {"type": "goto", "url": "http://localhost:8000/x"}),
        ("goto http://a.b/c", {"type": "goto", "url": "http://a.b/c"}),
        ("goto /shop/cart", {"type": "goto", "url": "/shop/cart"}),
        ("open example.com", {"type": "goto", "url": "https://example.com"}),
        ("open airpods", {"type": "command", "cmd": "open airpods"}),
        ("back", {"type": "back"}),
        ("forward", {"type": "forward"}),
        ("reload", {"type": "reload"}),
        ("scroll down", {"type": "scroll_down"}),
        ("scroll up", {"type": "scroll_up"}),
        ("tab 2", {"type": "switch_tab", "index": 2}),
        ("press Enter", {"type": "press_key", "key": "Enter"}),
        ("wait 500", {"type": "wait", "value": "500"}),
        ("close tab", {"type": "close_tab", "index": None}),
        ("new tab example.org", {"type": "new_tab", "url": "https://example.org"}),
        ("find the cheapest lamp", {"type": "command", "cmd": "find the cheapest lamp"}),
        ("back to the shop please", {"type": "command"}),
    ],
)
def test_typed_line_becomes_step(typed, expected):
    request = parse_command(typed)
    assert request is not None
    for key, value in expected.items():
        assert getattr(request, key) == value, (typed, key)


def test_empty_line_is_nothing():
    assert parse_command("   ") is None


def test_describe_round_trips_through_the_parser():
    for typed in ["B3", "I1 hello --enter", "goto https://x.org", "back", "tab 2"]:
        request = parse_command(typed)
        again = parse_command(request.describe().replace("switch_tab", "tab"))
        assert again == request


def test_schemes_are_kept():
    assert normalize_url("about:blank") == "about:blank"
    assert normalize_url("file:///tmp/x.html") == "file:///tmp/x.html"
