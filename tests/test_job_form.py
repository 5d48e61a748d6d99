"""The job form says no: bad characters are shown and refused with a message, blank is not
silently "auto", the base model list is one key away."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input

from screens.new_job import NewJobScreen
from tests.test_jobs import frozen_version
from tests.test_review_ui import plain
from tests.waiting import until
from tuiapp.app import make_app
from tuiapp.data.job_form import FieldError, form_number, form_seed
from tuiapp.paths import AppPaths


def test_fields_read_as_their_labels_say() -> None:
    assert form_number("n_epochs", "auto") == "auto"
    assert form_number("n_epochs", "3") == 3
    assert form_number("learning_rate_multiplier", "0.5") == 0.5
    assert form_seed("") is None and form_seed("42") == 42
    for name, raw, says in (
        ("learning_rate_multiplier", "", "is empty"),
        ("n_epochs", "1.5", "not a whole number"),
        ("batch_size", "0", "above 0"),
        ("batch_size", "nan", "above 0"),
        ("n_epochs", "x2", "not a number"),
    ):
        with pytest.raises(FieldError, match=says) as err:
            form_number(name, raw)
        assert err.value.field == name
    with pytest.raises(FieldError, match="not a whole number"):
        form_seed("abc")


async def open_form(pilot: Any, app: Any) -> NewJobScreen:
    """F3, n, the only version: the form."""
    await pilot.press("f3", "n")
    await pilot.pause()
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, NewJobScreen), "the form")
    return app.screen  # type: ignore[no-any-return]


async def test_letters_in_the_seed_are_shown_and_refused_with_a_message(
    home: AppPaths, write_jsonl: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TUIAPP_LOCAL_URL", "http://127.0.0.1:9")  # nothing listens: no models
    monkeypatch.setenv("TUIAPP_LOCAL_AUTOSTART", "0")  # never start a backend here
    frozen_version(home, write_jsonl)
    app = make_app(home)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(pilot, app)
        seed = form.query_one("#seed", Input)
        seed.focus()
        await pilot.press(*"12ab")
        await pilot.pause()
        assert seed.value == "12ab"  # nothing vanishes
        assert seed.has_class("-invalid")
        assert "seed: '12ab' is not a whole number" in plain(form.query_one("#new-job-estimate"))
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert any("Fix the form first: seed" in n.message for n in app._notifications)
        assert isinstance(app.screen, NewJobScreen)  # no confirmation, nothing started


async def test_a_cleared_number_field_is_not_run_as_auto(
    home: AppPaths, write_jsonl: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TUIAPP_LOCAL_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("TUIAPP_LOCAL_AUTOSTART", "0")  # never start a backend here
    frozen_version(home, write_jsonl)
    app = make_app(home)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(pilot, app)
        form.query_one("#learning_rate_multiplier", Input).value = ""
        await pilot.pause()
        estimate = plain(form.query_one("#new-job-estimate"))
        assert "learning_rate_multiplier is empty: type auto or a number" in estimate
        assert form.plan is None
