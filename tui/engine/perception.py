"""What a page looks like to agents and people: action space, metadata, markdown.

`perceive(page)` runs the one in-page walk of `perception.js` and returns a
`Perceived`; `to_markdown(html, base_url)` turns the walk's HTML (hidden
elements marked) into compact markdown with selectolax. Markdown conversion
is CPU work: callers run it off the event loop (`asyncio.to_thread`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from playwright.async_api import Page
from pydantic import BaseModel, ConfigDict, Field
from selectolax.lexbor import LexborHTMLParser, LexborNode

from tui.model import Action, PageMeta, Viewport

# C0 controls but tab and newline, and DEL: an ESC in page text must never reach a terminal.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def strip_controls(text: str) -> str:
    return _CONTROL.sub("", text) if text else text


@cache
def walk_script() -> str:
    return (Path(__file__).with_name("perception.js")).read_text()


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
    meta_json: str = ""  # the walk's JSON: `raw` reads it again only when a step needs it
    _raw: dict[str, dict[str, Any]] | None = field(default=None, repr=False)

    @property
    def raw(self) -> dict[str, dict[str, Any]]:
        """id -> what the walk saw of that element (kind, type, options, frame, ...)."""
        if self._raw is None:
            items = json.loads(self.meta_json).get("actions") or [] if self.meta_json else []
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


def parse_walk(text: str) -> Perceived:
    """The walk's answer: JSON, then (when asked for) a NUL and the page's HTML."""
    meta, sep, html = text.partition("\x00")
    data = _Walk.model_validate_json(meta)
    return Perceived(
        title=strip_controls(data.title),
        url=data.url,
        viewport=data.viewport,
        actions=data.actions,
        html=html if sep else None,
        meta_json=meta,
    )


async def walk(page: Page, *, html: bool = True) -> str:
    """The walk's raw answer (parse it with `parse_walk`, or `perceive_text` off the loop)."""
    return await page.evaluate(walk_script(), {"html": html})


# The second half of a split walk: the action space the walk kept, once.
TAKE_JS = (
    "() => { const s = window.__stepdeck; const out = s && s.pending;"
    " if (!out) return null; s.pending = null; return JSON.stringify(out); }"
)


async def walk_html(page: Page) -> tuple[str, str]:
    """First half of a split walk: (url, HTML with hidden elements marked); `take_walk` next."""
    text = await page.evaluate(walk_script(), {"html": True, "split": True})
    url, _, html = text.partition("\x00")
    return url, html


async def take_walk(page: Page) -> str | None:
    """Second half of a split walk: its JSON (None when the document changed meanwhile)."""
    return await page.evaluate(TAKE_JS)


async def perceive(page: Page, *, html: bool = True) -> Perceived:
    """Walk the page once; `html=False` skips serializing the document."""
    return parse_walk(await walk(page, html=html))


def perceive_text(text: str) -> tuple[Perceived, str]:
    """Parse a walk and convert its HTML to markdown: CPU work for a worker thread."""
    perceived = parse_walk(text)
    markdown = to_markdown(perceived.html or "", perceived.url)
    perceived.html = None  # the markdown keeps what matters; don't hold a MB of HTML
    return perceived, markdown


# --- HTML -> markdown -------------------------------------------------------------------

_DROP = ["script", "style", "noscript", "template", "svg", "head", "iframe", "select", "canvas"]
_BLOCK = frozenset(
    "p div section article main header footer nav aside form fieldset figure figcaption "
    "address details summary dialog dl dt dd center hgroup search legend label".split()
)
_HEADINGS = {"h1": "#", "h2": "##", "h3": "###", "h4": "####", "h5": "#####", "h6": "######"}
_WS = re.compile(r"[ \t\r\n\f\v]+")
_BLANKS = re.compile(r"\n{3,}")
_SPACES = re.compile(r"[ \t\r\f\v]{2,}|[\t\r\f\v]")  # newlines in page text became spaces already
_EDGES = re.compile(r" *\n *")
_INDENT = "\ue000"  # survives whitespace clean-up, becomes two spaces


