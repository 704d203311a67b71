"""What the widgets read: page data made terminal-safe, ages, names, status marks."""

from datetime import UTC, datetime, timedelta

from tui.model import Observation, PageMeta, Session, StepResult, StepStatus
from tui.ui.state import SessionView, age, clean


def test_escape_sequences_are_shown_not_run():
    shown = clean("a\x1b[31mred\x1b[0m \x1b]0;title\x07 b\x00c")
    assert "\x1b" not in shown and "\x00" not in shown and "\x07" not in shown
    assert "␛[31mred" in shown and "b␀c" in shown


def test_eight_bit_controls_are_shown_not_run():
    # U+009B is CSI and U+009D is OSC to terminals that read 8-bit controls
    shown = clean("a\x9b2Jb\x9d0;t\x9c c\x85d\x7f")
    assert not any("\x7f" <= c <= "\x9f" for c in shown)
    assert shown == "a<9B>2Jb<9D>0;t<9C> c<85>d␡"
    assert clean("café ½ \xa0") == "café ½ \xa0"  # Latin-1 letters stay


def test_half_an_emoji_is_drawn_as_a_replacement_character():
    # a lone surrogate cannot be encoded for a terminal: writing it would crash the app
    shown = clean("half \ud83d and whole \U0001f600")
    assert shown == "half \ufffd and whole \U0001f600"
    shown.encode("utf-8")


def test_markup_is_left_alone_for_text_objects():
    assert clean("[bold]x[/]") == "[bold]x[/]"


def test_age_is_short():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert age(now - timedelta(seconds=5), now) == "5s"
    assert age(now - timedelta(minutes=3), now) == "3m"
    assert age(now - timedelta(hours=2), now) == "2h"
    assert age(now - timedelta(days=4), now) == "4d"


def test_view_names_status_and_a_short_repr():
    view = SessionView("local", Session(id="abc", url="https://example.org/x"))
    assert view.name == "example.org" and view.mark == "●"
    view.observation = Observation(metadata=PageMeta(title="Hi"), screenshot=b"\x89PNG" * 10_000)
    view.results.append(StepResult(status=StepStatus.ASK_USER, message="which?"))
    assert view.name == "Hi" and view.asking and view.mark == "?"
    assert len(repr(view)) < 80  # workers print their arguments


def test_own_steps_are_told_by_request_id_once_the_provider_echoes_them():
    from tui.model import Event
    from tui.ui.live import own_event

    view = SessionView("serve", Session(id="abc"), request_ids={"r1"}, busy=True)
    now = datetime.now(UTC)

    def step(rid):
        return Event(kind="step", session_id="abc", timestamp=now, data={"request_id": rid})

    # A provider that keeps no ids: while our step runs, its step events are ours.
    assert own_event(view, step(None))
    assert own_event(view, step("r1")) and view.ids_echoed  # a sub-step of our command
    assert not own_event(view, step("zz"))
    # Once ids are echoed, a step without one is another client's, even while ours runs.
    assert not own_event(view, step(None))
