"""The page as agents and people see it: markdown, hostile text, the demo site."""

from __future__ import annotations

import pytest

from tests.engine.conftest import find, open_page
from tui.model import StepRequest

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_hostile_text_is_kept_as_data(provider, pages_server):
    _sid, obs = await open_page(provider, f"{pages_server}/hostile.html")
    assert obs.metadata.title.startswith("[bold]Hostile[/] [link=http://x]title[/link] ")
    # control characters (ESC of ANSI codes) never leave the engine; the rest is plain text
    assert obs.metadata.title.endswith("[31mred")
    assert "\x1b" not in obs.markdown and "Escape codes: [31mred[0m" in obs.markdown
    assert "# [bold red]Not markup[/]" in obs.markdown
    assert "[link=http://evil.test]click[/link] and [/] alone" in obs.markdown
    assert find(obs, "[b]Buy[/b]").id == "B1"
    assert find(obs, "[italic]link text[/italic]").id == "L1"


async def test_big_page_action_space(provider, pages_server):
    _sid, obs = await open_page(provider, f"{pages_server}/big?n=400")
    counts = {p: sum(a.id.startswith(p) for a in obs.actions) for p in "LBI"}
    assert counts == {"L": 400, "B": 200, "I": 100}
    assert obs.actions[-1].id == "L400"
    assert "Paragraph 399 with some words" in obs.markdown


async def test_demo_shop_search(provider, demo_server):
    sid, obs = await open_page(provider, f"{demo_server}/shop")
    search = find(obs, "Search products")
    assert (search.id, search.role) == ("I1", "searchbox")
    assert find(obs, "Sign in").category == "Navigation"
    assert search.category == "Form: search"  # named after its action, /shop/search
    r = await provider.step(sid, StepRequest(id=search.id, value="lamp", enter=True))
    assert "/shop/search?q=lamp" in r.observation.metadata.url


async def test_demo_cart_lives_in_one_session_only(provider, demo_server):
    sid, obs = await open_page(provider, f"{demo_server}/shop/product/airpods-pro")
    r = await provider.step(sid, StepRequest(id=find(obs, "Quantity").id, value="2"))
    r = await provider.step(sid, StepRequest(id=find(r.observation, "Add to cart").id))
    r = await provider.step(sid, StepRequest(type="goto", url=f"{demo_server}/shop"))
    assert find(r.observation, "Cart (2)").role == "link"
    # another session is another browser context: its own cookies, an empty cart
    _other, obs = await open_page(provider, f"{demo_server}/shop")
    assert find(obs, "Cart (0)").role == "link"


async def test_page_markdown_carries_ids_inline_with_values(provider, pages_server):
    sid, obs = await open_page(provider, f"{pages_server}/form.html")
    md = obs.markdown
    # each field where it sits, with its value; the password's value never leaves the page
    assert '[I1 Your name: ""]' in md and '[I3 Password: "••••••"]' in md
    assert "hunter2" not in md
    assert "[B1 Create account]" in md and "[B3 Disabled thing (disabled)]" in md
    assert "Hidden button" not in md and "Invisible text" not in md
    assert md.count("Your name") == 1  # the label is not written beside its field
    r = await provider.step(sid, StepRequest(id="I1", value="Ada"))
    assert '[I1 Your name: "Ada"]' in r.observation.markdown

    sid, obs = await open_page(provider, f"{pages_server}/controls.html")
    assert "[I1 Size: Small ▾]" in obs.markdown
    assert "[B1 ☐ Send me news]" in obs.markdown and "[B2 ☑ Standard shipping]" in obs.markdown
    r = await provider.step(sid, StepRequest(id="I1", value="Large"))
    r = await provider.step(sid, StepRequest(id="B1"))
    assert "[I1 Size: Large ▾]" in r.observation.markdown
    assert "[B1 ☑ Send me news]" in r.observation.markdown
    # the links' and images' targets are in the action space, not in the text
    _sid, obs = await open_page(provider, f"{pages_server}/links.html")
    links = [a for a in obs.actions if a.id.startswith("L")]
    assert links and all(a.href for a in links)
    assert all(f"[{a.id} " in obs.markdown for a in links)
    assert "](" not in obs.markdown


