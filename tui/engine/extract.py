"""Structured extraction: the page's repeated items as a list of objects.

    items = await extract(target, {"type": "array", "items": {"type": "object",
                          "properties": {"name": {"type": "string"}, "price": {"type": "number"}}}})

`schema` may be a JSON schema for an array of objects, an object schema (its
properties are the item's fields, or its one array property holds them), a
`{field: type}` mapping, or a plain list of field names (MultiOn's `fields`).

Without a model: find the page's repeated structure (siblings sharing a tag and
classes, scored by how many carry links, images, prices and headings) and map
each field by name, type, links and images. With a model configured (see
`tui.engine.llm`), ask it first and fall back to the rules if its answer is not
a list of objects.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from typing import Any
from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser, LexborNode

from tui.engine import llm
from tui.errors import InvalidRequest, StepdeckError, Unsupported

PRICE_RE = re.compile(r"(?:[$€£¥]\s?\d[\d,]*(?:\.\d+)?|\d[\d,]*(?:\.\d+)?\s?(?:USD|EUR|GBP|€|\$))")
NUMBER_RE = re.compile(r"-?\d[\d,]*(?:\.\d+)?")
DROP = "script, style, noscript, template, select, header, nav, footer, head"
URL_WORDS = ("url", "link", "href")
IMAGE_WORDS = ("image", "img", "picture", "photo", "thumbnail", "thumb", "logo", "icon")
PRICE_WORDS = ("price", "cost", "amount", "total")
NAME_WORDS = ("name", "title", "product", "heading", "label", "headline")
TEXT_WORDS = ("description", "summary", "blurb", "text", "body", "content", "snippet")
RATING_WORDS = ("rating", "stars", "score")


def fields_of(schema: Any) -> dict[str, dict[str, Any]]:
    """The item fields a schema asks for: {name: {"type": ...}}."""
    if isinstance(schema, list | tuple):
        return {str(f): {"type": "string"} for f in schema}
    if not isinstance(schema, dict):
        raise InvalidRequest("A schema is a JSON schema or a list of field names")
    if schema.get("type") == "array" or "items" in schema:
        return fields_of(schema.get("items") or {})
    props = schema.get("properties")
    if isinstance(props, dict):
        arrays = [v for v in props.values() if isinstance(v, dict) and v.get("type") == "array"]
        if len(props) == 1 and arrays:
            return fields_of(arrays[0])
        return {k: (v if isinstance(v, dict) else {"type": str(v)}) for k, v in props.items()}
    if schema and all(isinstance(v, str | dict) for v in schema.values()):
        return {k: (v if isinstance(v, dict) else {"type": v}) for k, v in schema.items()}
    raise InvalidRequest(
        "The schema names no fields", 'give {"type": "array", "items": {...}} or a list of names'
    )


# ---------------------------------------------------------------- finding the repeated items


def _signature(node: LexborNode) -> str:
    classes = " ".join(sorted((node.attributes.get("class") or "").split()))
    return f"{node.tag}.{classes}"


def _children(node: LexborNode) -> list[LexborNode]:
    out = []
    child = node.child
    while child is not None:
        if child.tag and not child.tag.startswith("-"):
            out.append(child)
        child = child.next
    return out


def _features(node: LexborNode) -> dict[str, bool]:
    text = node.text(separator=" ", strip=True)
    return {
        "text": bool(text),
        "link": node.tag == "a" or node.css_first("a[href]") is not None,
        "image": node.tag == "img" or node.css_first("img") is not None,
        "price": bool(PRICE_RE.search(text)),
        "heading": node.css_first("h1, h2, h3, h4, h5, h6") is not None,
    }


def find_items(html: str, wants: set[str] | None = None) -> list[LexborNode]:
    """The largest, richest group of sibling elements that look alike."""
    tree = LexborHTMLParser(html)
    for node in tree.css(DROP):
        node.decompose()
    root = tree.body or tree.root
    if root is None:
        return []
    wants = wants or set()
    best: tuple[float, list[LexborNode]] = (0.0, [])
    for parent in root.traverse(include_text=False):
        kids = _children(parent)
        if len(kids) < 2:
            continue
        groups: dict[str, list[LexborNode]] = {}
        for kid in kids:
            groups.setdefault(_signature(kid), []).append(kid)
        for members in groups.values():
            if len(members) < 2:
                continue
            feats = [_features(m) for m in members]
            if sum(f["text"] or f["image"] for f in feats) < len(members) / 2:
                continue
            richness = 1.0
            for key in ("link", "image", "price", "heading"):
                share = sum(f[key] for f in feats) / len(feats)
                richness += share * (3 if key in wants else 1.5)
            score = len(members) * richness
            if score > best[0]:
                best = (score, members)
    return best[1]


# ---------------------------------------------------------------- mapping fields


def _has(name: str, words: tuple[str, ...]) -> bool:
    return any(w in name for w in words)


def _by_class(item: LexborNode, name: str) -> LexborNode | None:
    key = re.sub(r"[^a-z0-9]", "", name.lower())
    if not key:
        return None
    for node in item.traverse(include_text=False):
        names = " ".join(
            filter(
                None,
                (
                    node.attributes.get("class"),
                    node.attributes.get("itemprop"),
                    node.attributes.get("data-field"),
                    node.attributes.get("name"),
                ),
            )
        ).lower()
        if any(re.sub(r"[^a-z0-9]", "", part) == key for part in names.split()):
            return node
    return None


def _text(node: LexborNode | None) -> str | None:
    if node is None:
        return None
    text = " ".join(node.text(separator=" ", strip=True).split())
    return text or None


def _first_text(item: LexborNode) -> str | None:
    """The text of the item's first leaf element ("Grace Hopper" in a post card)."""
    for node in item.traverse(include_text=False):
        if node is not item and not _children(node):
            text = _text(node)
            if text:
                return text
    return _text(item)


