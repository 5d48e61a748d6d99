"""The shared wait helpers return what they waited for, and fail naming it when time runs out."""

from __future__ import annotations

import pytest
from textual.app import App

from tests.waiting import until, wait_until


def test_wait_until_returns_the_value_or_fails_naming_what_it_waited_for() -> None:
    answers = iter([0, None, 7])
    assert wait_until(lambda: next(answers), "seven", timeout=5, interval=0) == 7
    with pytest.raises(AssertionError, match="timed out after 0.2 s waiting for the moon"):
        wait_until(lambda: False, "the moon", timeout=0.2, interval=0.05)


async def test_until_lets_the_app_run_and_fails_loudly() -> None:
    app: App[None] = App()
    fired: list[int] = []
    async with app.run_test() as pilot:
        app.set_timer(0.2, lambda: fired.append(1))
        assert await until(pilot, lambda: fired, "the timer") == [1]  # the app ran meanwhile
        with pytest.raises(AssertionError, match="waiting for a step that never came"):
            await until(pilot, lambda: False, lambda: "a step that never came", timeout=0.2)
