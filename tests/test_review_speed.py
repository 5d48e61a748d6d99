"""Moving through the review list repaints the list rows and the example pane, and lays out
nothing: the example pane's size comes from the screen, never from the example it shows."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.screen import Screen

from tests.conftest import chat
from tests.test_review_ui import body, wait_imported
from tests.waiting import until
from tuiapp.app import make_app
from tuiapp.paths import AppPaths


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
