"""What a step changed: on the recorded demo-shop session, as a function, from the CLI, in the app."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from click.testing import CliRunner
from PIL import Image, ImageDraw
from records_helpers import ADDED, BASELINE, FILLED, NOTHING, OPENED, SEARCHED
from textual.widgets import TabbedContent, TextArea

from tests.support import settle
from tui.cli import main
from tui.model import Action, Observation, PageMeta, Session, StepRequest, StepResult
from tui.records.diff import OUTLINE, diff_steps, page_state, render_diff
from tui.records.export import once
from tui.store import Store
from tui.ui.app import StepdeckApp
from tui.ui.state import session_key
from tui.ui.tabs.timeline import TimelineTab


def _steps(recorded):
    with Store() as store:
        return sorted(once(store.steps("local", recorded.session_id)), key=lambda s: s.started_at)


def _diff(recorded, a: int, b: int):
    steps = _steps(recorded)
    return diff_steps(page_state(steps[a - 1]), page_state(steps[b - 1]))


def test_a_filled_field_changes_its_value_and_only_its_pixels(recorded_home):
    d = _diff(recorded_home, BASELINE, FILLED)

    assert not d.navigated and not d.nothing_changed
    [change] = d.actions
    assert change.kind == "changed" and change.description == "Search products"
    assert "'' → 'kindle'" in change.detail
    # The search box changed on screen, and the outline was drawn into the picture.
    assert d.regions
    x0, y0, x1, y1 = d.regions[0]
    assert (x1 - x0) * (y1 - y0) < 1280 * 800 / 10
    marked = Image.open(io.BytesIO(d.image)).convert("RGB")
    border = [marked.getpixel((x, max(0, y0 - 3))) for x in range(x0, x1)]
    assert OUTLINE in border


def test_a_navigation_shows_the_new_url_and_the_text_from_its_first_change(recorded_home):
    d = _diff(recorded_home, FILLED, SEARCHED)

    assert d.navigated and d.url[1].endswith("/shop/search?q=kindle")
    assert d.text[0].startswith("---") and d.text[2].startswith("@@")
    assert any(line.startswith("+") and "Results for" in line for line in d.text)
    assert any(c.kind == "removed" and c.description == "AirPods Pro" for c in d.actions)
    # The result link kept its description under another id: one rename, not an addition
    # and a removal (the home page had two links so named; the other one is gone).
    kindle = [c for c in d.actions if c.description == "Kindle Paperwhite" and c.id[0] == "L"]
    assert sorted(c.kind for c in kindle) == ["removed", "renamed"]


def test_an_added_cart_item(recorded_home):
    d = _diff(recorded_home, OPENED, ADDED)
    text = render_diff(d)

    assert d.url[1].endswith("/shop/cart")
    cart = next(c for c in d.actions if c.kind == "changed" and c.description == "Cart (1)")
    assert "was 'Cart (0)'" in cart.detail
    added = {c.description for c in d.actions if c.kind == "added"}
    assert "Remove Kindle Paperwhite" in added and "Proceed to checkout" in added
    # The cart's new row is an added line of the page text.
    row = [t for t in d.text if t.startswith("+|") and "Kindle Paperwhite" in t]
    assert row and "$159.99" in row[0]
    assert "~ " + cart.id + " Cart (1)" in text


def test_a_step_that_changed_nothing_says_so(recorded_home):
    d = _diff(recorded_home, ADDED, NOTHING)

    assert d.nothing_changed and d.regions == [] and d.image is not None
    assert render_diff(d).splitlines()[2].startswith("nothing changed")


def test_diff_command(recorded_home, tmp_path):
    runner = CliRunner()
    sid = recorded_home.session_id[:8]

    same = runner.invoke(main, ["diff", sid, str(ADDED), str(NOTHING)])
    assert same.exit_code == 0, same.output
    assert "nothing changed" in same.output

    png = tmp_path / "changes.png"
    added = runner.invoke(main, ["diff", sid, str(OPENED), str(ADDED), "--image", str(png)])
    assert added.exit_code == 0, added.output
    assert "Remove Kindle Paperwhite" in added.output and "Cart (1)" in added.output
    assert png.read_bytes()[:4] == b"\x89PNG"

    wrong = runner.invoke(main, ["diff", sid, "1", "99"])
    assert wrong.exit_code == 1 and "no step 99" in wrong.output and "1 to 6" in wrong.output


async def _timeline_of(pilot, key: str) -> TimelineTab:
    pilot.app.select_session(key)
    pilot.app.query_one(TabbedContent).active = TimelineTab.TAB_ID
    await settle(pilot)
    return pilot.app.query_one(TimelineTab)


async def test_changes_in_the_timeline(recorded_home):
    with Store() as store:
        app = StepdeckApp([], images="none", store=store)
        async with app.run_test(size=(140, 44)) as pilot:
            await settle(pilot)
            tab = await _timeline_of(pilot, session_key("local", recorded_home.session_id))
            assert len(tab.moments) == NOTHING
            table = tab.query_one("#timeline-table")
            table.focus()
            table.move_cursor(row=ADDED - 1)
            await settle(pilot)
            assert tab.detail_text.startswith(f"# Step {ADDED}")

            await pilot.press("c")
            await settle(pilot)
            assert tab.changes
            assert tab.detail_text.startswith(f"# Changes: step {OPENED}")
            assert "Remove Kindle Paperwhite" in tab.detail_text

            await pilot.press("down")  # the step that did nothing, against the cart
            await settle(pilot)
            assert "nothing changed" in tab.detail_text

            await pilot.press("c")  # back to the page as it was
            await settle(pilot)
            assert tab.detail_text.startswith(f"# Step {NOTHING}")


# -- how it looks: fixed data, so the snapshot does not depend on ports or fonts ----------

T0 = datetime(2026, 1, 2, 10, 0, 0, tzinfo=UTC)


def _png(cart_badge: bool) -> bytes:
    image = Image.new("RGB", (320, 200), (250, 250, 252))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 319, 30), fill=(40, 60, 120))
    draw.rectangle((20, 60, 300, 90), fill=(225, 228, 235))
    if cart_badge:
        draw.rectangle((250, 6, 300, 24), fill=(240, 180, 40))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _snapshot_store(home) -> None:
    page = "# Corner Shop\n\n[Cart (0)](/cart)\n\n## Blue mug\n\n12.00 €\n\nAdd to cart\n"
    actions = [
        Action(id="L1", description="Cart (0)", role="link"),
        Action(id="B1", description="Add to cart", role="button"),
    ]
    after = page.replace("Cart (0)", "Cart (1)").replace("Add to cart", "Remove Blue mug")
    after_actions = [
        Action(id="L1", description="Cart (1)", role="link"),
        Action(id="B1", description="Remove Blue mug", role="button"),
        Action(id="B2", description="Checkout", role="button"),
    ]
    with Store() as store:
        store.record_session(Session(id="snap01", url="http://shop.test/", created_at=T0))
        for n, (md, acts, badge, request) in enumerate(
            [
                (page, actions, False, StepRequest(type="goto", url="http://shop.test/")),
                (after, after_actions, True, StepRequest(id="B1")),
            ]
        ):
            at = T0 + timedelta(seconds=n)
            obs = Observation(
                metadata=PageMeta(url="http://shop.test/", title="Corner Shop", timestamp=at),
                actions=acts,
                markdown=md,
                screenshot=_png(badge),
            )
            result = StepResult(
                request=request, observation=obs, started_at=at, ended_at=at, duration_ms=40
            )
            store.record_step("local", "snap01", result)


def test_changes_view_snapshot(snap_compare, stepdeck_home):
    _snapshot_store(stepdeck_home)

    async def run_before(pilot) -> None:
        await settle(pilot)
        tab = await _timeline_of(pilot, session_key("local", "snap01"))
        tab.query_one("#timeline-table").focus()
        await pilot.press("c")
        await settle(pilot)
        for area in pilot.app.query(TextArea):
            area.cursor_blink = False
        await pilot.pause()

    app = StepdeckApp([], images="halfcell", store=Store(), clock=lambda: T0)
    assert snap_compare(app, terminal_size=(120, 36), run_before=run_before)
