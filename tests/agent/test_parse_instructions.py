"""Instructions parsed as instructions: opening phrases, kinds, ordinals, credentials, chains."""

from __future__ import annotations

import pytest

from tui.engine.agent import parse_command
from tui.engine.agent.rules import solve


def shape(text: str) -> list[tuple]:
    return [(c.verb, c.target, c.value, c.kind, c.ordinal) for c in parse_command(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the opening phrase is the verb, not part of the target
        ("Focus into the textbox.", [("focus", "", None, "text", None)]),
        ("Focus into the 2nd input textbox.", [("focus", "", None, "text", 2)]),
        ("Expand the section below", [("click", "section below", None, None, None)]),
        ("Solve the math problem", [("solve", "", None, None, None)]),
        # generic kinds and ordinals; "first name" is a name
        (
            'Enter "Riley" into the text field and press Submit.',
            [("fill", "", "Riley", "text", None), ("click", "Submit", None, None, None)],
        ),
        (
            "Select Japan from the country dropdown",
            [("select", "country", "Japan", "select", None)],
        ),
        ("Choose Mango from the list", [("select", "", "Mango", "list", None)]),
        ("Check the second checkbox", [("check", "", None, "checkbox", 2)]),
        ("Click the Blue radio button", [("click", "Blue", None, "radio", None)]),
        ("Enter Ann into the first name field", [("fill", "first name", "Ann", "text", None)]),
        ('Type "x" into the last text field', [("fill", "", "x", "text", -1)]),
        # extra words around the target
        ('Close the dialog box by clicking the "x"', [("click", "x", None, None, None)]),
        ("Close the dialog", [("close", "", None, None, None)]),
        ("Press START to begin", [("click", "START", None, None, None)]),
        (
            "Select nothing and click Submit",
            [("noop", "", None, None, None), ("click", "Submit", None, None, None)],
        ),
    ],
)
def test_instruction_shapes(text, expected):
    assert shape(text) == expected


def test_credentials_are_two_values_and_only_log_in_submits():
    (c,) = parse_command("log in with username alice and password s3cret")
    assert (c.verb, c.value, c.key, c.enter) == ("login", "alice", "s3cret", True)
    first, then = parse_command(
        'Enter the username "carol" and the password "pa ss", then click Log in'
    )
    assert (first.verb, first.value, first.key, first.enter) == ("login", "carol", "pa ss", False)
    assert (then.verb, then.target) == ("click", "Log in")


def test_scope_and_positions_place_the_target():
    scope, click = parse_command("For the user @sam, click Follow")
    assert (scope.verb, scope.target, click.target) == ("scope", "@sam", "Follow")
    (c,) = parse_command("Type 9 into the box above Billing address")
    assert (c.kind, c.anchor, c.before) == ("text", "Billing address", True)
    (c,) = parse_command("Click Read more below Returns")
    assert (c.target, c.anchor, c.before) == ("Read more", "Returns", False)


def test_solve_reads_the_arithmetic_a_page_asks():
    assert solve("Solve the problem: what is 17 + 25?") == "42"
    assert solve("What is 3 x 4 + 2?") == "14"
    assert solve("calculate 10 / 4") == "2.5"
    assert solve("Order 2026-03-14, no sums here") is None
