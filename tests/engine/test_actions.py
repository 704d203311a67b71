"""Every element action kind: click, fill (+Enter), select, check/uncheck, auto."""

from __future__ import annotations

import pytest

from tests.engine.conftest import find, open_page
from tui.errors import ActionNotFound, InvalidRequest, StepTimeout
from tui.model import StepRequest

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_fill_with_enter(provider, pages_server):
    sid, obs = await open_page(provider, f"{pages_server}/form.html")
    name = find(obs, "Your name")
    r = await provider.step(sid, StepRequest(type="fill", id=name.id, value="Grace", enter=True))
    assert r.observation.metadata.title == "Entered Grace"
    assert "pressed Enter" in r.message


async def test_fill_textarea_and_auto_fill(provider, pages_server):
    sid, obs = await open_page(provider, f"{pages_server}/form.html")
    bio = find(obs, "About you")
    r = await provider.step(sid, StepRequest(id=bio.id, value="Likes compilers"))
    assert r.observation.action(bio.id).value == "Likes compilers"


async def test_click_updates_the_page(provider, pages_server):
    sid, obs = await open_page(provider, f"{pages_server}/form.html")
    button = find(obs, "Click me")
    r = await provider.step(sid, StepRequest(type="click", id=button.id))
    assert "Clicked 1 times" in r.observation.markdown
    r = await provider.step(sid, StepRequest(id=button.id))
    assert "Clicked 2 times" in r.observation.markdown


async def test_select_by_label_value_and_auto(provider, pages_server):
    sid, obs = await open_page(provider, f"{pages_server}/controls.html")
    size = find(obs, "Size")
    assert size.params[0].values == ["Small", "Medium", "Large"]
    r = await provider.step(sid, StepRequest(type="select", id=size.id, value="Large"))
    assert "size=l" in r.observation.markdown
    assert r.observation.action(size.id).value == "Large"
    r = await provider.step(sid, StepRequest(type="select", id=size.id, value="m"))
    assert "size=m" in r.observation.markdown
    r = await provider.step(sid, StepRequest(id=size.id, value="small"))
    assert "size=s" in r.observation.markdown


async def test_select_unknown_option_lists_options(provider, pages_server):
    sid, obs = await open_page(provider, f"{pages_server}/controls.html")
    size = find(obs, "Size")
    with pytest.raises(InvalidRequest) as err:
        await provider.step(sid, StepRequest(type="select", id=size.id, value="Huge"))
    assert "Small, Medium, Large" in err.value.hint


async def test_check_and_uncheck(provider, pages_server):
    sid, obs = await open_page(provider, f"{pages_server}/controls.html")
    news = find(obs, "Send me news")
    fast = find(obs, "Fast shipping")
    dark = find(obs, "Dark mode")
    assert news.checked is False and dark.checked is False
    r = await provider.step(sid, StepRequest(type="check", id=news.id))
    assert r.observation.action(news.id).checked is True
    r = await provider.step(sid, StepRequest(type="check", id=news.id))  # idempotent
    assert r.observation.action(news.id).checked is True
    r = await provider.step(sid, StepRequest(type="uncheck", id=news.id))
    assert r.observation.action(news.id).checked is False
    r = await provider.step(sid, StepRequest(type="check", id=fast.id))
    assert r.observation.action(fast.id).checked is True
    assert find(r.observation, "Standard shipping").checked is False
    r = await provider.step(sid, StepRequest(type="check", id=dark.id))
    assert r.observation.action(dark.id).checked is True


async def test_options_and_other_clickables(provider, pages_server):
    sid, obs = await open_page(provider, f"{pages_server}/links.html")
    red = find(obs, "Red")
    assert red.id.startswith("O")
    r = await provider.step(sid, StepRequest(id=red.id))
    assert r.observation.metadata.title == "Picked red"
    div = find(r.observation, "Clickable div")
    assert div.id.startswith("M")
    r = await provider.step(sid, StepRequest(id=div.id))
    assert r.observation.metadata.title == "Div clicked"
    assert find(r.observation, "A tiny picture").id.startswith("F")


