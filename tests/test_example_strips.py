"""The example pane's lines are made without Rich's render-then-split pass, and are the lines
RichLog.write made before: same text, same styles, same widths, for real files and odd text.
Each is then drawn as RichLog's crop and style and Textual's padding drew it, in one strip."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console, RenderableType
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.app import App, ComposeResult
from textual.strip import Strip
from textual.widgets import Static

from tuiapp.problems import Severity
from tuiapp.store.records import Example
from tuiapp.widgets.conversation import ExampleView, padded_line, render_strips
from tuiapp.widgets.example_render import render_example

FIXTURES = Path(__file__).parent / "fixtures"
WIDTHS = (20, 37, 57, 64, 80, 117)
ODD_TEXTS = [
    "tabs\tin\tthe\ttext and\t\ttwo",
    "中文的句子，很长很长很长很长很长很长很长很长很长很长很长很长很长。",
    "emoji 🤖🧠 and flags 🇫🇷 among words " * 4,
    "e\u0301 combining marks, and a word longer than any line: " + "x" * 150,
    "trailing newlines\n\n\n",
    "\r\nwindows\r\nline ends\r\n",
    "   ",
    "",
]


def richlog_lines(console: Console, renderable: RenderableType, width: int) -> list[Strip]:
    """What RichLog.write stored for a renderable at `width` (its own steps; a string made
    Text as a RichLog without markup makes it)."""
    if isinstance(renderable, str):
        renderable = Text(renderable)
    segments = console.render(renderable, console.options.update_width(width))
    lines = list(Segment.split_lines(segments))
    return Strip.from_lines(lines) if lines else [Strip.blank(width)]


def drawn(strips: list[Strip]) -> list[list[tuple[str, Any]]]:
    """Each line as its runs of (text, style), however Rich cut it into segments (no style
    and the null style draw alike, as nothing and an empty segment do)."""
    plain = [
        [Segment(s.text, s.style or Style.null()) for s in strip if s.text] for strip in strips
    ]
    return [[(s.text, s.style) for s in Segment.simplify(line)] for line in plain]


def example_of(text: str) -> Example:
    """An Example of the line `text` as the review reads it (tags and a note shown too)."""
    return Example(
        id=1,
        dataset_id=1,
        idx=0,
        line=7,
        original=text,
        edited=None,
        status="accepted",
        note="checked by hand",
        tags=["faq"],
        problems=[],
        severity=Severity.OK,
        n_tokens=120,
        n_assistant_tokens=40,
        n_messages=3,
    )


def renderables() -> list[tuple[str, RenderableType]]:
    """Examples from files nobody here wrote, odd texts, and the pane's plain messages."""
    found: list[tuple[str, RenderableType]] = []
    for name in ("glaive_toolcall_openai.jsonl", "dpo_en_openai.jsonl"):
        for number, line in enumerate((FIXTURES / name).read_text().splitlines()[:12], 1):
            obj = json.loads(line)
            found.append((f"{name}:{number}", render_example(example_of(line), obj)))
    for i, text in enumerate(ODD_TEXTS):
        obj = {"messages": [{"role": "user", "content": text}, {"role": "assistant"}]}
        found.append((f"odd {i}", render_example(example_of(json.dumps(obj)), obj)))
    deep: Any = "bottom"
    for _ in range(300):
        deep = [deep]
    found.append(("raw line", render_example(example_of(json.dumps(deep)), deep)))
    found += [("message", "Importing…"), ("markup kept as text", "[bold]not markup[/]")]
    return found


@pytest.mark.parametrize(("name", "renderable"), renderables())
def test_lines_are_those_richlog_made(name: str, renderable: RenderableType) -> None:
    console = Console(file=io.StringIO(), width=200, force_terminal=True)
    for width in WIDTHS:
        ours = render_strips(console, renderable, width)
        theirs = richlog_lines(console, renderable, width)
        assert drawn(ours) == drawn(theirs), f"{name} at {width} columns"
        assert [s.cell_length for s in ours] == [s.cell_length for s in theirs]


