"""The review's scrolling view of one example: rendered once per example into lines, repainting
only the lines that changed (the renderables come from `tuiapp.widgets.example_render`)."""

from __future__ import annotations

from rich.console import Console, Group, RenderableType
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.events import Resize
from textual.geometry import Region, Size
from textual.reactive import Reactive
from textual.strip import Strip
from textual.widgets import RichLog

from tuiapp.widgets.example_render import MAX_SHOWN_CHARS, render_example
from tuiapp.widgets.scrollbars import resize_thumb

__all__ = ["MAX_SHOWN_CHARS", "ExampleView", "padded_line", "render_example", "render_strips"]

PAD = 1  # cells left and right of the example's text, drawn into its lines


def render_strips(console: Console, renderable: RenderableType, width: int) -> list[Strip]:
    """The lines `renderable` draws at `width`, as RichLog.write makes them. A Group's Text
    parts (most of an example) are wrapped straight into lines: Rich's own path renders the
    wrapped lines into one stream of segments, then splits it into lines again."""
    options = console.options.update_width(width)
    if isinstance(renderable, str):
        renderable = Text(renderable)  # as RichLog makes a string (no markup)
    parts = renderable.renderables if isinstance(renderable, Group) else [renderable]
    strips: list[Strip] = []
    for part in parts:
        if isinstance(part, Text) and part.end == "\n":
            lines = part.wrap(console, width, tab_size=console.tab_size)
            strips += (Strip(_line_segments(console, line)) for line in lines)
        else:  # tables (a preference pair's columns), notes: rendered as RichLog does
            segments = console.render(part, options)
            strips += (Strip(line) for line in Segment.split_lines(segments))
    return strips or [Strip.blank(width)]


def padded_line(
    line: Strip | None, width: int, style: Style, scroll_x: int = 0, pad: int = PAD
) -> Strip:
    """One line as the view draws it: `pad` cells, the line (from cell `scroll_x`) over the
    view's style, filled to `width` (what RichLog's crop and style, then Textual's padding
    made of it, in one strip)."""
    if line is None:
        return Strip([Segment(" " * width, style)], width)
    inner = width - 2 * pad
    if scroll_x or line.cell_length > inner:  # a view narrower than the lines' minimum width
        line = line.crop(scroll_x, scroll_x + inner)
    segments = [Segment(" " * pad, style)]
    segments += (Segment(text, style + s if s else style) for text, s, _ in line)
    if (fill := width - pad - line.cell_length) > 0:
        segments.append(Segment(" " * fill, style))
    return Strip(segments, width)


def _line_segments(console: Console, line: Text) -> list[Segment]:
    """One wrapped line's segments, its own style under its spans (Text.render drops the
    style of a line without spans; Rich's joined lines carry it as a span)."""
    if line.spans or not line.style:
        return list(line.render(console))
    return [Segment(line.plain, console.get_style(line.style, default=Style.null()))]