async def test_a_page_read_in_small_slices_is_the_page_read_at_once(
    provider, pages_server, monkeypatch
):
    """Both halves of the walk travel in slices (a big page never arrives as one message);
    cut every few characters, emoji and CJK across the cuts included, or the action space
    described a few actions a batch, nothing changes."""
    from tui.engine import perception

    sid, whole = await open_page(provider, f"{pages_server}/hostile.html")
    page = provider.session_target(sid).page
    await page.evaluate(
        "() => { const p = document.createElement('p');"
        " p.textContent = '😀 café 漢字 '.repeat(40) + '🎉'; document.body.append(p);"
        " for (let i = 0; i < 12; i++) document.body.insertAdjacentHTML('beforeend',"
        " `<button>Knopf ü ${i}</button><input value='wert ${i} 😀' aria-label='Feld ${i}'>`); }"
    )
    whole = await provider.observe(sid, screenshot=False)
    # Each walk asks ahead for as many messages as the page's last one needed (none here):
    # the batches and slices beyond that are asked for once the walk says how many there are.
    # The action space described two actions a batch:
    monkeypatch.setattr(perception, "TAKE_CHUNK", 1)
    batched = await provider.observe(sid, screenshot=False)
    assert len(whole.actions) > 2 * (perception.AHEAD + 1)
    assert batched.markdown == whole.markdown
    assert [a.model_dump() for a in batched.actions] == [a.model_dump() for a in whole.actions]
    # Both answers cut every few characters (the last walk needed none of the HTML's):
    monkeypatch.setattr(perception, "TAKE_CHUNK", 400)
    monkeypatch.setattr(perception, "SLICE", 7)
    sliced = await provider.observe(sid, screenshot=False)
    assert sliced.markdown == whole.markdown
    assert "😀 café 漢字 😀" in sliced.markdown and "🎉" in sliced.markdown
    assert [a.model_dump() for a in sliced.actions] == [a.model_dump() for a in whole.actions]
    # and read whole again, after a walk that needed many more
    monkeypatch.setattr(perception, "SLICE", 1 << 19)
    again = await provider.observe(sid, screenshot=False)
    assert again.markdown == whole.markdown
    assert [a.model_dump() for a in again.actions] == [a.model_dump() for a in whole.actions]


@pytest.mark.parametrize("many_rules", [False, True], ids=["few-rules", "many-rules"])
async def test_hidden_text_never_reaches_the_markdown(provider, pages_server, many_rules):
    """Hidden by class, attribute, inline style, script, media and nested rules, closed dialog,
    popover, video fallback, a visibility rule: none of it is in the markdown, nor its button
    in the action space; the visible text around it is. Folded content (closed details,
    content-visibility) is text to read, but its buttons cannot be pressed: no ids. With many hiding rules the walk checks every element
    instead of the few the rules name: the same page reads the same."""
    sid, obs = await open_page(provider, f"{pages_server}/hidden.html")
    if many_rules:
        page = provider.session_target(sid).page
        await page.evaluate(
            "() => { const s = document.createElement('style'); s.textContent ="
            " Array.from({length: 80}, (_, i) => `.r${i} { display: none }`).join('\\n');"
            " document.head.append(s); }"
        )
        obs = await provider.observe(sid, screenshot=False)
    md = obs.markdown
    for shown in (
        "Shown heading",
        "Shown text one",
        "Shown nested sibling",
        "Shown summary",
        "Shown ghost text",
        "Shown text two",
    ):
        assert shown in md, (shown, md)
    assert "Hidden" not in md, md
    assert "Kept invisible text" not in md  # its own style hides it
    assert [a.description for a in obs.actions] == ["Shown summary"]