async def test_wrong_kind_of_element(provider, pages_server):
    sid, obs = await open_page(provider, f"{pages_server}/controls.html")
    search = find(obs, "Search the site")
    news = find(obs, "Send me news")
    with pytest.raises(InvalidRequest, match="not an input"):
        await provider.step(sid, StepRequest(type="fill", id=news.id, value="x"))
    with pytest.raises(InvalidRequest, match="not a checkbox"):
        await provider.step(sid, StepRequest(type="check", id=search.id))
    with pytest.raises(InvalidRequest, match="not a select"):
        await provider.step(sid, StepRequest(type="select", id=news.id, value="x"))
    with pytest.raises(InvalidRequest, match="needs an action id"):
        await provider.step(sid, StepRequest(type="click"))


async def test_disabled_button_times_out_and_session_survives(provider, pages_server):
    sid, obs = await open_page(provider, f"{pages_server}/form.html")
    disabled = find(obs, "Disabled thing (disabled)")
    with pytest.raises(StepTimeout) as err:
        await provider.step(sid, StepRequest(id=disabled.id))
    assert "disabled" in err.value.message
    r = await provider.step(sid, StepRequest(id=find(obs, "Click me").id))
    assert r.success


async def test_a_click_on_something_covered_names_what_covers_it(provider, pages_server):
    # A cookie banner over the page: the click timed out with "it may be covered, disabled
    # or off screen"; it says what covers it and which of its ids may close it.
    sid, obs = await open_page(provider, f"{pages_server}/overlay.html")
    with pytest.raises(StepTimeout) as err:
        await provider.step(sid, StepRequest(id=find(obs, "Buy now").id))
    accept = find(obs, "Accept all")
    assert 'something covers it ("We use cookies. Accept all")' in err.value.message
    assert f"{accept.id} (button: Accept all)" in err.value.hint
    await provider.step(sid, StepRequest(id=accept.id))
    r = await provider.step(sid, StepRequest(id=find(obs, "Buy now").id))
    assert r.success and r.observation.metadata.title == "bought"


async def test_an_id_keeps_meaning_what_the_person_saw(provider, pages_server):
    sid, obs = await open_page(provider, f"{pages_server}/form.html")
    assert find(obs, "Create account").id == "B1"
    page = provider.session_target(sid).page
    await page.evaluate("document.body.insertAdjacentHTML('afterbegin', '<button>New</button>')")
    # B1 still means the button that was shown as B1, not the one inserted before it
    r = await provider.step(sid, StepRequest(id="B1"))
    assert "Create account" in r.message


async def test_a_removed_element_is_looked_up_again(provider, pages_server):
    sid, obs = await open_page(provider, f"{pages_server}/form.html")
    last = find(obs, "Disabled thing (disabled)")
    page = provider.session_target(sid).page
    await page.evaluate("document.querySelector('button[disabled]').remove()")
    with pytest.raises(ActionNotFound) as err:
        await provider.step(sid, StepRequest(id=last.id))
    assert last.id not in err.value.known


async def test_same_origin_frames_are_part_of_the_page(provider, pages_server):
    sid, _ = await open_page(provider, f"{pages_server}/frames.html")
    page = provider.session_target(sid).page
    await page.wait_for_load_state("load")  # the frame's document arrives after the page's
    obs = await provider.observe(sid, screenshot=False)
    field = find(obs, "Inner field")
    button = find(obs, "Inner button")
    assert field.category == "Frame"
    # ids inline, where the frame sits (at the end of the page's text)
    assert obs.markdown.endswith('[I1 Inner field: ""] [B2 Inner button]'), obs.markdown
    r = await provider.step(sid, StepRequest(id=field.id, value="hi"))
    r = await provider.step(sid, StepRequest(id=button.id))
    assert r.observation.metadata.title == "inner hi"
    # the selector works with Playwright's own locators
    assert await page.locator(field.selector).input_value() == "hi"
