"""Moving through the review list repaints the list rows and the example pane, and lays out
nothing: the example pane's size comes from the screen, never from the example it shows."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.geometry import Region
from textual.screen import Screen
from textual.scrollbar import ScrollBar
from textual.strip import Strip

from screens.review_example import ReviewedExample
from tests.conftest import chat
from tests.test_review_ui import body, wait_imported
from tests.waiting import until
from tuiapp.app import make_app
from tuiapp.paths import AppPaths
from tuiapp.widgets import conversation


async def test_j_shows_the_next_example_without_a_layout_of_the_screen(
    home: AppPaths, write_jsonl: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_jsonl([chat(f"Question number {i}?", f"Answer {i}.") for i in range(30)])
    layouts: list[str] = []
    refresh_layout = Screen._refresh_layout

    def counting(self: Screen[Any], *args: Any, **kwargs: Any) -> None:
        layouts.append(type(self).__name__)
        refresh_layout(self, *args, **kwargs)

    monkeypatch.setattr(Screen, "_refresh_layout", counting)
    app = make_app(home, open_path=path)
    async with app.run_test(size=(120, 35)) as pilot:
        screen = await wait_imported(pilot, app.screen)
        await until(pilot, lambda: "Question number 0?" in body(screen), "the first example")
        await pilot.pause()
        layouts.clear()
        for i in range(1, 6):
            await pilot.press("j")
            await pilot.pause()
            assert f"Question number {i}?" in body(screen)  # the pane shows the next example
        assert layouts == []


def painted_text(app: Any, selector: str) -> str:
    """What the terminal shows now of one widget, as text (the lines its widgets painted)."""
    region = app.screen.query_one(selector).region
    strips = app.screen._compositor.render_strips()[region.y : region.bottom]
    return "\n".join(strip.crop(region.x, region.right).text for strip in strips)


async def test_j_paints_the_list_and_the_example_in_one_frame_and_only_changed_lines(
    home: AppPaths, write_jsonl: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_jsonl([chat(f"Question number {i}?", "The same answer.") for i in range(30)])
    frames: list[int] = []
    drawn: list[str] = []  # the example's lines drawn anew
    repainted: list[int] = []  # the pane's rows asked to repaint
    compositor_refresh = Screen._compositor_refresh
    padded_line = conversation.padded_line
    refresh = ReviewedExample.refresh

    def counting_frames(self: Screen[Any]) -> None:
        frames.append(1)
        compositor_refresh(self)

    def counting_lines(line: Strip | None, *args: Any, **kwargs: Any) -> Strip:
        drawn.append("" if line is None else line.text.strip())
        return padded_line(line, *args, **kwargs)

    def counting_rows(self: ReviewedExample, *regions: Region, **kwargs: Any) -> Any:
        repainted.extend(y for region in regions for y in region.line_range)
        return refresh(self, *regions, **kwargs)

    monkeypatch.setattr(Screen, "_compositor_refresh", counting_frames)
    monkeypatch.setattr(conversation, "padded_line", counting_lines)
    monkeypatch.setattr(ReviewedExample, "refresh", counting_rows)
    app = make_app(home, open_path=path)
    async with app.run_test(size=(120, 35)) as pilot:
        await wait_imported(pilot, app.screen)
        shown = lambda: painted_text(app, "#review-example")  # noqa: E731
        await until(pilot, lambda: "Question number 0?" in shown(), "the first example")
        await pilot.pause()
        for i in range(1, 4):
            frames.clear()
            drawn.clear()
            repainted.clear()
            await pilot.press("j")
            await pilot.pause()
            text = shown()
            assert f"line {i + 1}  pending" in text and f"Question number {i}?" in text
            assert f"Question number {i - 1}?" not in text
            assert len(frames) == 1  # the list's cursor and the example: one repaint
            # the header and the question changed; the roles, answer, blank tail did not
            assert sorted(set(repainted)) == [0, 5], repainted
            assert len(drawn) == 2, drawn
            assert drawn[0].startswith(f"line {i + 1}  pending"), drawn
            assert drawn[1] == f"Question number {i}?", drawn


async def test_j_repaints_the_example_scrollbar_only_when_its_thumb_changes(
    home: AppPaths, write_jsonl: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    long_answer = "\n".join(f"step {n}" for n in range(80))  # longer than the pane: a thumb
    # short answers of different lengths: the example's length changes, its bar draws the same
    answers = ["Short.", "Two\nlines.", "Three\nshort\nlines.", long_answer, "Short again."]
    path = write_jsonl([chat(f"Question {i}?", a) for i, a in enumerate(answers)])
    app = make_app(home, open_path=path)
    async with app.run_test(size=(120, 35)) as pilot:
        screen = await wait_imported(pilot, app.screen)
        await until(pilot, lambda: "Question 0?" in body(screen), "the first example")
        await pilot.pause()
        bar = screen.query_one("#review-example").vertical_scrollbar
        painted: list[int] = []
        render = ScrollBar.render

        def counting(self: ScrollBar) -> Any:
            if self is bar:
                painted.append(1)
            return render(self)

        def thumb() -> str:
            return "".join(strip.text for strip in bar.render_lines(bar.size.region)).strip()

        monkeypatch.setattr(ScrollBar, "render", counting)
        for i in (1, 2):  # short after short: the same empty track, nothing repainted
            await pilot.press("j")
            await pilot.pause()
            assert f"Question {i}?" in painted_text(app, "#review-example")
        assert painted == []
        await pilot.press("j")  # a long example: its thumb is drawn
        await pilot.pause()
        assert "step 79" in body(screen)
        assert painted and thumb()
        painted.clear()
        await pilot.press("j")  # short again: the thumb goes
        await pilot.pause()
        assert painted and not thumb()