def _coerce(value: str | None, spec: dict[str, Any]) -> Any:
    if value is None:
        return None
    kind = spec.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind in ("number", "integer"):
        m = NUMBER_RE.search(value)
        if not m:
            return None
        number = float(m.group().replace(",", ""))
        return int(number) if kind == "integer" else number
    if kind == "boolean":
        return value.strip().lower() not in ("", "false", "no", "0")
    return value


def _field(item: LexborNode, name: str, spec: dict[str, Any], base_url: str) -> Any:
    n = name.lower()
    fmt = str(spec.get("format") or "")
    node = _by_class(item, name)
    if _has(n, URL_WORDS) or fmt in ("uri", "url"):
        link = item if item.tag == "a" and item.attributes.get("href") else None
        link = link or (node if node is not None and node.attributes.get("href") else None)
        link = link or (node.css_first("a[href]") if node is not None else None)
        link = link or item.css_first("a[href]")
        href = link.attributes.get("href") if link is not None else None
        return urljoin(base_url, href) if href else None
    if _has(n, IMAGE_WORDS):
        img = node if node is not None and node.tag == "img" else None
        img = img or (node.css_first("img") if node is not None else None)
        img = img or (item if item.tag == "img" else item.css_first("img"))
        if img is None:
            return None
        src = img.attributes.get("src") or img.attributes.get("data-src")
        if "alt" in n:
            return img.attributes.get("alt")
        return urljoin(base_url, src) if src else None
    if node is not None:
        return _coerce(_text(node), spec)
    text = _text(item) or ""
    if _has(n, PRICE_WORDS):
        m = PRICE_RE.search(text)
        return _coerce(m.group().strip() if m else None, spec)
    if _has(n, RATING_WORDS):
        m = re.search(
            r"[★☆]+\s*(\d(?:\.\d)?)(?![\d,])|(\d(?:\.\d)?)\s*(?:/\s*5|out of 5|stars?)", text
        )
        value = (m.group(1) or m.group(2)) if m else None
        return _coerce(value, spec if spec.get("type") != "string" else {"type": "string"})
    if _has(n, NAME_WORDS):
        found = item.css_first("h1, h2, h3, h4, h5, h6") or item.css_first("a[href]")
        name_text = _text(found)
        if name_text is None:
            img = item.css_first("img[alt]")
            name_text = img.attributes.get("alt") if img is not None else None
        return _coerce(name_text or _first_text(item), spec)
    if _has(n, TEXT_WORDS):
        paras = [t for t in (_text(p) for p in item.css("p")) if t]
        return _coerce(max(paras, key=len) if paras else text or None, spec)
    # "Label: value" inside the item.
    m = re.search(rf"\b{re.escape(name)}\s*[:=]\s*([^|·\n]+)", text, re.I)
    if m:
        return _coerce(m.group(1).strip(), spec)
    if spec.get("type") in ("number", "integer"):
        return _coerce(text, spec)
    return None


def _table_headers(row: LexborNode) -> list[str]:
    """Column names of the table a row belongs to (its <th> cells), lower-cased."""
    table = row.parent
    while table is not None and table.tag != "table":
        table = table.parent
    if table is None:
        return []
    head = table.css_first("thead tr") or table.css_first("tr")
    if head is None or head.css_first("th") is None:
        return []
    return [(_text(c) or "").lower() for c in _children(head) if c.tag in ("th", "td")]


def _column(headers: list[str], name: str) -> int | None:
    words = set(re.findall(r"[a-z0-9]+", name.lower()))
    for i, h in enumerate(headers):
        if h and (h == name.lower() or words & set(re.findall(r"[a-z0-9]+", h))):
            return i
    return None


