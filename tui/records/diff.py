"""What a step changed: actions, page text and screenshot, between two recorded moments.

Pure: `diff_steps` takes two `Moment`-like snapshots (url, title, actions,
markdown, PNG) and returns a `StepDiff`; `render_diff` says it as text for a
terminal or a script. The screenshot's changed regions are drawn as outlines
into the PNG itself, so every image renderer (Kitty, Sixel, half cells, a
file viewer) shows them.
"""

from __future__ import annotations

import difflib
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

# A pixel counts as changed when a channel moves by more than this (PNG noise, antialiasing).
PIXEL_THRESHOLD = 24
# The pixel diff is looked at in cells of this many pixels; touching cells form one region.
CELL = 8
OUTLINE = (230, 30, 60)
TEXT_CONTEXT = 3
# Changed pixels this many cells apart still make one region (one widget, not its letters).
REACH = 3
# Two descriptions at one id this alike are one element that changed (Cart (0) -> Cart (1)).
SIMILAR = 0.6


@dataclass
class PageState:
    """One side of a diff: the page as it was after a step."""

    label: str  # "step 3 · B2"
    url: str = ""
    title: str = ""
    actions: Sequence[Any] = ()  # Action-like: id, description, role, value, checked
    markdown: str | None = None
    png: bytes | None = None


@dataclass
class ActionChange:
    """One difference in the action space."""

    kind: Literal["added", "removed", "changed", "renamed"]
    id: str  # the id after (added/changed/renamed) or before (removed)
    description: str
    old_id: str = ""  # renamed: the id it had before
    detail: str = ""  # changed: what changed ("value '' → 'kindle'")

    def line(self) -> str:
        mark = {"added": "+", "removed": "-", "changed": "~", "renamed": "→"}[self.kind]
        if self.kind == "renamed":
            return f"{mark} {self.old_id} → {self.id} {self.description} (same element, new id)"
        if self.kind == "changed":
            return f"{mark} {self.id} {self.description}: {self.detail}"
        return f"{mark} {self.id} {self.description}"


@dataclass
class StepDiff:
    """Everything that differs between two page states."""

    before: str
    after: str
    url: tuple[str, str]
    title: tuple[str, str]
    actions: list[ActionChange] = field(default_factory=list)
    text: list[str] = field(default_factory=list)  # a unified diff, opening at the first change
    regions: list[tuple[int, int, int, int]] = field(default_factory=list)  # x0, y0, x1, y1
    image: bytes | None = None  # the later screenshot with the changed regions outlined
    notes: list[str] = field(default_factory=list)  # what could not be compared, and why

    @property
    def navigated(self) -> bool:
        return self.url[0] != self.url[1]

    @property
    def nothing_changed(self) -> bool:
        return not (
            self.navigated
            or self.title[0] != self.title[1]
            or self.actions
            or self.text
            or self.regions
        )

    def count(self, kind: str) -> int:
        return sum(1 for c in self.actions if c.kind == kind)


def _norm(text: str | None) -> str:
    return " ".join((text or "").split()).casefold()


def _similar(a: str, b: str) -> bool:
    return difflib.SequenceMatcher(None, _norm(a), _norm(b)).ratio() >= SIMILAR


def _state(action: Any) -> dict[str, Any]:
    return {
        "value": getattr(action, "value", None),
        "checked": getattr(action, "checked", None),
    }


def _describe_change(old: Any, new: Any) -> str:
    parts = []
    if _norm(old.description) != _norm(new.description):
        parts.append(f"was '{old.description}'")
    before, after = _state(old), _state(new)
    for key in ("value", "checked"):
        if before[key] != after[key]:
            parts.append(f"{key} {before[key]!r} → {after[key]!r}")
    return "; ".join(parts)


