"""The pure parts of the UI (no Textual): the deck's state changes, the sidebar, the page doc."""

from __future__ import annotations

import gc
import itertools
import types

from static_provider import CHECKOUT_ACTIONS, CHECKOUT_MARKDOWN, SHOP_ACTIONS, SHOP_MARKDOWN, T0

from tui.model import Observation, Session, SessionStatus, StepRequest, StepResult, StepStatus
from tui.ui.page_doc import TOKEN, build, wrap
from tui.ui.state import Deck, SessionView, sidebar_rows


def session(sid: str, title: str = "", live: bool = True, url: str = "") -> Session:
    status = SessionStatus.ACTIVE if live else SessionStatus.ENDED
    return Session(id=sid, title=title, status=status, created_at=T0, url=url)


def test_deck_adds_live_sessions_keeps_ended_from_the_store_and_selects_the_next():
    deck = Deck()
    deck.sessions_loaded("local", [session("a"), session("b"), session("gone", live=False)])
    assert list(deck.views) == ["local/a", "local/b"]
    deck.stored_loaded([session("old"), session("a")])
    assert deck.views["local/old"].stored and not deck.views["local/old"].session.status.is_live
    assert deck.views["local/a"].session.status.is_live  # the provider's word wins
    deck.selected = "local/b"
    view, next_key = deck.closed("local/b")
    assert view is not None and next_key == "local/a"
    assert [v.key for v in deck.ordered()] == ["local/a", "local/old"]


def test_a_stored_session_a_provider_then_lists_as_live_becomes_live():
    deck = Deck()
    deck.stored_loaded([session("a"), session("old")])  # the store answers before the provider
    deck.sessions_loaded("local", [session("a")])
    assert not deck.views["local/a"].stored and deck.views["local/a"].session.status.is_live
    assert deck.views["local/old"].stored
    assert deck.first_key() == "local/a"


def test_a_failed_step_is_recorded_once_and_leaves_the_session_live():
    deck = Deck()
    deck.sessions_loaded("local", [session("a")])
    deck.step_started("local/a")
    failed = StepResult(status=StepStatus.ERROR, success=False, message="no B3")
    view = deck.step_done("local/a", failed)
    assert view.error == "no B3" and not view.busy and view.session.status.is_live
    assert len(view.results) == 1 and view.step_count == 1
    ok = StepResult(request=StepRequest(id="B1"), observation=Observation(markdown="x"))
    deck.step_done("local/a", ok)
    assert view.error is None and view.observation.markdown == "x"
    gone = StepResult(status=StepStatus.ERROR, success=False, message="closed")
    deck.step_failed("local/a", gone, gone=True)
    assert not view.session.status.is_live and len(view.results) == 3


def test_sidebar_rows_fold_ended_sessions_and_keyless_providers_share_a_line():
    views = [
        SessionView("local", session("a", "Shop", url="http://h/shop")),
        SessionView("local", session("b", "Shop", url="http://h/cart")),
        SessionView("local", session("c", "Old", live=False)),
    ]
    labels = {"local": "Local", "notte": "Notte", "multion": "MultiOn"}
    hints = {"notte": "set NOTTE_API_KEY", "multion": "set MULTION_API_KEY"}
    rows = sidebar_rows(views, labels, hints)
    assert [r.kind for r in rows] == ["heading", "session", "session", "fold", "note"]
    assert rows[1].twin and rows[2].twin and rows[3].text == "▸ ended (1)"
    assert rows[4].text == "no key: Notte · MultiOn"
    rows = sidebar_rows(views, labels, hints, unfolded={"local"})
    assert [r.id for r in rows if r.kind == "session"][-1] == "local/c"
    rows = sidebar_rows(views, labels, {}, needle="old")  # a filter opens the fold
    assert [r.id for r in rows if r.kind == "session"] == ["local/c"]


def test_page_doc_renders_markdown_for_reading_with_ids_inline():
    doc = build(SHOP_MARKDOWN, SHOP_ACTIONS)
    lines = doc.text.split("\n")
    assert "Corner Shop" in lines and "Featured" in lines  # headings without '#'
    assert any(line.startswith("• ") for line in lines)  # bullets
    assert "**" not in doc.text and "](" not in doc.text  # emphasis and targets not inline
    assert "[bold]not markup[/]" in doc.text  # text, never markup
    assert "I2 Sort by: Price ▾" in doc.text
    table = [line for line in lines if "│" in line]
    assert len(table) == 3 and len({line.index("│") for line in table}) == 1  # aligned
    ids = [t.action_id for t in doc.targets if t.action_id]
    assert ids[:5] == ["L1", "L2", "I1", "B1", "I2"]
    link = next(t for t in doc.targets if not t.action_id)
    assert link.label == "Brass desk lamp" and link.href == "/shop/product/brass-lamp"


