"""A virtual list of examples: renders only the visible rows, fetched on demand, so a
1,000,000-example dataset scrolls as fast as a 100-example one."""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tuiapp.store.records import ExampleRow
from tuiapp.widgets.example_row import row_segments
from tuiapp.widgets.scrollbars import move_thumb

FetchRows = Callable[[Iterable[int]], dict[int, ExampleRow]]
OnMove = Callable[[int | None], None]


class ExampleList(ScrollView, can_focus=True):
    """The review list: one line per example, a cursor, rows read from the store as needed."""

    COMPONENT_CLASSES = {
        "example-list--cursor",
        "example-list--accepted",
        "example-list--rejected",
        "example-list--flagged",
        "example-list--error",
        "example-list--warning",
        "example-list--dim",
    }
    DEFAULT_CSS = """
    ExampleList { background: $surface; overflow-x: hidden; }
    ExampleList > .example-list--cursor { background: $block-cursor-background;
        color: $block-cursor-foreground; text-style: bold; }
    ExampleList:blur > .example-list--cursor { background: $block-cursor-blurred-background;
        color: $foreground; text-style: none; }
    ExampleList > .example-list--accepted { color: $success; }
    ExampleList > .example-list--rejected { color: $error; }
    ExampleList > .example-list--flagged { color: $warning; }
    ExampleList > .example-list--error { color: $error; text-style: bold; }
    ExampleList > .example-list--warning { color: $warning; }
    ExampleList > .example-list--dim { color: $text-muted; }
    """
    BINDINGS = [
        Binding("j,down", "cursor_down", "Next", show=False, id="list.next"),
        Binding("k,up", "cursor_up", "Previous", show=False, id="list.previous"),
        Binding("pagedown,space", "page_down", "Page down", show=False, id="list.page_down"),
        Binding("pageup", "page_up", "Page up", show=False, id="list.page_up"),
        Binding("home,g", "first", "First", show=False, id="list.first"),
        Binding("end,G", "last", "Last", show=False, id="list.last"),
    ]

    # no repaint of the whole list on a move: watch_cursor repaints the two rows (or scrolls)
    cursor: reactive[int] = reactive(0, always_update=True, repaint=False)

    @dataclass
    class Highlighted(Message):
        """The cursor moved to the example at dataset position `idx` (None: the list is empty)."""

        list: ExampleList
        idx: int | None

    def __init__(
        self, fetch_rows: FetchRows, *, on_move: OnMove | None = None, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self._fetch_rows = fetch_rows
        # told at once of a move (Highlighted follows as a message): what follows the cursor
        # repaints in the list's frame, not in a second one (a frame repaints every widget
        # it touches, whole: two a key cost twice one)
        self._on_move = on_move
        self._count = 0
        self._positions: array | None = None  # None: row i is example i (no filter)
        self._rows_of: dict[int, int] | None = None  # idx -> row, when positions are unsorted
        self._cache: dict[int, ExampleRow] = {}
        self._strips: dict[tuple[int, bool, int, int], Strip] = {}  # drawn rows, by idx
        self._styles: dict[str, Style] = {}  # the component styles of the frame being drawn
        self._styles_by_state: dict[tuple[int, ...], dict[str, Style]] = {}

    # --- the data behind the list -------------------------------------------------------
    def set_rows(
        self, count: int, positions: array | None = None, keep_idx: int | None = None
    ) -> None:
        """Show `count` examples (or exactly `positions`), keeping the cursor on keep_idx."""
        self._positions = positions
        self._rows_of = None
        if positions is not None and any(
            a > b for a, b in zip(positions, positions[1:], strict=False)
        ):
            self._rows_of = {idx: row for row, idx in enumerate(positions)}
        self._count = len(positions) if positions is not None else count
        self._cache.clear()
        self._strips.clear()
        self.virtual_size = Size(self.size.width, self._count)
        target = self.position_of(keep_idx) if keep_idx is not None else None
        self.cursor = target if target is not None else min(self.cursor, max(0, self._count - 1))
        self.refresh()

    def grow(self, count: int) -> None:
        """More examples arrived (an import in progress); only for the unfiltered list."""
        if self._positions is None and count != self._count:
            self._count = count
            self.virtual_size = Size(self.size.width, count)
            self.refresh()
            if count and self.cursor == 0:
                self.post_message(self.Highlighted(self, self.idx_at(0)))

    def forget(self, idx: int) -> None:
        """Drop a cached row after it changed in the store, and repaint it."""
        self._cache.pop(idx, None)
        for key in [k for k in self._strips if k[0] == idx]:
            del self._strips[key]
        self.refresh()

    @property
    def count(self) -> int:
        """How many rows the list has."""
        return self._count

    def idx_at(self, position: int) -> int | None:
        """Dataset position of the example on a list row."""
        if not 0 <= position < self._count:
            return None
        return self._positions[position] if self._positions is not None else position

    def position_of(self, idx: int) -> int | None:
        """List row of a dataset position, if the list shows it."""
        if self._positions is None:
            return idx if 0 <= idx < self._count else None
        if self._rows_of is not None:
            return self._rows_of.get(idx)
        i = bisect_left(self._positions, idx)
        return i if i < len(self._positions) and self._positions[i] == idx else None

    @property
    def current_idx(self) -> int | None:
        """Dataset position under the cursor."""
        return self.idx_at(self.cursor)

    # --- cursor -------------------------------------------------------------------------
    def validate_cursor(self, value: int) -> int:
        """Keep the cursor on a row."""
        return max(0, min(value, self._count - 1)) if self._count else 0

    def watch_cursor(self, old: int, new: int) -> None:
        """Scroll the cursor into view and tell the screen."""
        height = self.scrollable_content_region.height or 1
        if new < self.scroll_y:
            self.scroll_to(y=new, animate=False, immediate=True)
        elif new >= self.scroll_y + height:
            self.scroll_to(y=new - height + 1, animate=False, immediate=True)
        top = int(self.scroll_y)  # repaint the two rows that changed (a scroll moved the rest)
        for row in {old, new}:
            self.refresh(Region(0, row - top, self.size.width, 1))
        if self._on_move is not None and self.is_mounted:
            self._on_move(self.idx_at(new))
        self.post_message(self.Highlighted(self, self.idx_at(new)))

    def watch_scroll_y(self, old: float, new: float) -> None:
        """Repaint the rows; the scrollbar only when its thumb moves by a step it can draw (a
        row of a long list moves it by a fraction of an eighth of a cell)."""
        if self.show_vertical_scrollbar:
            move_thumb(self.vertical_scrollbar, old, new)
        if round(old) != round(new):
            self._scroll_lines(round(new) - round(old))

    def _scroll_lines(self, shift: int) -> None:
        """Repaint every line (each moved), styling again only the rows scrolled in: the styled
        lines (border included) move with the scroll: one row styles one line, not 33."""
        cache = self._styles_cache  # Textual's styled lines of this widget, by line
        dirty = cache._dirty_lines  # lines to draw again already (two keys in one frame)
        kept = {y - shift: strip for y, strip in cache._cache.items() if y not in dirty}
        self.refresh(self.size.region)  # every line on the screen, and every line dirty
        gutter = self.styles.gutter
        if gutter.top or gutter.bottom or abs(shift) >= self.size.height:
            return  # lines that are not rows (a border, padding), or nothing kept
        cache._cache = {y: strip for y, strip in kept.items() if 0 <= y < self.size.height}
        cache._dirty_lines.difference_update(cache._cache)

    def action_cursor_down(self) -> None:
        """Next example."""
        self.cursor += 1

    def action_cursor_up(self) -> None:
        """Previous example."""
        self.cursor -= 1

    def action_page_down(self) -> None:
        """One screen down."""
        self.cursor += max(1, self.scrollable_content_region.height - 1)

    def action_page_up(self) -> None:
        """One screen up."""
        self.cursor -= max(1, self.scrollable_content_region.height - 1)

    def action_first(self) -> None:
        """First example."""
        self.cursor = 0

    def action_last(self) -> None:
        """Last example."""
        self.cursor = self._count - 1

    def on_click(self, event: object) -> None:
        """Move the cursor to the clicked row."""
        y = getattr(event, "y", None)
        if y is not None:
            self.cursor = int(self.scroll_y) + int(y)

    # --- rendering ----------------------------------------------------------------------
    def _row(self, idx: int) -> ExampleRow | None:
        """A row from the cache, fetching the whole visible window on a miss."""
        row = self._cache.get(idx)
        if row is None:
            top = int(self.scroll_y)
            window = [self.idx_at(p) for p in range(top, top + self.size.height + 40)]
            self._cache.update(self._fetch_rows(i for i in window if i is not None))
            if len(self._cache) > 20_000:
                self._cache = {i: self._cache[i] for i in window if i in self._cache}
            row = self._cache.get(idx)
        return row

    def render_lines(self, crop: Region) -> list[Strip]:
        """The visible lines, the styles read once for all of them: a row already drawn in
        these styles is reused (a scroll by one row draws one new row, not a page)."""
        state = self._pseudo_classes_cache_key  # focus, hover: what the styles depend on
        styles = self._styles_by_state.get(state)
        if styles is None:  # read once per state (Textual forgets them at each repaint)
            styles = {name: self.get_component_rich_style(name) for name in self.COMPONENT_CLASSES}
            styles[""] = self.rich_style
            self._styles_by_state[state] = styles
        if styles != self._styles:
            self._styles = styles
            self._strips.clear()
        return super().render_lines(crop)

    def notify_style_update(self) -> None:
        """The styles changed (a theme, the CSS): read them again at the next frame."""
        super().notify_style_update()
        self._styles_by_state.clear()

    def render_line(self, y: int) -> Strip:
        """One visible line."""
        position = int(self.scroll_y) + y
        width = self.size.width
        base = self._styles.get("") or self.rich_style
        idx = self.idx_at(position)
        if idx is None:
            return Strip.blank(width, base)
        is_cursor = position == self.cursor
        key = (idx, is_cursor, width, self._line_width)
        strip = self._strips.get(key)
        if strip is not None:
            return strip
        row = self._row(idx)
        if row is None:
            return Strip([Segment(" …".ljust(width), base)], width)
        if is_cursor:
            base = base + self._style("example-list--cursor")
        segments = row_segments(row, self._line_width, base, self._style, is_cursor)
        strip = Strip(segments).crop_extend(0, width, base)
        if len(self._strips) > 500:
            self._strips.clear()
        self._strips[key] = strip
        return strip

    def _style(self, name: str) -> Style:
        """A component's style, as read for this frame."""
        style = self._styles.get(name)
        return self.get_component_rich_style(name) if style is None else style

    @property
    def _line_width(self) -> int:
        """Digits of the line numbers (their column is as narrow as the dataset allows)."""
        return max(3, len(str(self._count)))
