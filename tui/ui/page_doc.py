"""The page's markdown made for reading: pure (no Textual), built once per page.

`build(markdown, actions)` turns the engine's markdown into display lines: no
`#`, `**` or link targets, bullets for lists, aligned tables, and each
interactive element as a chip with its id (`[B2 Add to cart]` in the
markdown, regex `TOKEN`). Link and image targets are kept aside (shown for the
focused one only). `wrap(doc, width)` cuts the lines into screen rows; the
page view renders only the rows on screen, so a 1 MB page costs one pass here
and nothing per frame.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from rich.cells import cell_len

from tui.ui.state import clean

# An element's id inline, as the engine writes it: [B2 Add to cart], [I1 Search: "kindle"];
# [M4] alone before what it holds (a clickable sidebar around its links).
TOKEN = re.compile(r"\[([LBIFOM]\d+)(?: ([^\]]*))?\]")

# Every branch starts with a literal, so the regex engine skips plain text at C speed
# (a lookbehind or a group first would make it try every position).
_INLINE = re.compile(
    r"""
    !\[(?P<img_alt>[^\]]*)\]\((?P<img_src>[^)\s]*)(?:\s+"[^"]*")?\)
  | \[(?P<link_text>(?:[^\[\]]|!\[[^\]]*\]\([^)]*\))*)\]\((?P<link_href>[^)\s]*)(?:\s+"[^"]*")?\)
  | \[(?P<tid>[LBIFOM]\d+)(?:\ (?P<ttext>[^\]]*))?\]
  | \*\*(?P<strong_text>[^*]+)\*\*
  | \*(?P<em_text>[^*\s][^*]*)\*
  | `(?P<code_text>[^`]+)`
    """,
    re.X,
)
# Escaped markdown characters hide from _INLINE as private-use characters, then come back.
_HIDE = {"\\[": "\ue000", "\\]": "\ue001", "\\*": "\ue002", "\\`": "\ue003"}
_SHOW = str.maketrans({"\ue000": "[", "\ue001": "]", "\ue002": "*", "\ue003": "`"})
_IMG_IN_LINK = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_UNESCAPE = re.compile(r"\\([\\_{}()#+\-.!|>~])")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^(\s*)[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^(\s*)(\d+[.)])\s+(.*)$")
_RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")
_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_PASSWORD_VALUE = re.compile(r'(:\s*)"[^"]*"')


class Span(NamedTuple):
    """A styled part of a line: kind is strong, em, code, link, img, id, h1..h6, quote."""

    start: int
    end: int
    kind: str
    target: str = ""  # a link's or image's url; an element's id


class Line(NamedTuple):
    text: str
    spans: tuple[Span, ...] = ()
    kind: str = ""  # "", "h1".."h6", "code", "rule", "table", "quote", "note"


class Target(NamedTuple):
    """Something the cursor can stop on: an element (id) or a link."""

    line: int
    span: int  # index into the line's spans
    action_id: str = ""
    href: str = ""
    label: str = ""


class _Stored(Sequence):
    """Plain tuples, read back as `Line`s or `Target`s.

    Why plain: the garbage collector stops tracking a tuple of strings and numbers, but
    never a NamedTuple or dataclass. A 1 MB page is ~25,000 lines, spans and targets;
    tracked, they made the next full collection scan them and triggered it early,
    stalling the UI's turn for 100-300 ms right after the page was shown.
    """

    __slots__ = ("_make", "_raw")

    def __init__(self, raw: list[tuple], make) -> None:
        self._raw, self._make = raw, make

    def __len__(self) -> int:
        return len(self._raw)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self._make(r) for r in self._raw[index]]
        return self._make(self._raw[index])


def _line(raw: tuple) -> Line:
    return Line(raw[0], tuple(Span._make(s) for s in raw[1]), raw[2])


class PageDoc:
    """The display lines of a page and the targets the cursor stops on.

    Built from plain tuples: `(text, spans, kind)` per line, `(start, end, kind, target)`
    per span, `(line, span, action_id, href, label)` per target.
    """

    def __init__(self, lines: list[tuple], targets: list[tuple], text: str) -> None:
        self.lines: Sequence[Line] = _Stored(lines, _line)
        self.targets: Sequence[Target] = _Stored(targets, Target._make)
        self.texts = [line[0] for line in lines]  # what wrapping reads
        self.target_lines = [t[0] for t in targets]  # in line order: for bisect
        by_line: dict[int, list[int]] = {}
        for i, t in enumerate(targets):
            by_line.setdefault(t[0], []).append(i)
        self.targets_of_line = {n: tuple(i) for n, i in by_line.items()}
        self.text = text  # the display text, lines joined (what a test or a copy reads)