def test_page_doc_masks_passwords_and_lists_elements_the_text_lacks():
    doc = build(CHECKOUT_MARKDOWN, CHECKOUT_ACTIONS)
    assert "hunter2" not in doc.text and 'I3 Password: "••••"' in doc.text
    doc = build("# Plain page\n\nNo ids in this text.", CHECKOUT_ACTIONS)
    assert 'I1 Full name: "Ada Lovelace"' in doc.text and "B2 Place order" in doc.text
    assert 'I3 Password: "••••"' in doc.text


def test_token_format_matches_the_engine():
    found = TOKEN.findall('[B2 Add to cart] [I1 Search: "kindle"] [I4 Country: France ▾]')
    assert found == [("B2", "Add to cart"), ("I1", 'Search: "kindle"'), ("I4", "Country: France ▾")]


def test_a_megabyte_page_builds_and_wraps_whole():
    words = " ".join(f"word{k}" for k in range(30))
    parts = [f"Paragraph {n}: {words}. [L{n} item {n}]" for n in range(4000)]
    markdown = "# Big page\n\n" + "\n\n".join(parts)
    assert len(markdown) > 900_000
    doc = build(markdown)  # its time is in `make bench` (ui: the 1 MB page)
    rows = wrap(doc, 70)
    assert len(rows) > len(doc.lines) and max(e - s for _, s, e in rows) <= 70
    assert "Paragraph 3999" in doc.text and len(doc.targets) == 4000
    # Every character of every line is on exactly one row, in order.
    by_line: dict[int, list[tuple[int, int]]] = {}
    for n, s, e in rows:
        by_line.setdefault(n, []).append((s, e))
    for n, spans in by_line.items():
        assert spans[0][0] == 0 and spans[-1][1] == len(doc.lines[n].text)
        assert all(a[1] == b[0] for a, b in itertools.pairwise(spans))


def test_an_id_alone_is_a_target_when_the_page_has_it():
    # The engine writes an action that holds others (a clickable sidebar) as its id alone,
    # then what it holds; "[B9]" that is no action of the page stays text.
    from tui.model import Action

    actions = [
        Action(id="M4", description="Chapters", category=""),
        Action(id="L1", description="Chapter one", category=""),
    ]
    doc = build("[M4]\n\n1. [L1 Chapter one]\n2. see [B9] here", actions)
    assert [(t.action_id, t.label) for t in doc.targets] == [("M4", "M4"), ("L1", "L1 Chapter one")]
    assert doc.texts[0] == "M4" and doc.texts[-1].endswith("see [B9] here")


def tracked_within(root: object) -> int:
    """How many objects the garbage collector tracks among those `root` holds.

    Counted by walking what `root` refers to, not by `gc.get_objects()` before and after:
    the whole process also holds other tests' objects, and the threads they left behind
    make objects of their own while this test runs (CI counted 1,007 more under load).
    """
    seen, stack, tracked = set(), [root], 0
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, (type, types.ModuleType, types.FunctionType)):
            continue
        seen.add(id(obj))
        tracked += gc.is_tracked(obj)
        stack.extend(gc.get_referents(obj))
    return tracked


def test_a_megabyte_page_adds_almost_nothing_for_the_garbage_collector():
    # A full collection walks every tracked object on the UI's turn: a page's ~25,000
    # lines, spans and targets, tracked, made it stall the app 100-300 ms after showing.
    parts = [f"Paragraph {n}: **bold** text [L{n} item {n}] `code`" for n in range(4000)]
    doc = build("# Big page\n\n" + "\n\n".join(parts))
    # A collection stops tracking tuples of strings and numbers; a line's tuple that holds
    # its spans' tuple may wait for the next one (the order they lie in the collector's list).
    gc.collect()
    gc.collect()
    assert len(doc.targets) == 4000 and doc.lines[2].spans[0].kind == "strong"
    assert tracked_within(doc) < 500
    # the count sees what a page of NamedTuples would cost the collector
    assert tracked_within([doc.lines[n] for n in range(1000)]) > 1000


def test_a_url_refusal_names_only_flags_the_app_takes():
    # "javascript: urls are refused" once told people to start stepdeck with
    # --allow-javascript, a flag it has never had.
    import re

    import pytest

    from tui.cli import demo, main
    from tui.engine.session import normalize_url
    from tui.engine.urls import REFUSED_SCHEMES
    from tui.errors import StepdeckError

    flags = {opt for command in (main, demo) for p in command.params for opt in p.opts}
    named = set()
    for scheme in REFUSED_SCHEMES:
        with pytest.raises(StepdeckError) as refused:
            normalize_url(f"{scheme}:whatever")
        assert f'allow_schemes = ["{scheme}"]' in refused.value.hint
        named |= set(re.findall(r"--allow-[a-z-]+", refused.value.hint))
    assert named == {"--allow-file"} and named <= flags