async def test_a_mostly_english_page_keeps_its_few_other_characters_exactly(provider, pages_server):
    """A page of ASCII but for a few characters travels as ASCII (entities and escapes); what
    it says comes out unchanged: curly quotes, an emoji, accents, in text, names and values;
    page text that spells an entity stays that text, and marks in it forge no id."""
    sid, _ = await open_page(provider, f"{pages_server}/form.html")
    page = provider.session_target(sid).page
    await page.evaluate(
        """() => {
        const p = document.createElement('p');
        p.textContent = 'plain words '.repeat(3000) + 'It’s “quoted” 😀 crème brûlée &#8217; '
            + '\\u0001L1\\u0002 forged';
        const b = document.createElement('button');
        b.textContent = 'Café ☕ “Deluxe”';
        const s = document.createElement('select');
        s.innerHTML = '<option>Crème brûlée</option><option>Plain</option>';
        document.body.append(p, b, s);
    }"""
    )
    obs = await provider.observe(sid, screenshot=False)
    assert "It’s “quoted” 😀 crème brûlée &#8217; L1 forged" in obs.markdown
    assert "[L1]" not in obs.markdown
    button = find(obs, "Café ☕ “Deluxe”")
    assert f"[{button.id} Café ☕ “Deluxe”]" in obs.markdown
    dropdown = next(a for a in obs.actions if a.field == "dropdown")
    assert dropdown.value == "Crème brûlée"
    assert ": Crème brûlée ▾]" in obs.markdown


async def test_selectors_beyond_an_id_are_written_on_demand_and_find_their_element(
    provider, pages_server
):
    """The action space carries the cheap selectors (`#id`); the rest are written when a
    client asks (ThinkRun's snapshot), and each finds its own element."""
    sid, obs = await open_page(provider, f"{pages_server}/form.html")
    sess = provider.session_target(sid)
    assert find(obs, "Your name").selector == "#name"
    await sess.page.evaluate(
        "() => document.body.insertAdjacentHTML('beforeend', '<ul>'"
        " + '<li><a href=\"#x\">row</a> <button>go</button></li>'.repeat(30) + '</ul>')"
    )
    obs = await provider.observe(sid, screenshot=False)
    assert all(a.selector.startswith("#") for a in obs.actions if a.selector)
    missing = [a for a in obs.actions if not a.selector]
    assert len(missing) >= 60
    await sess.fill_selectors(obs.actions)
    assert all(a.selector for a in obs.actions)
    page = sess.page
    for action in missing[::7]:
        # the element the selector finds is the one the id steps
        same = await page.evaluate(
            "([sel, id]) => document.querySelector(sel) === window.__stepdeck.byId.get(id)",
            [action.selector, action.id],
        )
        assert same, (action.id, action.selector)


async def test_boxes_are_given_for_elements_in_view_only(provider, pages_server):
    """The screenshot's marks need a box for what is on it; one far below has none."""
    _sid, obs = await open_page(provider, f"{pages_server}/big?n=400")
    first, last = obs.actions[0], obs.actions[-1]
    assert first.box and first.box[2] > 0 and first.box[3] > 0
    assert last.box is None