def _span(start: int, end: int, kind: str, target: str = "") -> tuple:
    return (start, end, kind, target)


def _ln(text: str, spans: tuple = (), kind: str = "") -> tuple:
    return (text, spans, kind)


def inline(
    text: str, ids: dict[str, object], hrefs: dict[str, str], masked: set[str]
) -> tuple[str, tuple]:
    """One line's inline markdown: display text and spans."""
    if not any(c in text for c in "[*`!\\"):
        return text, ()
    escaped_any = "\\" in text
    if escaped_any:
        for escaped, hidden in _HIDE.items():
            text = text.replace(escaped, hidden)
        text = _UNESCAPE.sub(r"\1", text)
    out: list[str] = []
    spans: list[tuple] = []
    pos = 0
    size = 0
    for m in _INLINE.finditer(text):
        if m.start() > pos:
            piece = text[pos : m.start()]
            out.append(piece)
            size += len(piece)
        pos = m.end()
        groups = m.groupdict()
        if groups["tid"] is not None:
            ident = groups["tid"]
            label = groups["ttext"]
            if label is None:  # an id alone: one of this page's, or text that only looks so
                piece = m.group()
                if ident in ids:
                    piece = ident
                    spans.append(_span(size, size + len(piece), "id", ident))
                out.append(piece)
                size += len(piece)
                continue
            if ident in masked:
                label = _PASSWORD_VALUE.sub(r'\1"••••"', label)
            piece = f"{ident} {label}"
            spans.append(_span(size, size + len(piece), "id", ident))
        elif groups["link_href"] is not None:
            label = _IMG_IN_LINK.sub(r"\1", groups["link_text"]).strip() or "link"
            href = groups["link_href"]
            ident = hrefs.get(href, "")
            if ident and ident in ids:
                piece = f"{ident} {label}"
                spans.append(_span(size, size + len(piece), "id", ident))
            else:
                piece = label
                spans.append(_span(size, size + len(piece), "link", href))
        elif groups["img_src"] is not None:
            piece = f"▣ {groups['img_alt'] or 'image'}"
            spans.append(_span(size, size + len(piece), "img", groups["img_src"]))
        elif groups["strong_text"] is not None:
            piece = groups["strong_text"]
            spans.append(_span(size, size + len(piece), "strong"))
        elif groups["em_text"] is not None:
            piece = groups["em_text"]
            spans.append(_span(size, size + len(piece), "em"))
        else:
            piece = groups["code_text"]
            spans.append(_span(size, size + len(piece), "code"))
        out.append(piece)
        size += len(piece)
    if pos < len(text):
        out.append(text[pos:])
    joined = "".join(out)
    return (joined.translate(_SHOW) if escaped_any else joined), tuple(spans)


def _cells(row: str) -> list[str]:
    row = row.strip()
    if row.startswith("|"):
        row = row[1:]
    if row.endswith("|") and not row.endswith("\\|"):
        row = row[:-1]
    return [c.strip() for c in re.split(r"(?<!\\)\|", row)]


def _table(rows: list[str], ctx: tuple) -> list[tuple]:
    """A markdown table as aligned lines (cells inline-rendered, widths from the content)."""
    parsed: list[list[tuple[str, tuple]] | None] = []
    for row in rows:
        if _TABLE_SEP.match(row):
            parsed.append(None)
        else:
            parsed.append([inline(c, *ctx) for c in _cells(row)])
    ncols = max((len(r) for r in parsed if r), default=0)
    widths = [0] * ncols
    for r in parsed:
        for i, (text, _) in enumerate(r or []):
            widths[i] = min(60, max(widths[i], cell_len(text)))
    lines = []
    for r in parsed:
        if r is None:
            lines.append(_ln("─┼─".join("─" * w for w in widths), kind="rule"))
            continue
        text, spans, size = "", [], 0
        for i in range(ncols):
            cell, cell_spans = r[i] if i < len(r) else ("", ())
            if i:
                text += " │ "
                size += 3
            spans += [(s[0] + size, s[1] + size, s[2], s[3]) for s in cell_spans]
            padded = cell + " " * max(0, widths[i] - cell_len(cell))
            text += padded
            size += len(padded)
        lines.append(_ln(text.rstrip(), tuple(spans), kind="table"))
    return lines