class _Converter:
    def __init__(self, base_url: str) -> None:
        self.base = base_url
        self.pre: list[str] = []
        self._hrefs: dict[str, str | None] = {}

    def href(self, value: str | None) -> str | None:
        if not value:
            return None
        cached = self._hrefs.get(value, "")
        if cached != "":
            return cached
        out: str | None = value.strip()
        low = out.lower()
        if low.startswith(("javascript:", "data:", "vbscript:")):
            out = None
        elif self.base and not low.startswith(("http:", "https:", "mailto:", "tel:")):
            out = urljoin(self.base, out)
        self._hrefs[value] = out
        return out

    def inline(self, node: LexborNode, depth: int) -> str:
        buf: list[str] = []
        self.children(node, buf, depth)
        return " ".join("".join(buf).split())

    def children(self, node: LexborNode, buf: list[str], depth: int) -> None:
        for child in node.iter(include_text=True):
            tag = child.tag
            if tag == "-text":
                text = child.text_content
                if text:
                    # whitespace runs are collapsed once, over the whole page, in _tidy
                    buf.append(text.replace("\n", " ") if "\n" in text else text)
            elif tag and tag[0] != "-":
                self.element(child, tag, buf, depth)

    def element(self, node: LexborNode, tag: str, buf: list[str], depth: int) -> None:
        if tag in _BLOCK:
            buf.append("\n\n")
            self.children(node, buf, depth)
            buf.append("\n\n")
        elif tag == "a":
            text = self.inline(node, depth)
            href = self.href(node.attributes.get("href"))
            if href and text:
                if buf and buf[-1] and buf[-1][-1] == ")":
                    buf.append(" ")  # links side by side in the source stay apart
                buf.append(f"[{text}]({href})")
            elif text:
                buf.append(text)
        elif tag in _HEADINGS:
            buf.append(f"\n\n{_HEADINGS[tag]} {self.inline(node, depth)}\n\n")
        elif tag in ("strong", "b"):
            text = self.inline(node, depth)
            if text:
                buf.append(f" **{text}** ")
        elif tag in ("em", "i"):
            text = self.inline(node, depth)
            if text:
                buf.append(f" *{text}* ")
        elif tag == "code":
            text = node.text(deep=True).strip()
            if text:
                buf.append(f"`{text}`")
        elif tag == "pre":
            self.pre.append(strip_controls(node.text(deep=True).strip("\n")))
            buf.append(f"\n\n\ue001{len(self.pre) - 1}\ue001\n\n")
        elif tag == "br":
            buf.append("\n")
        elif tag == "hr":
            buf.append("\n\n---\n\n")
        elif tag == "img":
            attrs = node.attributes
            alt = _WS.sub(" ", attrs.get("alt") or "").strip()
            src = self.href(attrs.get("src"))
            if alt and src:
                buf.append(f"![{alt}]({src})")
            elif alt:
                buf.append(alt)
        elif tag in ("ul", "ol"):
            self.list(node, tag == "ol", buf, depth)
        elif tag == "li":  # a stray li outside a list
            buf.append(f"\n{_INDENT * depth}- ")
            self.children(node, buf, depth + 1)
            buf.append("\n")
        elif tag == "table":
            self.table(node, buf)
        elif tag == "blockquote":
            text = self.block_text(node)
            if text:
                quoted = "\n".join("> " + line for line in text.splitlines())
                buf.append(f"\n\n{quoted}\n\n")
        elif tag in ("input", "textarea", "button"):
            if tag == "button":
                text = self.inline(node, depth)
                if text:
                    buf.append(f" {text} ")
        else:
            self.children(node, buf, depth)

    def block_text(self, node: LexborNode) -> str:
        buf: list[str] = []
        self.children(node, buf, 0)
        return _tidy("".join(buf))

    def list(self, node: LexborNode, ordered: bool, buf: list[str], depth: int) -> None:
        if depth == 0:
            buf.append("\n\n")
        n = 0
        for child in node.iter(include_text=False):
            if child.tag != "li":
                if child.tag in ("ul", "ol"):
                    self.list(child, child.tag == "ol", buf, depth + 1)
                continue
            n += 1
            marker = f"{n}." if ordered else "-"
            buf.append(f"\n{_INDENT * depth}{marker} ")
            self.children(child, buf, depth + 1)
        if depth == 0:
            buf.append("\n\n")

    def table(self, node: LexborNode, buf: list[str]) -> None:
        rows: list[list[str]] = []
        for tr in node.css("tr"):
            cells = [
                self.inline(cell, 0).replace("|", "\\|")
                for cell in tr.iter(include_text=False)
                if cell.tag in ("td", "th")
            ]
            if cells:
                rows.append(cells)
        if not rows:
            return
        width = max(len(r) for r in rows)
        lines = []
        for i, row in enumerate(rows):
            row = row + [""] * (width - len(row))
            lines.append("| " + " | ".join(row) + " |")
            if i == 0:
                lines.append("|" + "---|" * width)
        buf.append("\n\n" + "\n".join(lines) + "\n\n")


def _tidy(text: str) -> str:
    text = _EDGES.sub("\n", _SPACES.sub(" ", text))
    return _BLANKS.sub("\n\n", text.replace(_INDENT, "  ")).strip()


def to_markdown(html: str, base_url: str = "") -> str:
    """Compact markdown of a page (hidden elements marked `data-sd-hidden` dropped)."""
    if not html:
        return ""
    tree = LexborHTMLParser(html)
    for node in tree.css("[data-sd-hidden]"):
        node.decompose()
    tree.strip_tags(_DROP)
    body = tree.body or tree.root
    if body is None:
        return ""
    conv = _Converter(base_url)
    buf: list[str] = []
    conv.children(body, buf, 0)
    text = _tidy(strip_controls("".join(buf)))
    if conv.pre:
        text = re.sub(
            "\ue001(\\d+)\ue001", lambda m: f"```\n{conv.pre[int(m.group(1))]}\n```", text
        )
    return text