def diff_actions(before: Sequence[Any], after: Sequence[Any]) -> list[ActionChange]:
    """Actions added, removed, changed (same element, new value/text) and renamed (new id).

    Matched first by id and description, then by description (an id shifted by
    an element above it: one rename, not a removal and an addition), then by id
    (the element at that place now says something else).
    """
    old = list(before)
    new = list(after)
    pairs: list[tuple[Any, Any]] = []

    def take(key, similar: bool = False) -> None:
        index: dict[Any, list[int]] = {}
        for i, a in enumerate(old):
            if a is not None:
                index.setdefault(key(a), []).append(i)
        for j, b in enumerate(new):
            if b is None:
                continue
            slots = index.get(key(b))
            if slots and similar and not _similar(old[slots[0]].description, b.description):
                continue
            if slots:
                i = slots.pop(0)
                pairs.append((old[i], b))
                old[i] = None
                new[j] = None

    take(lambda a: (a.id, _norm(a.description)))
    take(lambda a: (a.id[:1], _norm(a.description)))
    # Same id, similar text (Cart (0) -> Cart (1)); unrelated text at the same id is a new element.
    take(lambda a: a.id, similar=True)
    changes: list[ActionChange] = []
    for a, b in pairs:
        if a.id != b.id and _norm(a.description) == _norm(b.description):
            changes.append(ActionChange("renamed", b.id, b.description, old_id=a.id))
            detail = _describe_change(a, b)
            if detail:
                changes[-1].detail = detail
        else:
            detail = _describe_change(a, b)
            if detail:
                changes.append(ActionChange("changed", b.id, b.description, detail=detail))
    changes += [ActionChange("removed", a.id, a.description) for a in old if a is not None]
    changes += [ActionChange("added", b.id, b.description) for b in new if b is not None]
    order = {"added": 0, "removed": 1, "changed": 2, "renamed": 3}
    changes.sort(key=lambda c: order[c.kind])
    return changes


def diff_text(before: str | None, after: str | None, labels: tuple[str, str]) -> list[str]:
    """The page text as a unified diff: empty when equal; its first hunk is the first change."""
    if (before or "") == (after or ""):
        return []
    return list(
        difflib.unified_diff(
            (before or "").splitlines(),
            (after or "").splitlines(),
            fromfile=labels[0],
            tofile=labels[1],
            lineterm="",
            n=TEXT_CONTEXT,
        )
    )


