"""What a page looks like to agents and people: action space, metadata, markdown.

`perceive(page)` runs the one in-page walk of `perception.js` and returns a
`Perceived`; `to_markdown(html, base_url, mark)` turns the walk's HTML (written by the
walk with hidden elements left out and inline ids in, `mark=WALKED`; or any HTML with
hidden elements and inline ids marked) into compact markdown with html-to-markdown (Rust),
every interactive element written where it sits as its id: `[B2 Add to cart]`,
`[I1 Search: "kindle"]`, `[I4 Country: France ▾]`, `[B5 ☑ Remember me]`. Markdown
conversion is CPU work: callers run it off the event loop (`asyncio.to_thread`).
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import secrets
import weakref
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page
from playwright.async_api import TimeoutError as PlaywrightTimeout
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter
from selectolax.lexbor import LexborHTMLParser

from tui.model import Action, PageMeta, Viewport
from tui.offload import off_loop
from tui.text import well_formed

# C0 controls but tab and newline, DEL and the C1 controls (U+0080-U+009F: U+009B is a CSI):
# an escape in page text must never reach a terminal.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def strip_controls(text: str) -> str:
    """Page text without control characters (an escape must never reach a terminal), well
    formed."""
    return well_formed(_CONTROL.sub("", text)) if text else text


_INCLUDE = re.compile(r"^ *// @include (\S+)$", re.M)


@cache
def walk_script() -> str:
    """The walk's function: perception.js with the parts it includes (one closure, kept in
    files by topic: perception_names.js, perception_html.js)."""
    here = Path(__file__).parent
    main = (here / "perception.js").read_text()
    return _INCLUDE.sub(lambda m: (here / m[1]).read_text(), main)


@cache
def init_script() -> str:
    """Added to every context (before page scripts): records click listeners for the walk."""
    return (Path(__file__).with_name("perception_init.js")).read_text()


@dataclass
class Perceived:
    """The raw result of one walk."""

    title: str
    url: str
    viewport: Viewport
    actions: list[Action]
    html: str | None = None
    mark: str = ""  # how `html` carries inline ids (`WALKED`, see `to_markdown`)
    meta_json: str = ""  # the walk's JSON: `raw` reads it again only when a step needs it
    action_json: list[str] = field(default_factory=list)  # or its actions, in chunks
    # a split walk's inline ids' labels, where they are more than the id and the description
    labels: dict[str, str] = field(default_factory=dict)
    _raw: dict[str, dict[str, Any]] | None = field(default=None, repr=False)

    @property
    def raw(self) -> dict[str, dict[str, Any]]:
        """id -> what the walk saw of that element (kind, type, options, frame, ...)."""
        if self._raw is None:
            if self.action_json:  # a split walk's
                items = [i for chunk in self.action_json for i in json.loads(chunk)]
            else:
                items = json.loads(self.meta_json).get("actions") or [] if self.meta_json else []
            for i in items:
                i["kind"] = i["id"][:1]  # the id's letter
            self._raw = {i["id"]: i for i in items}
        return self._raw

    def meta(self) -> PageMeta:
        return PageMeta(title=self.title, url=self.url, viewport=self.viewport)


class _Walk(BaseModel):
    """The walk's JSON, validated in one go (its actions are already shaped as `Action`)."""

    model_config = ConfigDict(extra="ignore")

    title: str = ""
    url: str = ""
    viewport: Viewport = Field(default_factory=Viewport)
    actions: list[Action] = Field(default_factory=list)


def parse_walk(text: str, mark: str = "") -> Perceived:
    """The walk's answer: JSON, then (when asked for) a NUL and the page's HTML."""
    meta, sep, html = text.partition("\x00")
    data = _Walk.model_validate_json(meta)
    return Perceived(
        title=strip_controls(data.title),
        url=data.url,
        viewport=data.viewport,
        actions=data.actions,
        html=html if sep else None,
        mark=mark,
        meta_json=meta,
    )


async def walk(page: Page, *, html: bool = True, mark: str = "") -> str:
    """The walk's raw answer (parse it with `parse_walk`, or `perceive_text` off the loop);
    with `mark` (`WALKED`), the HTML carries each element's inline id."""
    return await page.evaluate(walk_script(), {"html": html, "mark": bool(mark)})


