"""The footer shows whole keys only, keeps F1, and nothing shows after the palette key."""

from __future__ import annotations

from typing import ClassVar

import pytest
from rich.color import Color
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.strip import Strip
from textual.widgets import Label

from tuiapp.widgets.key_footer import KeyFooter

KEYS = [
    ("o", "Open file"),
    ("R", "Report"),
    ("v", "Versions"),
    ("i", "Import again"),
    ("d", "Delete"),
    ("x", "Export"),
    ("ctrl+q", "Quit"),
    ("f1", "Keys"),
    ("f2", "Datasets"),
]


class ManyKeys(App[None]):
    """An app with more keys than 80 columns hold."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(key, f"press('{key}')", text) for key, text in KEYS
    ]

    def action_press(self, key: str) -> None:
        """Nothing: the keys are only shown."""

    def compose(self) -> ComposeResult:
        yield Label("body")
        yield KeyFooter()


def bottom_line(app: App[None]) -> str:
    """The footer's line as the terminal shows it."""
    return app.screen._compositor.render_strips()[-1].text


@pytest.mark.parametrize("width", [60, 80, 120])
async def test_footer_keys_whole_f1_kept_palette_last(width: int) -> None:
    app = ManyKeys()
    async with app.run_test(size=(width, 10)) as pilot:
        await pilot.pause()
        line = bottom_line(app).rstrip()
        assert line.endswith("^p palette"), line
        assert "f1 Keys" in line, line
        shown = app.query_one(KeyFooter).visible_keys()
        for key, text in KEYS:
            label = app.get_key_display(Binding(key, "", text))
            if key in shown:
                assert f"{label} {text}" in line, (key, line)
        assert len(line) <= width


async def test_footer_lays_out_again_on_resize() -> None:
    app = ManyKeys()
    async with app.run_test(size=(60, 10)) as pilot:
        await pilot.pause()
        narrow = app.query_one(KeyFooter).visible_keys()
        await pilot.resize_terminal(160, 10)
        await pilot.pause()
        await pilot.pause()
        wide = app.query_one(KeyFooter).visible_keys()
        assert len(wide) > len(narrow)
        assert "Datasets" in bottom_line(app)


class ClickableKeys(App[None]):
    """Two keys, one of them disabled, counting what a click on the footer presses."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("o", "open", "Open file"),
        Binding("d", "delete", "Delete"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.pressed: list[str] = []
        self.bells = 0
        self.can_delete = False

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return None if action == "delete" and not self.can_delete else True

    def action_open(self) -> None:
        self.pressed.append("open")

    def action_delete(self) -> None:
        self.pressed.append("delete")

    def bell(self) -> None:
        self.bells += 1

    def compose(self) -> ComposeResult:
        yield Label("body")
        yield KeyFooter()


def cell_of(app: App[None], text: str) -> int:
    """The footer cell where text starts."""
    return bottom_line(app).index(text)


async def test_a_click_on_a_key_presses_it_and_a_disabled_key_rings_the_bell() -> None:
    app = ClickableKeys()
    async with app.run_test(size=(80, 5)) as pilot:
        await pilot.pause()
        footer = app.query_one(KeyFooter)
        assert await pilot.click(KeyFooter, offset=(cell_of(app, "Open file"), 0))
        await pilot.pause()
        assert app.pressed == ["open"]
        assert await pilot.click(KeyFooter, offset=(cell_of(app, "Delete"), 0))
        await pilot.pause()
        assert app.pressed == ["open"] and app.bells == 1
        app.can_delete = True
        app.refresh_bindings()  # the footer draws again when a screen's bindings change
        await pilot.pause()
        await pilot.pause()
        assert await pilot.click(KeyFooter, offset=(cell_of(app, "d Delete"), 0))
        await pilot.pause()
        assert app.pressed == ["open", "delete"] and app.bells == 1
        assert await pilot.click(KeyFooter, offset=(footer.size.width - 2, 0))  # past every key
        await pilot.pause()
        assert app.pressed == ["open", "delete"] and app.bells == 1


async def test_the_key_under_the_pointer_is_highlighted() -> None:
    app = ClickableKeys()
    async with app.run_test(size=(80, 5)) as pilot:
        await pilot.pause()
        x = cell_of(app, "Open file")
        before = app.screen._compositor.render_strips()[-1]
        await pilot.hover(KeyFooter, offset=(x, 0))
        await pilot.pause()
        after = app.screen._compositor.render_strips()[-1]
        assert after.text == before.text

        def background_at(strip: Strip, cell: int) -> Color | None:
            style = next(iter(strip.crop(cell, cell + 1))).style
            return style.bgcolor if style else None

        assert background_at(after, x) != background_at(before, x)
        other = cell_of(app, "Delete")
        assert background_at(after, other) == background_at(before, other)


async def test_the_footer_draws_again_only_when_its_keys_change() -> None:
    app = ClickableKeys()
    async with app.run_test(size=(80, 5)) as pilot:
        await pilot.pause()
        footer = app.query_one(KeyFooter)
        renders = 0
        render = footer.render

        def counted() -> Text:
            nonlocal renders
            renders += 1
            return render()

        footer.render = counted  # type: ignore[method-assign]
        app.refresh_bindings()  # what a screen does on many moves: same keys, same states
        await pilot.pause()
        await pilot.pause()
        assert renders == 0
        app.can_delete = True
        app.refresh_bindings()
        await pilot.pause()
        await pilot.pause()
        assert renders == 1
