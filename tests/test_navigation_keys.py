"""F-keys and q behave the same on every screen: q goes back, ctrl+q quits, F2/F3/F4 switch."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from screens.datasets import DatasetsScreen
from screens.experiments import ExperimentsScreen
from screens.jobs import JobsScreen
from screens.review import ReviewScreen
from tests.conftest import chat
from tests.waiting import until
from tuiapp.app import make_app
from tuiapp.paths import AppPaths


async def test_f2_in_the_review_goes_back_to_the_datasets_list(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    path = write_jsonl([chat(f"Q {i}?", f"A {i}.") for i in range(3)])
    app = make_app(home, open_path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ReviewScreen), "the review")
        await pilot.press("f2")
        await until(pilot, lambda: isinstance(app.screen, DatasetsScreen), "the datasets list")


async def test_q_on_a_list_does_not_quit_and_says_how(home: AppPaths) -> None:
    app = make_app(home)
    async with app.run_test(size=(80, 24)) as pilot:
        for key, screen_type in (
            ("f2", DatasetsScreen),
            ("f3", JobsScreen),
            ("f4", ExperimentsScreen),
        ):
            await pilot.press(key)
            await until(pilot, lambda t=screen_type: isinstance(app.screen, t), key)  # type: ignore[misc]
            await pilot.press("q")
            await pilot.pause()
            assert app.is_running and isinstance(app.screen, screen_type)
        messages = [n.message for n in app._notifications]
        assert any("ctrl+q quits" in m for m in messages), messages
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running


async def test_f_key_of_another_mode_keeps_its_place_same_key_goes_to_its_list(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    path = write_jsonl([chat(f"Q {i}?", f"A {i}.") for i in range(3)])
    app = make_app(home, open_path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ReviewScreen), "the review")
        await pilot.press("f3")
        await until(pilot, lambda: isinstance(app.screen, JobsScreen), "the jobs list")
        await pilot.press("f2")  # back to the datasets mode: the review is where it was left
        await until(pilot, lambda: isinstance(app.screen, ReviewScreen), "the review again")
        await pilot.press("f2")  # the mode already shown: its list
        await until(pilot, lambda: isinstance(app.screen, DatasetsScreen), "the datasets list")