# A split walk answers in two calls. `walk_html`: the page's HTML, each action's inline id
# written in without its label, so markdown conversion starts at once. `take_walk`: the action
# space, described by the page in batches of 2 * TAKE_CHUNK actions, one message each, so it
# describes a batch while the one before travels: typed pieces split by NULs (JSON.stringify
# never writes a raw one), "m" the page's JSON (no actions), "l" a batch's inline-id labels,
# "a" a JSON array of TAKE_CHUNK actions. Validating one chunk at a time keeps each
# GIL-holding call short, so a big page never holds a server's event loop (one call for
# 5,000 actions: ~80-130 ms).
TAKE_CHUNK = 400
# Both answers come back in slices of at most SLICE UTF-16 units, one message each: Playwright
# parses every message on the event loop, and one of 1-2 MB held a server's loop for tens of
# ms (hundreds under load). Nothing waits for a round trip: the walk, its slices, the action
# space and its messages are asked for at once, as many ahead as the page's last walk needed
# (AHEAD for a page not walked yet), the rest as soon as the walk's first answer says how many
# there are; the page serves them in the order asked ("" past an answer's end). A small page
# needs none: asked for anyway, they were 6 of its 8 calls.
SLICE = 1 << 19
AHEAD = 3
_NEEDED: weakref.WeakKeyDictionary[Page, dict[str, int]] = weakref.WeakKeyDictionary()
PART_JS = (
    "([which, i]) => { const s = window.__stepdeck; return s && s.part ? s.part(which, i) : null; }"
)
TAKE_JS = "(chunk) => { const s = window.__stepdeck; return s && s.take ? s.take(chunk) : null; }"
_ACTIONS = TypeAdapter(list[Action])
_LABELS = TypeAdapter(dict[str, str])


class DocumentChanged(PlaywrightError):
    """A new document arrived while a walk's answer was read (the walk's retry reads it)."""

    def __init__(self) -> None:
        super().__init__("Execution context was destroyed: a new document while reading")


def _settle(futures: list[asyncio.Future[Any]]) -> None:
    """Let futures nobody awaits end on their own, their errors read (a slice asked ahead
    that was not needed, an answer the document's change made moot)."""
    for future in futures:
        if future.done():
            if not future.cancelled():
                future.exception()
        else:
            future.add_done_callback(lambda f: f.cancelled() or f.exception())


def _ask_ahead(page: Page, which: str) -> list[asyncio.Future[str | None]]:
    """The messages of answer `which` after its first, as many as the page's last walk's."""
    n = _NEEDED.get(page, {}).get(which, AHEAD)
    return [asyncio.ensure_future(page.evaluate(PART_JS, [which, i])) for i in range(1, n + 1)]


def _needed(page: Page, which: str, more: int) -> None:
    """Answer `which` of this walk came in `more` messages after its first."""
    _NEEDED.setdefault(page, {})[which] = more


async def _slices(
    page: Page, which: str, head: str, ahead: list[asyncio.Future[str | None]]
) -> AsyncIterator[str]:
    """A sliced answer's text, slice by slice, given its first message (count, NUL, first
    slice) and the slices asked ahead; raises DocumentChanged."""
    count, _, text = head.partition("\x00")
    total = int(count)
    _needed(page, which, total - 1)
    more = [
        asyncio.ensure_future(page.evaluate(PART_JS, [which, i]))
        for i in range(len(ahead) + 1, total)
    ]
    try:
        yield text
        for part in [*ahead, *more][: total - 1]:
            text = await part
            if not text:  # None: the page's state is gone; "": not this walk's
                raise DocumentChanged
            yield text
    finally:
        _settle([*ahead, *more])


async def walk_html(page: Page) -> tuple[str, asyncio.Future[Perceived | None]]:
    """First half of a split walk: (the walk's HTML for `markdown_of_walk`, the second half:
    `take_walk`, already asked for)."""
    first = asyncio.ensure_future(
        page.evaluate(walk_script(), {"html": True, "split": True, "mark": True, "slice": SLICE})
    )
    ahead = _ask_ahead(page, "html")
    actions: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    take = asyncio.ensure_future(take_walk(page, actions))  # asked right after the HTML's slices
    try:
        text = await first
        _url, _, rest = text.partition("\x00")
        count, _, head = rest.partition("\x00")
        actions.set_result(int(count))
        html = "".join([s async for s in _slices(page, "html", head, ahead)])
    except BaseException:
        _settle([first, *ahead])
        take.cancel()
        _settle([take])
        raise
    return html, take


