"""A vertical scrollbar moved without a repaint when its thumb would be drawn the same."""

from __future__ import annotations

from math import ceil

from textual.scrollbar import ScrollBar, ScrollBarRender


def thumb_eighths(bar: ScrollBar, position: float) -> tuple[int, int]:
    """Where a vertical scrollbar draws its thumb for `position`, in eighths of a cell (as
    ScrollBarRender computes it)."""
    size, virtual = bar.size.height, ceil(bar.window_virtual_size)
    window = ceil(bar.window_size) if bar.window_size < bar.window_virtual_size else 0
    if not (window and size and virtual and size != virtual):
        return (0, 0)
    eighths = len(ScrollBarRender.VERTICAL_BARS)
    thumb = max(1, window / (virtual / size))
    start = int((size - thumb) * (position / (virtual - window)) * eighths)
    return (start, start + ceil(thumb * eighths))


def move_thumb(bar: ScrollBar, old: float, new: float) -> None:
    """Set the scrollbar's position; repaint it only if the thumb moves (a row of a list of
    1,000,000 moves it by a fraction of an eighth of a cell: 33 lines repainted for nothing)."""
    if thumb_eighths(bar, old) == thumb_eighths(bar, new):
        bar.set_reactive(ScrollBar.position, new)
    else:
        bar.position = new


def resize_thumb(bar: ScrollBar, virtual: float, window: float) -> None:
    """Give a scrollbar a new length of content (and window); repaint it only if the thumb is
    drawn otherwise (the review's example pane always shows its bar: a short example after
    another draws the same empty track, 33 lines repainted for nothing)."""
    before = thumb_eighths(bar, bar.position)
    bar.set_reactive(ScrollBar.window_virtual_size, int(virtual))
    bar.set_reactive(ScrollBar.window_size, int(window))
    if thumb_eighths(bar, bar.position) != before:
        bar.refresh()
