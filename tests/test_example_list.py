"""The review's virtual list at 1,000,000 rows: a move by one row repaints no scrollbar (its
thumb cannot show so small a step), a jump moves the thumb; rows show narrow columns; the
styles read once are read again when the focus or the theme changes."""

from __future__ import annotations

from collections.abc import Iterable

from rich.style import Style
from textual.app import App, ComposeResult
from textual.scrollbar import ScrollBar
from textual.widgets import Input

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


def shown_lines(app: ListApp) -> list[tuple[str, bool]]:
    """The list's lines as the terminal shows them: text, and whether drawn as the cursor."""
    listing = app.query_one(ExampleList)
    region = listing.region
    strips = app.screen._compositor.render_strips()[region.y : region.bottom]
    cursor = listing.get_component_rich_style("example-list--cursor")
    lines = []
    for strip in strips:
        row = strip.crop(region.x, region.right)
        lines.append((row.text, any(s.style and s.style.bold == cursor.bold for s in row)))
    return lines


def assert_rows_right(app: ListApp, after: object) -> None:
    """Each line shows the row at its place in the view, and only the cursor's is the cursor."""
    listing = app.query_one(ExampleList)
    top = int(listing.scroll_y)
    lines = shown_lines(app)
    for y, (text, _) in enumerate(lines):
        assert text.split()[0] == str(top + y + 1), (after, y, text)
        assert f"Question {top + y}?" in text
    assert [y for y, (_, bold) in enumerate(lines) if bold] == [listing.cursor - top], after


async def test_a_scroll_by_one_row_styles_one_new_line_and_shows_every_row_right() -> None:
    app = ListApp()
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        listing = app.query_one(ExampleList)
        drawn: list[int] = []
        render_line = ExampleList.render_line

        def counting(self: ExampleList, y: int):  # type: ignore[no-untyped-def]
            drawn.append(y)
            return render_line(self, y)

        ExampleList.render_line = counting  # type: ignore[method-assign]
        try:
            for _ in range(25):  # past the bottom of the view: the last j each scroll by a row
                await pilot.press("j")
                await pilot.pause()
            drawn.clear()
            await pilot.press("j")
            await pilot.pause()
            assert listing.scroll_y > 5
            assert len(drawn) <= 2, drawn  # the row scrolled in and the old cursor's row
            for keys in (["j"], ["k"] * 22, ["pagedown"], ["j", "j"], ["pageup"], ["G"], ["k"]):
                for key in keys:
                    await pilot.press(key)
                await pilot.pause()
                assert_rows_right(app, keys)
            listing.action_first()
            await pilot.pause()
            listing.cursor = listing.size.height - 2  # a row above the bottom
            await pilot.pause()
            listing.action_cursor_down()  # two keys in one frame: a move, then a scroll
            listing.action_cursor_down()
            await pilot.pause()
            assert listing.scroll_y == 1
            assert_rows_right(app, "a move and a scroll in one frame")
        finally:
            ExampleList.render_line = render_line  # type: ignore[method-assign]


class ListAndInput(App[None]):
    """The list and somewhere else for the focus to go."""

    def compose(self) -> ComposeResult:
        """The list above an input."""
        yield ExampleList(rows)
        yield Input()

    def on_mount(self) -> None:
        """Fill the list and focus it."""
        self.query_one(ExampleList).set_rows(100)
        self.query_one(ExampleList).focus()


def cursor_row_style(app: App[None]) -> Style:
    """The style the terminal shows the cursor's row in (its preview text)."""
    listing = app.query_one(ExampleList)
    strip = app.screen._compositor.render_strips()[listing.region.y + listing.cursor]
    segment = next(s for s in strip if "Question" in s.text)
    assert segment.style is not None
    return segment.style


async def test_the_cursor_row_follows_the_focus_and_the_theme() -> None:
    app = ListAndInput()
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.press("j")
        await pilot.pause()
        focused = cursor_row_style(app)
        assert focused.bold
        app.query_one(Input).focus()
        await pilot.pause()
        blurred = cursor_row_style(app)
        assert not blurred.bold and blurred.bgcolor != focused.bgcolor
        app.query_one(ExampleList).focus()
        await pilot.pause()
        assert cursor_row_style(app) == focused
        app.theme = "textual-light" if app.theme != "textual-light" else "nord"
        await pilot.pause()
        assert cursor_row_style(app).bgcolor != focused.bgcolor  # drawn in the new theme
