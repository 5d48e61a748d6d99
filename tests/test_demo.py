"""A first run with no file: `tuiapp demo` imports the shipped demo dataset once, the empty
datasets screen offers it on one key, and a dataset is renamed with a key."""

from __future__ import annotations

import json
from typing import Any

import pytest
from textual.widgets import DataTable, Input

from screens.datasets import DatasetsScreen
from screens.review import ReviewScreen
from tests.test_review_ui import plain
from tests.waiting import until
from tuiapp.app import make_app
from tuiapp.cli import main
from tuiapp.demo import DEMO_NAME, demo_path
from tuiapp.paths import AppPaths
from tuiapp.store import open_store
from tuiapp.store.datasets import list_datasets
from tuiapp.store.examples import count_examples


def test_the_demo_file_ships_valid_with_enough_examples_for_a_holdout(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert demo_path().is_file()
    assert main(["validate", str(demo_path()), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["examples"] == report["valid_examples"] == 90
    assert not report["format_errors"] and not report["warnings"]


def test_tuiapp_demo_imports_once_and_says_what_next(
    home: AppPaths, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--no-tui"]) == 0
    first = capsys.readouterr().out
    assert f"({DEMO_NAME}): 90 examples, imported" in first
    assert "What to do next" in first and "freeze" in first
    assert main(["demo", "--json"]) == 0  # no terminal here: it does not open the app
    again = json.loads(capsys.readouterr().out)
    assert again["created"] is False and again["examples"] == 90
    assert main(["datasets", "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert (row["name"], row["examples"], row["id"]) == (DEMO_NAME, 90, again["dataset"])


def datasets_text(app: Any) -> str:
    """The datasets table and hint as plain text."""
    table = app.screen.query_one("#datasets-table", DataTable)
    rows = [" | ".join(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]
    return "\n".join([*rows, plain(app.screen.query_one("#datasets-hint"))])


async def test_the_empty_datasets_screen_offers_the_demo_on_one_key(home: AppPaths) -> None:
    app = make_app(home)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DatasetsScreen), "the datasets list")
        hint = datasets_text(app)
        assert "Press t to try the demo" in hint and "press o to open a file" in hint
        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.screen, ReviewScreen), "the demo's review")
        store = open_store(home.database)
        [dataset] = list_datasets(store)
        assert dataset.name == DEMO_NAME and count_examples(store, dataset.id) == 90
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, DatasetsScreen), "the datasets list")
        await pilot.press("t")
        await pilot.pause(0.3)
        assert isinstance(app.screen, DatasetsScreen) and len(list_datasets(store)) == 1
        store.close()


async def test_n_renames_the_dataset_under_the_cursor(home: AppPaths) -> None:
    assert main(["demo", "--no-tui"]) == 0
    app = make_app(home)
    async with app.run_test(size=(120, 35)) as pilot:
        await until(pilot, lambda: DEMO_NAME in datasets_text(app), "the demo's row")
        await pilot.press("n")
        await pilot.pause()
        app.screen.query_one("#prompt-input", Input).value = ""
        await pilot.press(*"pirates v1", "enter")
        await until(pilot, lambda: "pirates v1 |" in datasets_text(app), "the renamed row")
        assert DEMO_NAME not in datasets_text(app)
        store = open_store(home.database)
        assert [d.name for d in list_datasets(store)] == ["pirates v1"]
        store.close()
        await pilot.press("n")
        await pilot.pause()
        app.screen.query_one("#prompt-input", Input).value = "  "
        await pilot.press("enter")  # a blank name is refused
        await pilot.pause()
        assert "pirates v1 |" in datasets_text(app)
