"""The footer shows whole keys only, keeps F1, and nothing shows after the palette key."""

from __future__ import annotations

from typing import ClassVar

import pytest
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
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