async def test_every_link_address_is_the_one_the_browser_resolves(provider, pages_server):
    """Plain addresses are taken as written (resolving 2,500 links costs a big page ~6 ms);
    each one is still exactly what the browser itself makes of it."""
    hrefs = [
        "/a/b?c=d#e",
        "/",
        "/x/./y",
        "/x/%2E%2E/y",
        "/a b",
        "/ü",
        "//other.test/p",
        "rel/x",
        "?q=1",
        "#top",
        "../up",
        "http://127.0.0.1:8080/p",
        "http://127.0.0.1:80/p",
        "https://Example.COM/p",
        "https://example.com",
        "https://example.com/a'b?c'd",
        "http://127.1/p",
        "http://0x7f.0.0.1/p",
        "http://1.2.3.04/p",
        "https://ex.test:0443/p",
        "https://ex.test:443/p",
        "https://ex.test:99999/p",
        "http://a..b/p",
        "http://ex.test./p",
        "https://xn--nxasmq6b.test/p",
        "https://ex.test/a\\b",
        "https://ex.test/%zz/%41",
        " /padded ",
        "javascript:void(0)",
        "mailto:a@b.test",
        "https://u:p@ex.test/p",
        "http://[::1]/p",
        "https://ex.test/a|b^c`d{e}",
        '/q?x="y"<z>',
    ]
    sid, _ = await open_page(provider, f"{pages_server}/form.html")
    page = provider.session_target(sid).page
    await page.evaluate(
        """(hrefs) => { for (const h of hrefs) {
            const a = document.createElement('a'); a.setAttribute('href', h);
            a.textContent = 'to ' + h; document.body.append(a, ' '); } }""",
        hrefs,
    )
    obs = await provider.observe(sid, screenshot=False)
    links = [a for a in obs.actions if a.description.startswith("to ")]
    assert len(links) == len(hrefs)
    resolved = await page.evaluate(
        "(ids) => ids.map((id) => window.__stepdeck.byId.get(id).href)", [a.id for a in links]
    )
    assert [a.href for a in links] == resolved


async def test_half_an_emoji_in_a_page_reads_as_a_replacement_character(provider, pages_server):
    """A lone surrogate (half an emoji, as a careless page cuts one) in the title, text, a
    name or a value: the page reads as a browser draws it (U+FFFD), the observation is valid
    JSON for every client, and text that merely spells an escape stays that text."""
    sid, _ = await open_page(provider, f"{pages_server}/form.html")
    page = provider.session_target(sid).page
    await page.evaluate(
        r"""() => {
        document.title = 'Half \ud83d title';
        const p = document.createElement('p');
        p.textContent = 'Half \ude00 text and the words \\ud800 as typed';
        const b = document.createElement('button');
        b.textContent = 'Half \ud83d button';
        document.body.append(p, b);
        document.getElementById('name').value = 'half \udc00 value';
    }"""
    )
    obs = await provider.observe(sid, screenshot=False)
    assert obs.metadata.title == "Half \ufffd title"
    assert "Half \ufffd text and the words \\ud800 as typed" in obs.markdown
    assert find(obs, "Half \ufffd button")
    assert find(obs, "Your name").value == "half \ufffd value"
    assert '[I1 Your name: "half \ufffd value"]' in obs.markdown
    obs.model_dump_json()  # no surrogate left to refuse