def changed_regions(before: bytes, after: bytes) -> tuple[list[tuple[int, int, int, int]], bytes]:
    """The bounding boxes of the pixels that changed, and `after` with them outlined."""
    from PIL import Image, ImageChops, ImageDraw, ImageFilter

    a = Image.open(io.BytesIO(before)).convert("RGB")
    b = Image.open(io.BytesIO(after)).convert("RGB")
    width, height = b.size
    if a.size != b.size:  # compare the common area; what only one has counts as changed
        canvas = Image.new("RGB", b.size, (0, 0, 0))
        canvas.paste(a, (0, 0))
        a = canvas
    delta = ImageChops.difference(a, b).convert("L")
    mask = delta.point(lambda v: 255 if v > PIXEL_THRESHOLD else 0)
    cols, rows = -(-width // CELL), -(-height // CELL)
    # One value per cell: non-zero when any pixel in it changed.
    grid = mask.resize((cols, rows), Image.Resampling.BOX, reducing_gap=None)
    cells = grid.tobytes()
    # Cells up to REACH apart join one region: grow each changed cell (in C), then find
    # the grown areas' connected parts; a region's box is that of its changed cells.
    near = grid.point(lambda v: 255 if v else 0).filter(ImageFilter.MaxFilter(2 * REACH + 1))
    grown = near.tobytes()
    seen = bytearray(len(grown))
    regions: list[tuple[int, int, int, int]] = []
    for start, value in enumerate(grown):
        if not value or seen[start]:
            continue
        seen[start] = 1
        stack = [start]
        x0 = y0 = 10**9
        x1 = y1 = -1
        while stack:
            i = stack.pop()
            cy, cx = divmod(i, cols)
            if cells[i]:
                x0, y0, x1, y1 = min(x0, cx), min(y0, cy), max(x1, cx), max(y1, cy)
            for j in (i - 1, i + 1, i - cols, i + cols):
                if 0 <= j < len(grown) and grown[j] and not seen[j]:
                    if abs(j % cols - cx) > 1:
                        continue  # wrapped around a row's end
                    seen[j] = 1
                    stack.append(j)
        if x1 < 0:
            continue
        box = (x0 * CELL, y0 * CELL, min(width, (x1 + 1) * CELL), min(height, (y1 + 1) * CELL))
        regions.append(box)
    regions = _merge(regions)
    regions.sort(key=lambda r: (r[1], r[0]))
    marked = b.copy()
    draw = ImageDraw.Draw(marked)
    line = max(2, width // 160)  # thick enough to survive half-cell renderers
    for x0, y0, x1, y1 in regions:
        pad = line + 1
        draw.rectangle(
            (
                max(0, x0 - pad),
                max(0, y0 - pad),
                min(width - 1, x1 + pad),
                min(height - 1, y1 + pad),
            ),
            outline=OUTLINE,
            width=line,
        )
    out = io.BytesIO()
    marked.save(out, format="PNG", compress_level=1)  # shown now, not archived
    return regions, out.getvalue()


def _merge(boxes: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """Boxes that overlap become one, until none do."""
    boxes = list(boxes)
    merged = True
    while merged:
        merged = False
        for i in range(len(boxes)):
            for j in range(i + 1, len(boxes)):
                a, b = boxes[i], boxes[j]
                if a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]:
                    boxes[i] = (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))
                    del boxes[j]
                    merged = True
                    break
            if merged:
                break
    return boxes


def diff_steps(before: PageState, after: PageState, *, image: bool = True) -> StepDiff:
    """What changed from `before` to `after` (the page after one step, then after another)."""
    result = StepDiff(
        before=before.label,
        after=after.label,
        url=(before.url, after.url),
        title=(before.title, after.title),
        actions=diff_actions(before.actions, after.actions),
        text=diff_text(before.markdown, after.markdown, (before.label, after.label)),
    )
    if before.markdown is None or after.markdown is None:
        result.notes.append("the page text of one step was not kept")
    if image:
        if before.png and after.png:
            result.regions, result.image = changed_regions(before.png, after.png)
        else:
            result.notes.append("the screenshot of one step was not kept")
    return result


def summary(d: StepDiff) -> str:
    """One line: what changed, or that nothing did."""
    if d.nothing_changed:
        return "nothing changed: same page, same actions, same text, same screenshot"
    parts = []
    if d.navigated:
        parts.append("navigated")
    counts = [(d.count(k), w) for k, w in (("added", "added"), ("removed", "removed"))]
    counts += [(d.count("changed"), "changed"), (d.count("renamed"), "renamed")]
    acts = ", ".join(f"{n} {w}" for n, w in counts if n)
    if acts:
        parts.append(f"actions: {acts}")
    if d.text:
        plus = sum(1 for t in d.text if t.startswith("+") and not t.startswith("+++"))
        minus = sum(1 for t in d.text if t.startswith("-") and not t.startswith("---"))
        parts.append(f"text: +{plus} -{minus} lines")
    if d.regions:
        parts.append(f"screenshot: {len(d.regions)} changed region(s)")
    return "; ".join(parts)


def render_diff(d: StepDiff, *, text_lines: int = 200) -> str:
    """The diff as plain text (the CLI prints it; the Timeline shows it)."""
    lines = [f"# Changes: {d.before} → {d.after}", "", summary(d)]
    if d.nothing_changed:
        lines.append("The step left the page exactly as it was (did the action do anything?).")
    lines += ["", "## Page", ""]
    if d.navigated:
        lines += [f"url: {d.url[0] or '(none)'}", f"  → {d.url[1] or '(none)'}"]
    else:
        lines.append(f"url: {d.url[1] or '(none)'} (same)")
    if d.title[0] != d.title[1]:
        lines.append(f"title: {d.title[0]!r} → {d.title[1]!r}")
    lines += ["", f"## Actions ({len(d.actions)} changes)", ""]
    lines += [c.line() for c in d.actions[:300]] or ["(the same actions)"]
    if len(d.actions) > 300:
        lines.append(f"… {len(d.actions) - 300} more")
    lines += ["", "## Page text", ""]
    if d.text:
        lines += d.text[:text_lines]
        if len(d.text) > text_lines:
            lines.append(f"… {len(d.text) - text_lines} more diff lines")
    else:
        lines.append("(the same text)")
    lines += ["", "## Screenshot", ""]
    if d.regions:
        lines += [f"- {x1 - x0}×{y1 - y0} at ({x0}, {y0})" for x0, y0, x1, y1 in d.regions[:20]]
    elif d.image is not None:
        lines.append("(the same pixels)")
    lines += [f"note: {n}" for n in d.notes]
    return "\n".join(lines) + "\n"


def page_state(step: Any, label: str | None = None) -> PageState:
    """A recorded step (the store's `StoredStep`, the Timeline's `Moment`) as one side of a diff."""
    desc = getattr(step, "description", "") or ""
    return PageState(
        label=label or f"step {step.seq}" + (f" · {desc}" if desc else ""),
        url=step.url,
        title=step.title,
        actions=list(step.actions),
        markdown=step.markdown,
        png=step.screenshot(),
    )


def observed_state(observation: Any, label: str) -> PageState:
    """An observation (a page as a provider sees it now) as one side of a diff."""
    return PageState(
        label=label,
        url=observation.metadata.url,
        title=observation.metadata.title,
        actions=list(observation.actions),
        markdown=observation.markdown,
        png=observation.screenshot,
    )


__all__ = [
    "ActionChange",
    "PageState",
    "StepDiff",
    "changed_regions",
    "diff_actions",
    "diff_steps",
    "diff_text",
    "observed_state",
    "page_state",
    "render_diff",
    "summary",
]
