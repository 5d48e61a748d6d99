"""The review says when its token counts only estimate an open model's own tokens."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.conftest import chat
from tests.test_review_ui import body, wait_imported
from tuiapp.app import make_app
from tuiapp.paths import AppPaths


async def test_open_model_counts_are_marked_estimates(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    path = write_jsonl([chat(f"Q {i}?", f"A {i}.") for i in range(3)])
    app = make_app(home, open_path=path, model="SmolLM2-135M-Instruct")
    async with app.run_test(size=(120, 35)) as pilot:
        screen = await wait_imported(pilot, app.screen)
        await pilot.pause()
        assert "o200k_base estimate, T: the model's own" in body(screen)


async def test_openai_model_counts_are_not_marked(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    path = write_jsonl([chat(f"Q {i}?", f"A {i}.") for i in range(3)])
    app = make_app(home, open_path=path, model="gpt-4o-mini-2024-07-18")
    async with app.run_test(size=(120, 35)) as pilot:
        screen = await wait_imported(pilot, app.screen)
        await pilot.pause()
        text = body(screen)
        assert "tokens (" in text and "estimate" not in text