def _cell_field(cell: LexborNode, name: str, spec: dict[str, Any], base_url: str) -> Any:
    n = name.lower()
    if _has(n, URL_WORDS) or _has(n, IMAGE_WORDS):
        return _field(cell, name, spec, base_url)
    return _coerce(_text(cell), spec)


def extract_from_html(
    html: str, schema: Any, *, base_url: str = "", max_items: int | None = None
) -> list[dict[str, Any]]:
    """The rules without a browser: repeated items of `html` mapped to the schema's fields."""
    fields = fields_of(schema)
    wants = set()
    for name in fields:
        n = name.lower()
        if _has(n, URL_WORDS):
            wants.add("link")
        if _has(n, IMAGE_WORDS):
            wants.add("image")
        if _has(n, PRICE_WORDS):
            wants.add("price")
        if _has(n, NAME_WORDS):
            wants.add("heading")
    items = find_items(html, wants)
    headers = _table_headers(items[0]) if items and items[0].tag == "tr" else []
    columns = {name: _column(headers, name) for name in fields}
    out = []
    for item in items:
        cells = [c for c in _children(item) if c.tag in ("td", "th")]
        if headers and cells and all(c.tag == "th" for c in cells):
            continue  # the header row itself
        row = {}
        for name, spec in fields.items():
            col = columns[name]
            if col is not None and col < len(cells):
                row[name] = _cell_field(cells[col], name, spec, base_url)
            else:
                row[name] = _field(item, name, spec, base_url)
        if any(v not in (None, "") for v in row.values()):
            out.append(row)
        if max_items is not None and len(out) >= max_items:
            break
    return out


# ---------------------------------------------------------------- on a session


async def _page_html(target: Any, scroll_to_bottom: bool) -> tuple[str, str]:
    page = getattr(target, "page", None)
    if page is None:
        html_fn = getattr(target, "html", None)
        if html_fn is None:
            raise Unsupported("This session cannot show its HTML, so nothing can be extracted")
        return await html_fn(), ""
    lock = getattr(target, "lock", None)
    async with lock if lock is not None else contextlib.nullcontext():
        if scroll_to_bottom:
            # Pages that load more on scroll: scroll until the height stops growing.
            last = -1
            for _ in range(10):
                height = await page.evaluate(
                    "() => { window.scrollTo(0, document.body.scrollHeight);"
                    " return document.body.scrollHeight; }"
                )
                if height == last:
                    break
                last = height
                await asyncio.sleep(0.15)
        return await page.content(), page.url


async def _ask_model(
    config: llm.LLMConfig,
    target: Any,
    fields: dict[str, dict[str, Any]],
    max_items: int | None,
    instructions: str,
) -> list[dict[str, Any]] | None:
    obs = await target.observe(screenshot=False)
    limit = f" Return at most {max_items} items." if max_items else ""
    if instructions:
        limit += f"\nInstructions: {instructions}"
    messages = [
        {
            "role": "system",
            "content": "You extract structured data from web pages. Answer with a JSON array "
            "of objects and nothing else.",
        },
        {
            "role": "user",
            "content": f"Fields (JSON schema per item): {json.dumps(fields)}.{limit}\n"
            f"Page URL: {obs.metadata.url}\n\n{obs.markdown[:20000]}",
        },
    ]
    try:
        reply = await llm.chat(config, messages)
        value = llm.parse_json_object(reply.content)
    except (StepdeckError, ValueError):
        return None
    if isinstance(value, dict):
        lists = [v for v in value.values() if isinstance(v, list)]
        value = lists[0] if len(lists) == 1 else None
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        return None
    rows = [{name: v.get(name) for name in fields} for v in value]
    return rows[:max_items] if max_items else rows


async def extract(
    target: Any,
    schema: Any,
    *,
    scroll_to_bottom: bool = False,
    max_items: int | None = None,
    instructions: str | None = None,
    llm_config: llm.LLMConfig | None = None,
    **_ignored: Any,
) -> list[dict[str, Any]]:
    """The page's repeated items as a list of objects matching `schema` (see the module doc).

    `instructions` (or the schema's `description`) is passed to the model, when there is one.
    """
    fields = fields_of(schema)
    html, url = await _page_html(target, scroll_to_bottom)
    config = llm_config
    if config is not None:
        about = instructions or (schema.get("description") if isinstance(schema, dict) else None)
        rows = await _ask_model(config, target, fields, max_items, str(about or ""))
        if rows is not None:
            return rows
    return await asyncio.to_thread(
        extract_from_html, html, schema, base_url=url, max_items=max_items
    )
