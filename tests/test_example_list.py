"""The review's virtual list at 1,000,000 rows: a move by one row repaints no scrollbar (its
thumb cannot show so small a step), a jump moves the thumb; rows show narrow columns."""

from __future__ import annotations

from collections.abc import Iterable

from textual.app import App, ComposeResult
from textual.scrollbar import ScrollBar

from tuiapp.problems import Severity
from tuiapp.store.records import ExampleRow
from tuiapp.widgets.example_list import ExampleList

ROWS = 1_000_000


def rows(positions: Iterable[int]) -> dict[int, ExampleRow]:
    """Made-up rows, one per position."""
    return {
        i: ExampleRow(i, i, i + 1, "pending", Severity.OK, 12, f"Question {i}?", False, False)
        for i in positions
    }


class ListApp(App[None]):
    """Just the list."""

    def compose(self) -> ComposeResult:
        """The list of a million rows."""
        yield ExampleList(rows)

    def on_mount(self) -> None:
        """Fill it."""
        self.query_one(ExampleList).set_rows(ROWS)
        self.query_one(ExampleList).focus()


async def test_moving_a_row_at_a_time_repaints_no_scrollbar_and_a_jump_moves_the_thumb() -> None:
    app = ListApp()
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        listing = app.query_one(ExampleList)
        bar = listing.vertical_scrollbar
        top_row = bar.render_lines(bar.size.region)[0]
        painted: list[int] = []
        render = ScrollBar.render

        def counting(self: ScrollBar):  # type: ignore[no-untyped-def]
            painted.append(1)
            return render(self)

        ScrollBar.render = counting  # type: ignore[method-assign]
        try:
            for _ in range(30):  # past the bottom of the view: each j scrolls by a row
                await pilot.press("j")
                await pilot.pause()
            assert listing.scroll_y > 5
            assert painted == []
            await pilot.press("G")
            await pilot.pause()
            assert painted  # the thumb went to the bottom
        finally:
            ScrollBar.render = render  # type: ignore[method-assign]
        assert bar.render_lines(bar.size.region)[0] != top_row
        line = app.screen._compositor.render_strips()[-1].text
        assert line.startswith("1000000 ·") and "12 Question 999999?" in line, line