def build(markdown: str, actions: list | None = None) -> PageDoc:
    """Display lines and cursor targets for a page's markdown and its action space."""
    actions = actions or []
    ids = {a.id: a for a in actions}
    hrefs: dict[str, str] = {}
    for a in actions:
        href = getattr(a, "href", None)
        if href and a.id.startswith("L"):
            hrefs.setdefault(href, a.id)
    masked = {a.id for a in actions if any(getattr(p, "type", "") == "password" for p in a.params)}
    ctx = (ids, hrefs, masked)
    lines: list[tuple] = []
    source = clean(markdown).split("\n")
    code = False
    i = 0
    while i < len(source):
        raw = source[i].rstrip()
        if raw.lstrip().startswith("```"):
            code = not code
            i += 1
            continue
        if code:
            lines.append(_ln(raw, (_span(0, len(raw), "code"),) if raw else (), kind="code"))
        elif raw.lstrip().startswith("|") and i + 1 < len(source) and "|" in source[i + 1]:
            j = i
            while j < len(source) and source[j].lstrip().startswith("|"):
                j += 1
            lines += _table(source[i:j], ctx)
            i = j
            continue
        elif m := _HEADING.match(raw):
            level = len(m.group(1))
            text, spans = inline(m.group(2), *ctx)
            lines.append(_ln(text, spans, kind=f"h{level}"))
        elif _RULE.match(raw):
            lines.append(_ln("─" * 40, kind="rule"))
        elif m := _BULLET.match(raw):
            text, spans = inline(m.group(2), *ctx)
            prefix = m.group(1) + "• "
            lines.append(_ln(prefix + text, _shift(spans, len(prefix))))
        elif m := _NUMBERED.match(raw):
            text, spans = inline(m.group(3), *ctx)
            prefix = f"{m.group(1)}{m.group(2)} "
            lines.append(_ln(prefix + text, _shift(spans, len(prefix))))
        elif raw.startswith(">"):
            text, spans = inline(raw.lstrip("> "), *ctx)
            lines.append(_ln("▌ " + text, _shift(spans, 2), kind="quote"))
        else:
            text, spans = inline(raw, *ctx)
            lines.append(_ln(text, spans))
        i += 1
    # Blank runs collapse to one blank line.
    tidy: list[tuple] = []
    for line in lines:
        if not line[0] and tidy and not tidy[-1][0]:
            continue
        tidy.append(line)
    while tidy and not tidy[-1][0]:
        tidy.pop()
    shown = {s[3] for line in tidy for s in line[1] if s[2] == "id"}
    missing = [a for a in actions if a.id not in shown]
    if missing and actions:
        # Elements the text does not show (a form field, an icon button): listed after it.
        title = "Elements not in the text above" if shown else "Elements"
        tidy += [_ln(""), _ln(title, kind="h2")]
        for a in missing:
            label = _label(a, a.id in masked)
            piece = f"{a.id} {label}"
            tidy.append(_ln(f"• {piece}", (_span(2, 2 + len(piece), "id", a.id),)))
    targets = []
    for n, (text, spans, _) in enumerate(tidy):
        for k, (start, end, kind, target) in enumerate(spans):
            if kind == "id":
                href = getattr(ids.get(target), "href", None) or ""
                targets.append((n, k, target, href, text[start:end]))
            elif kind == "link":
                targets.append((n, k, "", target, text[start:end]))
    return PageDoc(tidy, targets, "\n".join(line[0] for line in tidy))


def _label(action, masked: bool) -> str:
    """`Search: "kindle"`, `Country: France ▾`, `Remember me ☑`: an element as a chip."""
    text = clean(action.description or action.role or action.tag or "element")
    params = action.params
    if params and params[0].values:
        return f"{text}: {action.value or params[0].default or ''} ▾".replace(":  ▾", ": ▾")
    if params:
        if masked:
            return f'{text}: "••••"'
        return f'{text}: "{clean(action.value or "")}"'
    if action.checked is not None:
        return f"{text} {'☑' if action.checked else '☐'}"
    return text


def _shift(spans: tuple, by: int) -> tuple:
    return tuple((s[0] + by, s[1] + by, s[2], s[3]) for s in spans)


def wrap(doc: PageDoc, width: int) -> list[tuple[int, int, int]]:
    """Screen rows as (line, start, end): word-wrapped at `width` cells."""
    width = max(8, width)
    rows: list[tuple[int, int, int]] = []
    append = rows.append
    for n, text in enumerate(doc.texts):
        size = len(text)
        if size <= width and (text.isascii() or cell_len(text) <= width):
            append((n, 0, size))
            continue
        start = 0
        wide = not text.isascii()
        while start < size:
            end = min(size, start + width)
            if wide:
                while end > start + 1 and cell_len(text[start:end]) > width:
                    end -= 1
            if end < size:
                space = text.rfind(" ", start + 1, end + 1)
                if space > start + width // 3:
                    end = space + 1
            append((n, start, end))
            start = end
    return rows