async def test_web_components_and_delegated_clicks_are_on_the_page(provider, pages_server):
    # A card in an open shadow root was in the action space but not on the page (the
    # markdown never went into shadow trees); a field after a div "button" was named with
    # that button's words; an icon-only button read "[M3 ]".
    sid, obs = await open_page(provider, f"{pages_server}/components.html")
    md = obs.markdown
    shadow_button, field, link = (
        find(obs, "Shadow button"),
        find(obs, "Shadow field"),
        find(obs, "Shadow link"),
    )
    assert "Card in a shadow root" in md and "Hidden shadow words" not in md
    assert f"[{shadow_button.id} Shadow button]" in md and f"[{link.id} Shadow link]" in md
    assert f'[{field.id} Shadow field: ""]' in md
    # A slot takes the host's children where it stands; an empty one shows its own words.
    slotted = find(obs, "Slotted button")
    assert f"Before the slot **Slotted words** [{slotted.id} Slotted button] after it" in md
    assert "Fallback words" in md
    # Named by an icon's title, else by its test hook; never an empty inline id.
    remove, share = find(obs, "Remove item"), find(obs, "share button")
    assert f"[{remove.id} Remove item]" in md and f"[{share.id} share button]" in md
    assert " ]" not in md
    unnamed = next(a for a in obs.actions if a.id.startswith("M") and not a.description)
    assert f"[{unnamed.id}]" in md
    # A listbox the page names keeps its name beside its id; its options follow it.
    size = find(obs, "Size")
    assert f"[{size.id} Size]\n\n[{find(obs, 'Small').id} Small]" in md
    # A wrapper with a click listener and more words than a description shows: its id,
    # then its words (it was one inline id cut at 120 characters, the rest lost).
    inbox = next(a for a in obs.actions if a.description.startswith("Inbox You have three"))
    assert f"[{inbox.id}]\n\n## Inbox\n\nYou have three messages." in md
    assert "- Your invoice 42\n- Welcome aboard" in md
    # Another site's frame cannot be read: the page says it is there.
    host = pages_server.split("//")[1].replace("127.0.0.1", "localhost")
    assert f"(a frame from {host}: another site's, not read)" in md
    editor = next(a for a in obs.actions if a.value == "Write here")
    assert editor.description == "text area"  # not "Publish", the div button's words before it
    # They all step.
    for action, said in [(shadow_button, "shadow clicked"), (slotted, "slotted clicked")]:
        result = await provider.step(sid, StepRequest(id=action.id))
        assert result.success and said in result.observation.markdown
    result = await provider.step(sid, StepRequest(id=field.id, value="hi"))
    assert "shadow typed hi" in result.observation.markdown
    result = await provider.step(sid, StepRequest(id=find(obs, "Save draft").id))
    assert "did save" in result.observation.markdown
    result = await provider.step(sid, StepRequest(id=remove.id))
    assert "did remove" in result.observation.markdown


async def test_widgets_without_semantics_are_actions_named_as_they_read(provider, pages_server):
    # div and span "buttons" with listeners only; a card whose heading and paragraph
    # textContent ran together ("Clickable cardopens the…", with its script's source).
    sid, obs = await open_page(provider, f"{pages_server}/nosemantics.html")
    card = find(obs, "Clickable card opens the whole story")
    find(obs, "Open Close")  # a list's items, not "OpenClose"
    # A click handler around links (a book's sidebar): its id, then the links it holds,
    # not one inline id whose label ran its 111 chapters together.
    toc = find(obs, "Chapter one Chapter two")
    one, two = find(obs, "Chapter one"), find(obs, "Chapter two")
    assert f"[{toc.id}]" in obs.markdown
    assert f"[{one.id} Chapter one]" in obs.markdown and f"[{two.id} Chapter two]" in obs.markdown
    assert obs.markdown.index(f"[{toc.id}]") < obs.markdown.index(f"[{one.id} Chapter one]")
    assert f"[{card.id} Clickable card opens the whole story]" in obs.markdown  # holds none
    # Radios that read the same are named with their group; the others as they read.
    for group in ("Theme", "Preferred dark theme"):
        for choice in ("light", "dark"):
            find(obs, f"{group}: {choice}")
    find(obs, "Small"), find(obs, "Large")
    # A search that reads keyup (mdbook's): filling it is typing it, to the page too.
    search = find(obs, "Search the book")
    result = await provider.step(sid, StepRequest(id=search.id, value="ownership"))
    assert "hits for ownership" in result.observation.markdown
    # A field the page draws anew as it is typed into (a framework's re-render) keeps it.
    result = await provider.step(sid, StepRequest(id=find(obs, "Redrawn as typed").id, value="x"))
    assert result.success and "redrawn x" in result.observation.markdown
    result = await provider.step(sid, StepRequest(id=find(obs, "Save draft").id))
    assert result.success and "saved" in result.observation.markdown
    result = await provider.step(sid, StepRequest(id=card.id))
    assert "card opened" in result.observation.markdown
    # One that leaves the page as it is typed into: the keyup has no page left to go to,
    # and the fill that worked is no failed step (it was, with the keyup's error).
    result = await provider.step(sid, StepRequest(id=find(obs, "Jump to page").id, value="2"))
    assert result.success and result.observation.metadata.url.endswith("/links.html")