async def take_walk(page: Page, actions: asyncio.Future[int] | None = None) -> Perceived | None:
    """Second half of a split walk: its action space, described by the page a batch at a time
    while the last batch travels, each chunk validated as soon as it has arrived (None: the
    document changed). `actions`: how many there are, once the first half knows (then every
    batch is asked for ahead; else as many as the page's last walk needed, then one at a
    time)."""
    first = asyncio.ensure_future(page.evaluate(TAKE_JS, TAKE_CHUNK))
    ahead = deque(_ask_ahead(page, "take"))

    read = False  # the whole answer: nothing more to ask for

    def ask_all(count: asyncio.Future[int]) -> None:
        if read or count.cancelled() or count.exception() is not None:
            return
        batches = -(-count.result() // (2 * TAKE_CHUNK))  # the first comes with `take`
        for _ in range(batches - 1 - len(ahead)):
            ahead.append(asyncio.ensure_future(page.evaluate(PART_JS, ["take", 0])))

    if actions is not None:
        actions.add_done_callback(ask_all)
    head = ""
    labels: dict[str, str] = {}
    chunks: list[str] = []
    described: list[Action] = []

    # Messages asked ahead are often here already, and awaiting a finished future does not
    # yield: a big page's chunks were validated back to back, holding every other request
    # for all of them (~80-130 ms). A chunk after another in the same turn of the loop waits
    # for the next turn (a small page, one chunk, never waits).
    in_turn = 0  # chunks validated since the loop last turned

    async def settle(piece: str) -> None:
        nonlocal head, in_turn
        kind, text = piece[:1], piece[1:]
        if kind == "a" and in_turn:
            await asyncio.sleep(0)
            in_turn = 0
        in_turn += kind == "a"
        if kind == "a":
            chunks.append(text)
            # Validated here, as it arrives, while the page describes the next batch: ~1-2 ms
            # a chunk. A worker thread would hold the GIL as long, and each hand-off to one
            # waits for a core on a busy machine (5,000-element page: 4-8 % slower observes).
            described.extend(_ACTIONS.validate_json(text))
        elif kind == "l":
            labels.update(_LABELS.validate_json(text))
        elif kind == "m":
            head = text

    try:
        message = await first
        tail = ""
        more = 0  # messages after the first
        while True:
            # "+": more follow, ".": the last; None or "": the page's state is gone
            if not message or message[0] not in "+.":
                return None
            *whole, tail = (tail + message[1:]).split("\x00")
            for piece in whole:
                await settle(piece)
            if message[0] == ".":
                await settle(tail)
                _needed(page, "take", more)
                break
            if not ahead:  # a batch longer than a slice, or no count: one more
                ahead.append(asyncio.ensure_future(page.evaluate(PART_JS, ["take", 0])))
            following = ahead.popleft()
            if not following.done():
                in_turn = 0  # awaiting it lets the loop turn
            message = await following
            more += 1
    finally:
        read = True
        _settle([first, *ahead])
    data = _Walk.model_validate_json(head)
    return Perceived(
        title=strip_controls(data.title),
        url=data.url,
        viewport=data.viewport,
        actions=described,
        action_json=chunks,
        labels=labels,
    )


# the ids go as one string too (a list of 8,000 is encoded value by value)
SELECTORS_JS = (
    "(ids) => { const s = window.__stepdeck;"
    " return s && s.selectors ? s.selectors(ids ? ids.split('\\u0000') : []) : null; }"
)


_SELECTORS = TypeAdapter(list[str | None])


async def selectors_of(page: Page, ids: list[str]) -> list[str | None]:
    """CSS selectors of the last walk's elements `ids` (the action space leaves out all but
    the cheap ones); None for one no longer on the page, all None before any walk."""
    found = await page.evaluate(SELECTORS_JS, "\x00".join(ids))
    if not isinstance(found, str):
        return [None] * len(ids)
    return await off_loop(_SELECTORS.validate_json, found, size=len(found))


async def perceive(page: Page, *, html: bool = True) -> Perceived:
    """Walk the page once; `html=False` skips serializing the document."""
    mark = WALKED if html else ""
    return parse_walk(await walk(page, html=html, mark=mark), mark)


def perceive_text(text: str, mark: str = "") -> tuple[Perceived, str]:
    """Parse a walk and convert its HTML to markdown: CPU work for a worker thread."""
    perceived = parse_walk(text, mark)
    markdown = to_markdown(perceived.html or "", perceived.url, mark)
    perceived.html = None  # the markdown keeps what matters; don't hold a MB of HTML
    return perceived, markdown


# --- the screenshot -----------------------------------------------------------------------

# One CDP session per page, opened on its first screenshot (None: not Chromium, use Playwright's).
_CDP: weakref.WeakKeyDictionary[Page, Any] = weakref.WeakKeyDictionary()
_SHOT = {"format": "png", "optimizeForSpeed": True}
# Whether an input matches the secret-field selectors (inputs only: the rules name no other tag).
_HAS_SECRET_FIELD = (
    "(sel) => { for (const el of document.getElementsByTagName('input'))"
    " if (el.matches(sel)) return true; return false; }"
)


async def _has_secret_field(page: Page, secret_css: str) -> bool:
    try:
        return bool(await page.evaluate(_HAS_SECRET_FIELD, secret_css.split("{", 1)[0].strip()))
    except PlaywrightError:  # a navigation in flight: Playwright's way copes with it
        return True


async def capture_png(page: Page, timeout_ms: float, secret_css: str = "") -> bytes:
    """The viewport as a PNG, in one call to Chromium (`Page.captureScreenshot`) when it can.

    `page.screenshot` first runs scripts in every frame (to hide the caret and apply its
    `style`: a change that restyles a big page), waits for fonts and reads the layout, then
    undoes it all: ~40% of its time on a 5,000-element page. Here the caret shows as it is and
    the PNG is encoded for speed (a little larger). `secret_css` (`input[...] {...}` rules that
    draw secret fields as dots) needs Playwright's `style`: a page that holds such a field, or
    any frame (a card form is often a cross-origin frame), goes that way. Raises Playwright's
    errors, a timeout included.
    """
    if secret_css and (len(page.frames) > 1 or await _has_secret_field(page, secret_css)):
        return await page.screenshot(type="png", timeout=timeout_ms, style=secret_css)
    if page not in _CDP:
        try:
            _CDP[page] = await page.context.new_cdp_session(page)
        except PlaywrightError:
            _CDP[page] = None
    session = _CDP[page]
    if session is None:
        return await page.screenshot(type="png", timeout=timeout_ms, style=secret_css or None)
    try:
        reply = await asyncio.wait_for(
            session.send("Page.captureScreenshot", _SHOT), timeout_ms / 1000
        )
    except TimeoutError:
        raise PlaywrightTimeout(f"screenshot: timed out after {timeout_ms:.0f} ms") from None
    return base64.b64decode(reply["data"])


# --- HTML -> markdown -------------------------------------------------------------------

# Inline ids travel from the walk between these private-use characters (or, in other HTML, as
# an attribute named anew, `new_mark`) until the converter is done, so nothing in the converter
# escapes or wraps them and page text cannot pass for one (the walk drops them from page text).
# `mark=WALKED`: the HTML is the walk's own (hidden elements left out, ids written in); not an
# attribute name, so no page can claim it.
WALKED = "\x00walked"
_OPEN, _CLOSE = "\x01", "\x02"  # ASCII: a string of ASCII travels faster (see SLICE)
# `_CONTROL` but the marks: the converter's markdown keeps them until `inline_ids`
_CONTROL_BUT_MARKS = re.compile(r"[\x00\x03-\x08\x0b-\x1f\x7f-\x9f]")
# its ASCII ones, as bytes: an ASCII text is checked for them 5x faster than by the regex
_CONTROL_BYTES = bytes(c for c in range(128) if _CONTROL_BUT_MARKS.match(chr(c)))
_TOKEN = re.compile(f"{_OPEN}([^{_OPEN}{_CLOSE}]*){_CLOSE}")
# Page text that looks like an inline id (`[B1 Pay now]`, or `[M4]`, an action's id alone
# before the actions it holds) is shown with a full-width bracket.
_FORGED = re.compile(r"\[(?=[LBIFOM]\d+[ \]])")
# Inline ids are all the page markdown needs of links and images: their targets are in the
# action space (`Action.href`), so links become their text and unlabelled images go.
_OPTIONS: dict[bool, Any] = {}
_PRE = re.compile(r"(<pre\b.*?</pre>)", re.S | re.I)
_DROP = ["script", "style", "noscript", "template", "svg", "head", "iframe", "canvas", "object"]


def _options(tables: bool = True) -> Any:
    """The converter's options; without tables, its single-pass scanner ("tier 1", 2-3x faster
    than its DOM path on a big page; with our options it would always take the DOM path, but
    the scanner writes the same markdown for what the walk sends, tables aside: it pads their
    columns)."""
    if tables not in _OPTIONS:
        from html_to_markdown import ConversionOptions, PreprocessingOptions

        _OPTIONS[tables] = ConversionOptions(
            # its clean-up drops forms and navigation: the very things a cockpit steps
            preprocessing=PreprocessingOptions(enabled=False),
            compact_tables=True,
            extract_metadata=False,
            autolinks=False,
            skip_images=True,
            list_indent_width=2,
            # the default bullets (-, *, + by depth): both paths write those
            tier_strategy="auto" if tables else "tier1",
        )
    return _OPTIONS[tables]


def _convert(html: str) -> str:
    from html_to_markdown import convert

    return convert(html, _options("<table" in html or "<TABLE" in html)).content or ""


def new_mark() -> str:
    """A fresh attribute name for one walk's inline ids (a page cannot guess it)."""
    return "data-sd-" + secrets.token_hex(4)


def _drop_naming_labels(tree: LexborHTMLParser, mark: str) -> None:
    """A label names its field, and the field's inline id already says that name:
    `[B5 ☑ Remember me]`, not `[B5 ☑ Remember me] Remember me`."""
    labels = tree.css("label")
    if not labels:
        return
    ids = {node.attributes.get("id") for node in tree.css(f"[{mark}][id]")}
    for label in labels:
        target = label.attributes.get("for")
        if target and target in ids:
            label.decompose()
            continue
        inner = label.css(f"[{mark}]")
        if inner:
            for node in inner:
                label.insert_before(node)
            label.decompose()


def to_markdown(html: str, base_url: str = "", mark: str = "") -> str:
    """Compact markdown of a page, every interactive element as its inline id `[B2 Add to cart]`.

    With `mark=WALKED` the HTML is the walk's (perception.js wrote it ready to convert);
    otherwise elements marked `data-sd-hidden` are dropped (converters keep display:none text)
    and elements carrying `mark` are replaced by their inline id. `base_url` is kept for
    callers; no target is written inline.
    """
    del base_url  # targets live in the action space
    if not html:
        return ""
    if mark == WALKED:
        return inline_ids(markdown_of_walk(html))

    if _OPEN in html or _CLOSE in html:
        html = html.replace(_OPEN, "").replace(_CLOSE, "")
    # A newline in page text is a space to a reader (the converter would keep it as a line
    # break); <pre> keeps its lines.
    if "<pre" in html or "<PRE" in html:
        parts = _PRE.split(html)
        html = "".join(p if i % 2 else p.replace("\n", " ") for i, p in enumerate(parts))
    else:
        html = html.replace("\n", " ")
    tree = LexborHTMLParser(html)
    for node in tree.css("[data-sd-hidden]"):
        node.decompose()
    tree.strip_tags(_DROP)
    if mark:
        _drop_naming_labels(tree, mark)
        for node in tree.css(f"[{mark}]"):
            label = node.attributes.get(mark) or ""
            node.replace_with(f" {_OPEN}{label}{_CLOSE} ")
    tree.unwrap_tags(["a"])
    return inline_ids(_finish(_convert(tree.html or "")))


def markdown_of_walk(html: str) -> str:
    """The markdown of a split walk's HTML, its inline ids still to write (`inline_ids`)."""
    return _finish(_convert(html)) if html else ""


def _finish(text: str) -> str:
    """The converter's markdown with page text unable to pass for an inline id, and no
    control character."""
    if not text.isascii() or len(text.encode().translate(None, _CONTROL_BYTES)) != len(text):
        text = _CONTROL_BUT_MARKS.sub("", text)
    text = text.strip()
    if "[" in text:
        text = _FORGED.sub("［", text)
    return text


def inline_ids(text: str, perceived: Perceived | None = None) -> str:
    """Inline ids written as `[B2 Add to cart]`: each one's label from a split walk's
    `perceived` (its labels, else the id and the description), or as the HTML carried it."""
    if perceived is None:
        text = _TOKEN.sub(r"[\1]", text)
    else:
        labels = dict(perceived.labels)
        for a in perceived.actions:
            if a.id not in labels:
                label = f"{a.id} {a.description}" if a.description else a.id
                labels[a.id] = label.replace("[", "(").replace("]", ")")
        text = _TOKEN.sub(lambda m: f"[{labels.get(m[1], m[1])}]", text)
    if _OPEN in text or _CLOSE in text:  # a mark the converter moved away from its pair
        text = text.replace(_OPEN, "").replace(_CLOSE, "")
    return text