class ExampleView(RichLog, can_focus=False):
    """A scrolling view of one example, rendered once per example into lines (a line-API
    widget: showing the next example repaints this view without a layout pass)."""

    DEFAULT_CSS = """
    ExampleView { padding: 0; background: $surface; scrollbar-gutter: stable; }
    """
    # No CSS padding: each line is drawn with its padding and the view's style, whole, once
    # per example (RichLog cropped and styled each line, then Textual padded it: three strips
    # where one does, and the padding column beside the scrollbar cut every row once more).
    # The view's own size comes from the layout, never from the example it shows (its
    # scrollbar has a gutter kept for it): a new example's length needs no layout of the
    # screen, only a scrollbar shown or hidden does (a layout on every key in the review
    # re-arranged and repainted every widget: ~20 ms a key). Nor a repaint: `show` repaints
    # only the lines that changed.
    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False, repaint=False)
    _replacing = False  # in `show`: the scrollbars follow once, after the lines are replaced

    # What every line of the frame being rendered shares (scroll offset, width, style), read
    # once a frame instead of once a line: the widget's style alone cost ~0.1 ms a frame.
    _frame: tuple[int, int, int, Style] | None = None
    # each line of what is shown as drawn (by index), and the offset, width and style they
    # were drawn for; a new example keeps the drawn lines it shares with the last one
    _drawn: dict[int, Strip]
    _drawn_as: tuple[int, int, Style] | None

    @property
    def rich_style(self) -> Style:
        """The widget's style: the frame's while one is rendered."""
        return super().rich_style if self._frame is None else self._frame[3]

    def render_lines(self, crop: Region) -> list[Strip]:
        """The visible lines, with what they share computed once for all of them. When the
        view draws nothing but its lines (no border, padding, outline, tint or opacity) and
        its scrollbar covers the gutter, the lines go out as drawn, through the app's filters:
        Textual's styles cache would copy each new line to the gutter's width, again for a tint
        it has not got, and the screen would cut it in two at the scrollbar."""
        self._frame = self._frame_now()
        try:
            if not self._draws_only_lines():
                return super().render_lines(crop)
            strips = [self.render_line(y) for y in crop.line_range]
        finally:
            self._frame = None
        if filters := self.get_line_filters():
            background = self.background_colors[1]
            for line_filter in filters:
                strips = [strip.apply_filter(line_filter, background) for strip in strips]
        if crop.column_span != (0, self.size.width):
            strips = [strip.crop(*crop.column_span) for strip in strips]
        return strips

    def _frame_now(self) -> tuple[int, int, int, Style]:
        """What the lines drawn now share: scroll offset (x, y), width and style."""
        scroll_x, scroll_y = self.scroll_offset
        return (scroll_x, scroll_y, self.scrollable_content_region.width, super().rich_style)

    def _draws_only_lines(self) -> bool:
        """Whether the styles cache would add nothing to the lines but the gutter the
        vertical scrollbar covers."""
        styles = self.styles
        return (
            self.show_vertical_scrollbar
            and not any(styles.padding)
            and not any(edge for edge, _ in styles.border)
            and not any(edge for edge, _ in styles.outline)
            and not styles.tint.a
            and self.opacity == 1.0
            and styles.text_opacity == 1.0
            and not (styles.has_rule("hatch") and styles.hatch != "none")
        )

    def render_line(self, y: int) -> Strip:
        """Line y of the view: the example's line at the scroll position, padded and styled."""
        scroll_x, scroll_y, width, style = self._frame or self._frame_now()
        if (scroll_x, width, style) != self._drawn_as:  # drawn otherwise now: all again
            self._drawn = {}
            self._drawn_as = (scroll_x, width, style)
        index = scroll_y + y
        strip = self._drawn.get(index)
        if strip is None:
            line = self.lines[index] if index < len(self.lines) else None
            strip = self._drawn[index] = padded_line(line, width, style, scroll_x)
        return strip

    def _watch_virtual_size(self, size: Size) -> None:
        """Scrollbars follow the length of what is shown (what a layout pass did before)."""
        if not self._replacing:
            self._scroll_update(size)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(
            id=id, wrap=True, markup=False, highlight=False, auto_scroll=False, min_width=20
        )
        self.shown: RenderableType = ""
        self._drawn = {}
        self._drawn_as = None

    def show(self, renderable: RenderableType) -> None:
        """Replace what is shown and scroll to the top, repainting only the lines that differ
        from what was shown (the next example often shares its blank tail, roles, header)."""
        self.shown = renderable
        if not self._size_known:  # made into lines at the first size (on_resize)
            return
        before, height = list(self.lines), len(self.lines)
        self._replacing = True
        try:
            # at the view's width: a wrapped example fills it, and no measuring pass first
            width = max(self.scrollable_content_region.width - 2 * PAD, self.min_width)
            self.lines = render_strips(self.app.console, renderable, width)
            widest = max(s.cell_length for s in self.lines) + 2 * PAD
            self.virtual_size = Size(widest, len(self.lines))
        finally:
            self._replacing = False
        if len(self.lines) != height:
            self._follow_length()
        if self.scroll_offset != (0, 0):  # a scroll repaints every line anyway
            self._drawn = {}
            self.scroll_home(animate=False, immediate=True)
            self.refresh()
            return
        self._repaint_changed(before)

    def _follow_length(self) -> None:
        """The scrollbar follows the new length, repainted only when its thumb is drawn
        otherwise (a bar shown or hidden still takes Textual's own update)."""
        shown = self.show_vertical_scrollbar, self.show_horizontal_scrollbar
        self._refresh_scrollbars()
        if (self.show_vertical_scrollbar, self.show_horizontal_scrollbar) != shown or not (
            self.show_vertical_scrollbar and self.styles.scrollbar_size_vertical
        ):
            self._scroll_update(self.virtual_size)
            return
        window = self.container_size.height - self.scrollbar_size_horizontal
        resize_thumb(self.vertical_scrollbar, self.virtual_size.height, window)
        if self.show_horizontal_scrollbar:  # wrapped text: not shown in the review
            self._scroll_update(self.virtual_size)
        else:
            self.scroll_y = self.validate_scroll_y(self.scroll_y)

    def _repaint_changed(self, before: list[Strip]) -> None:
        """Repaint the visible lines that are not what they were (runs of them, one region
        each), and forget how they were drawn: a move in the review draws and repaints what
        changed, not the whole pane."""
        width, rows = self.size
        drawn, self._drawn = self._drawn, {}
        start = None
        for y in range(rows + 1):
            old = before[y] if y < len(before) else None
            new = self.lines[y] if y < len(self.lines) else None
            changed = y < rows and old != new
            if y < rows and not changed and y in drawn:
                self._drawn[y] = drawn[y]
            if changed and start is None:
                start = y
            elif not changed and start is not None:
                self.refresh(Region(0, start, width, y - start))
                start = None

    def on_resize(self, event: Resize) -> None:
        """Make the lines of what is shown at the new width (the first size included: RichLog
        would hold its writes until then)."""
        if event.size.width:
            self._size_known = True
            self.show(self.shown)
