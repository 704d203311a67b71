"""The page for reading: a Line API view that renders only the rows on screen.

Textual's Markdown widget mounts a widget per block (a minute for a 1 MB
page); a TextArea shows markdown source. This view takes a `PageDoc` (built
off the UI's turn), wraps it to the width and paints the visible rows only.
The cursor stops on element ids and links (right/left, or click); Enter on
an id runs it like the Actions table; the focused link's target is shown
in the status line under the view, never inline.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.ui.page_doc import PageDoc, Target, wrap

KIND_STYLES = {
    "h1": Style(bold=True, underline=True, color="bright_cyan"),
    "h2": Style(bold=True, color="bright_cyan"),
    "h3": Style(bold=True, color="cyan"),
    "h4": Style(bold=True),
    "h5": Style(bold=True, italic=True),
    "h6": Style(italic=True),
    "code": Style(color="bright_green"),
    "rule": Style(dim=True),
    "quote": Style(italic=True, dim=True),
}
SPAN_STYLES = {
    "strong": Style(bold=True),
    "em": Style(italic=True),
    "code": Style(color="bright_green", bgcolor="grey15"),
    "link": Style(color="bright_blue", underline=True),
    "img": Style(color="magenta", dim=True),
    "id": Style(color="black", bgcolor="bright_yellow"),
}
ID_PREFIX_STYLE = Style(bold=True)
FOCUS_STYLE = Style(color="black", bgcolor="bright_white", bold=True, reverse=False)
CURSOR_ROW_STYLE = Style(bgcolor="grey23")
MAX_HITS = 2_000  # rows `find` counts at most (the UI's turn stays short on any page)
# Words found (`find`): apart from the id chips' yellow
MATCH_STYLE = Style(color="white", bgcolor="magenta")
CURRENT_MATCH_STYLE = Style(color="black", bgcolor="bright_magenta", bold=True, underline=True)


class PageView(ScrollView, can_focus=True):
    """Read-only page: wrapped lines, id chips, a cursor that stops on targets."""

    DEFAULT_CSS = "PageView { height: 1fr; }"

    BINDINGS = [
        Binding(
            "enter", "run", "Run id", id="page.run", tooltip="Run the element under the cursor"
        ),
        Binding("right", "next_target", "Next id", show=False, id="page.next"),
        Binding("left", "previous_target", "Previous id", show=False, id="page.previous"),
        Binding("down", "cursor(1)", "Down", show=False, id="page.down"),
        Binding("up", "cursor(-1)", "Up", show=False, id="page.up"),
        Binding("pagedown", "cursor_page(1)", "Page down", show=False, id="page.page_down"),
        Binding("pageup", "cursor_page(-1)", "Page up", show=False, id="page.page_up"),
        Binding("home", "cursor_to(0)", "Top", show=False, id="page.home"),
        Binding("end", "cursor_to(-1)", "Bottom", show=False, id="page.end"),
    ]

    class Focused(Message):
        """The cursor moved onto a target (None: onto plain text)."""

        def __init__(self, target: Target | None) -> None:
            super().__init__()
            self.target = target

    class Run(Message):
        """Enter on a target: run its element (or follow its link)."""

        def __init__(self, target: Target) -> None:
            super().__init__()
            self.target = target

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.doc = PageDoc([], [], "")
        self.rows: list[tuple[int, int, int]] = []
        self._wrapped_for = -1
        self.cursor = 0  # a row
        self.focused: int | None = None  # index into doc.targets
        self._row_of_line: list[int] = []
        self._cache: dict[tuple[int, bool, int | None], list[Segment]] = {}
        self.needle = ""  # words being found: shown on every row, the current match's row more
        self.match_row: int | None = None
        self._lowered: tuple[PageDoc, str, list[int]] | None = None  # what `find` scans

    @property
    def text(self) -> str:
        return self.doc.text

    @property
    def wrap_width(self) -> int:
        """The width lines are wrapped at (what a caller wrapping off the UI's turn uses)."""
        return (self.scrollable_content_region.width or self.size.width or 80) - 1

    def load(self, doc: PageDoc, rows: tuple[int, list] | None = None) -> None:
        """Show a page from its top; `rows`: (width, rows) already wrapped in a thread."""
        self.doc = doc
        self._wrapped_for = -1
        self.cursor = 0
        self.focused = None
        self.match_row = None
        self._lowered = None  # `find`'s copy of the last page (it held that page's doc alive)
        self._rewrap(rows)
        self.scroll_to(0, 0, animate=False)
        self.post_message(self.Focused(None))

    def _rewrap(self, given: tuple[int, list] | None = None) -> None:
        width = self.scrollable_content_region.width or self.size.width or 80
        if width == self._wrapped_for:
            return
        self._wrapped_for = width
        self.match_row = None  # its row moved
        if given is not None and given[0] == width - 1:
            self.rows = given[1]
        else:
            self.rows = wrap(self.doc, width - 1)
        first: list[int] = [0] * len(self.doc.lines)
        for r in range(len(self.rows) - 1, -1, -1):
            first[self.rows[r][0]] = r
        self._row_of_line = first
        self._cache.clear()
        self.virtual_size = Size(width, len(self.rows))
        self.cursor = min(self.cursor, max(0, len(self.rows) - 1))
        self.refresh()

    def on_resize(self) -> None:
        self._rewrap()

    def render_line(self, y: int) -> Strip:
        scroll_y = self.scroll_offset.y
        row = scroll_y + y
        width = self.scrollable_content_region.width
        if row >= len(self.rows):
            return Strip.blank(width, self.rich_style)
        focus_here = self.focused if self._focused_line() == self.rows[row][0] else None
        key = (row, row == self.cursor and self.has_focus, focus_here)
        segments = self._cache.get(key)
        if segments is None:
            segments = self._render_row(row, key[1], focus_here)
            if len(self._cache) > 400:  # a few screens: segments are tracked objects
                self._cache.clear()
            self._cache[key] = segments
        style = self.rich_style
        return Strip(segments).apply_style(style).extend_cell_length(width, style).crop(0, width)

    def _focused_line(self) -> int | None:
        if self.focused is None or self.focused >= len(self.doc.targets):
            return None
        return self.doc.target_lines[self.focused]

    def _render_row(self, row: int, cursor: bool, focused: int | None) -> list[Segment]:
        n, start, end = self.rows[row]
        line = self.doc.lines[n]
        text = Text(line.text[start:end], end="", no_wrap=True)
        base = KIND_STYLES.get(line.kind)
        if base is not None:
            text.stylize(base)
        if cursor:
            text.stylize(CURSOR_ROW_STYLE)
        focus_span = None
        if focused is not None:
            focus_span = self.doc.targets[focused].span
        for k, span in enumerate(line.spans):
            a, b = max(span.start, start) - start, min(span.end, end) - start
            if a >= b:
                continue
            style = FOCUS_STYLE if k == focus_span else SPAN_STYLES.get(span.kind)
            if style is not None:
                text.stylize(style, a, b)
            if span.kind == "id" and span.start >= start:
                text.stylize(ID_PREFIX_STYLE, a, a + len(span.target))
        if self.needle:  # last: the words found show inside id chips and links too
            style = CURRENT_MATCH_STYLE if row == self.match_row else MATCH_STYLE
            low, size = text.plain.lower(), len(self.needle)
            at = low.find(self.needle)
            while at >= 0:
                text.stylize(style, at, at + size)
                at = low.find(self.needle, at + size)
        return list(text.render(self.app.console))

    # --- the cursor -----------------------------------------------------------------------

    def _move_to_row(self, row: int, *, pick: bool = True) -> None:
        if not self.rows:
            return
        self.cursor = max(0, min(len(self.rows) - 1, row))
        if pick:
            n, start, end = self.rows[self.cursor]
            self.focused = None
            if n in self.doc.targets_of_line:
                spans = self.doc.lines[n].spans
                for i in self.doc.targets_of_line[n]:
                    if start <= spans[self.doc.targets[i].span].start < end:
                        self.focused = i
                        break
            self.post_message(self.Focused(self.target))
        self._cache.clear()
        self.scroll_to_region_row(self.cursor)
        self.refresh()

    def scroll_to_region_row(self, row: int) -> None:
        height = self.scrollable_content_region.height or 1
        top = self.scroll_offset.y
        if row < top:
            self.scroll_to(y=row, animate=False)
        elif row >= top + height:
            self.scroll_to(y=row - height + 1, animate=False)

    @property
    def target(self) -> Target | None:
        if self.focused is None or self.focused >= len(self.doc.targets):
            return None
        return self.doc.targets[self.focused]

    def focus_target(self, index: int) -> None:
        """Put the cursor on target `index` (scrolling to it)."""
        if not self.doc.targets:
            return
        index = max(0, min(len(self.doc.targets) - 1, index))
        target = self.doc.targets[index]
        span = self.doc.lines[target.line].spans[target.span]
        row = self._row_of_line[target.line] if self._row_of_line else 0
        while (
            row + 1 < len(self.rows)
            and self.rows[row + 1][0] == target.line
            and self.rows[row + 1][1] <= span.start
        ):
            row += 1
        self.focused = index
        self._move_to_row(row, pick=False)
        self.post_message(self.Focused(target))

    def find(self, needle: str, step: int = 0) -> tuple[int, int]:
        """Put the cursor on a row where `needle` starts (any case): the first at or after
        the cursor (`step` 0), or the next / previous match (1 / -1), round the page's end.
        Returns (which match, of how many); (0, 0) for none."""
        needle = needle.strip().lower()
        self.needle, self.match_row = needle, None
        self._cache.clear()
        self.refresh()
        if not needle or not self.rows:
            return 0, 0
        if self._lowered is None or self._lowered[0] is not self.doc:
            # The page's lines once, lowered and joined (a newline never matches a needle),
            # with where each starts: a search is then one scan in C (~1 ms a MB).
            starts, at = [], 0
            for text in self.doc.texts:
                starts.append(at)
                at += len(text) + 1
            self._lowered = (self.doc, "\n".join(self.doc.texts).lower(), starts)
        _, joined, starts = self._lowered
        hits: list[int] = []
        rows = self.rows
        at = joined.find(needle)
        while at >= 0 and len(hits) < MAX_HITS:  # one letter on a 1 MB page: enough
            n = bisect_right(starts, at) - 1
            offset = at - starts[n]
            row = self._row_of_line[n]
            while row + 1 < len(rows) and rows[row + 1][0] == n and rows[row + 1][1] <= offset:
                row += 1
            hits.append(row)
            # on from the end of that row: a row counts once, however often it holds the words
            at = joined.find(needle, max(at + len(needle), starts[n] + rows[row][2]))
        if not hits:
            return 0, 0
        if step > 0:
            i = bisect_right(hits, self.cursor) % len(hits)
        elif step < 0:
            i = (bisect_left(hits, self.cursor) - 1) % len(hits)
        else:
            i = bisect_left(hits, self.cursor) % len(hits)
        self.focused = None
        self.match_row = hits[i]
        self._move_to_row(hits[i], pick=False)
        return i + 1, len(hits)

    def stop_finding(self) -> None:
        """The words found are no longer shown (the find box closed); the cursor takes the
        id or link on the found row, so Enter runs what was found."""
        self.needle, self.match_row = "", None
        self._move_to_row(self.cursor)

    def action_cursor(self, delta: int) -> None:
        self._move_to_row(self.cursor + delta)

    def action_cursor_page(self, delta: int) -> None:
        height = self.scrollable_content_region.height or 10
        self.scroll_to(y=self.scroll_offset.y + delta * height, animate=False)
        self._move_to_row(self.cursor + delta * height)

    def action_cursor_to(self, row: int) -> None:
        self._move_to_row(row if row >= 0 else len(self.rows) - 1)

    def action_next_target(self) -> None:
        targets = self.doc.targets
        if not targets:
            return
        if self.focused is not None:
            self.focus_target(min(len(targets) - 1, self.focused + 1))
            return
        line = self.rows[self.cursor][0] if self.rows else 0
        after = bisect_left(self.doc.target_lines, line)  # targets are in line order
        self.focus_target(min(after, len(targets) - 1))

    def action_previous_target(self) -> None:
        targets = self.doc.targets
        if not targets:
            return
        if self.focused is not None:
            self.focus_target(max(0, self.focused - 1))
            return
        line = self.rows[self.cursor][0] if self.rows else 0
        before = bisect_right(self.doc.target_lines, line)
        self.focus_target(before - 1 if before else 0)

    def action_run(self) -> None:
        target = self.target
        if target is not None:
            self.post_message(self.Run(target))

    def on_click(self, event) -> None:
        row = self.scroll_offset.y + event.y
        if not (0 <= row < len(self.rows)):
            return
        n, start, _ = self.rows[row]
        column = start + event.x
        spans = self.doc.lines[n].spans
        for i in self.doc.targets_of_line.get(n, ()):
            span = spans[self.doc.targets[i].span]
            if span.start <= column < span.end:
                self.focus_target(i)
                return
        self._move_to_row(row)

    def on_focus(self) -> None:
        self._cache.clear()
        self.refresh()

    def on_blur(self) -> None:
        self._cache.clear()
        self.refresh()