def padded_as_before(line: Strip, width: int, style: Style) -> Strip:
    """A line as RichLog's render_line and Textual's padding of 0 1 drew it in `width` cells."""
    inner = line.crop_extend(0, width - 2, style).apply_style(style)
    return Strip.join([Strip([Segment(" ", style)]), inner, Strip([Segment(" ", style)])])


@pytest.mark.parametrize(("name", "renderable"), renderables())
def test_lines_are_drawn_as_richlog_and_the_padding_drew_them(
    name: str, renderable: RenderableType
) -> None:
    console = Console(file=io.StringIO(), width=200, force_terminal=True)
    style = Style(color="#e0e0e0", bgcolor="#1e1e1e")
    for width in WIDTHS:
        lines = render_strips(console, renderable, width - 2)
        ours = [padded_line(line, width, style) for line in lines]
        theirs = [padded_as_before(line, width, style) for line in lines]
        assert drawn(ours) == drawn(theirs), f"{name} at {width} columns"
        assert {s.cell_length for s in ours} == {width}
    assert drawn([padded_line(None, 30, style)]) == [[(" " * 30, style)]]  # below the example


class NarrowView(App[None]):
    """An example view narrower than the width its lines are wrapped at (20 cells)."""

    def compose(self) -> ComposeResult:
        yield ExampleView(id="view")


async def test_a_view_narrower_than_its_lines_scrolls_sideways_and_loses_nothing() -> None:
    app = NarrowView()
    async with app.run_test(size=(16, 6)) as pilot:
        view = app.query_one(ExampleView)
        view.show(Text("abcdefghijklmnopqrstuvwxyz"))
        await pilot.pause()
        inner = view.scrollable_content_region.width - 2
        assert inner < 20 and view.lines[0].text == "abcdefghijklmnopqrst"
        assert view.render_line(0).text == " " + "abcdefghijklmnopqrst"[:inner] + " "
        view.scroll_to(x=5, animate=False, immediate=True)
        await pilot.pause()
        assert view.render_line(0).text == " " + "fghijklmnopqrst"[:inner] + " "


class PaneBesideList(App[None]):
    """An example view beside another widget, as the review lays them out."""

    CSS = "Screen { layout: horizontal; } #left { width: 20; } #view { width: 1fr; }"

    def compose(self) -> ComposeResult:
        yield Static("a list\n" * 30, id="left")
        yield ExampleView(id="view")


def screen_cells(app: App[None]) -> list[list[tuple[str, Any]]]:
    """What the terminal shows, line by line, as runs of (text, style)."""
    return drawn(app.screen._compositor.render_strips())


@pytest.mark.parametrize("tint", [False, True])
async def test_the_pane_shows_what_textuals_styles_cache_drew(
    tint: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pane hands its lines to the screen itself when it draws nothing else; the screen
    shows the same cells as through Textual's styles cache, scrolled or not, and a tint (which
    only the cache draws) still shows."""
    renderable = dict(renderables())["glaive_toolcall_openai.jsonl:1"]
    app = PaneBesideList()
    async with app.run_test(size=(70, 12)) as pilot:
        view = app.query_one(ExampleView)
        if tint:
            view.styles.tint = "red 30%"
        view.show(renderable)
        await pilot.pause()
        assert view._draws_only_lines() is not tint
        for scroll in (0, 3):
            view.scroll_to(y=scroll, animate=False, immediate=True)
            await pilot.pause()
            ours = screen_cells(app)
            with monkeypatch.context() as patched:
                patched.setattr(ExampleView, "_draws_only_lines", lambda self: False)
                view._styles_cache.clear()
                view.refresh()
                await pilot.pause()
                theirs = screen_cells(app)
            assert ours == theirs, f"scrolled by {scroll}"
            assert view.lines[scroll].text.strip() in "".join(t for t, _ in ours[0])
