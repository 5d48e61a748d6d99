"""Decisions at scale in the review: bulk accept / reject / flag over a filter (one batch, one
undo), keys that set a state instead of toggling it, filtered views opening on the first match,
and `tuiapp review --accept`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Label

from tests.conftest import chat
from tests.test_review_ui import status_text, wait_imported
from tuiapp.app import make_app
from tuiapp.cli import main
from tuiapp.paths import AppPaths
from tuiapp.store import open_store
from tuiapp.store.examples import ExampleFilter, iter_examples, status_counts
from tuiapp.store.review import set_status_where, undo_last
from tuiapp.widgets.example_list import ExampleList


def mixed(n: int = 12, broken: tuple[int, ...] = (3, 7)) -> list[Any]:
    """n examples, `Question i?`, with the lines in `broken` not JSON."""
    return ["{broken" if i in broken else chat(f"Question {i}?", f"Answer {i}.") for i in range(n)]


async def test_bulk_accept_over_a_search_then_one_undo(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    app = make_app(home, open_path=write_jsonl(mixed(30)))
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await wait_imported(pilot, app.screen)
        await pilot.press("slash", *"Question 1", "enter")  # 1, 10..19: 11 examples
        await pilot.pause(0.3)
        assert "filter text~'Question 1': 11" in status_text(app)
        await pilot.press("A")
        await pilot.pause(0.2)
        assert "Accept 11 examples?" in str(app.screen.query_one("#confirm-title", Label).content)
        await pilot.press("y")
        await pilot.pause(0.3)
        assert "✓ 11" in status_text(app) and "reviewed 11/30" in status_text(app)
        store = open_store(home.database)
        assert status_counts(store, screen.dataset.id) == {"accepted": 11, "pending": 19}
        await pilot.press("u")
        await pilot.pause(0.3)
        assert status_counts(store, screen.dataset.id) == {"pending": 30}
        assert "✓ 0" in status_text(app) and "reviewed 0/30" in status_text(app)


async def test_bulk_asks_first_and_no_leaves_everything(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    app = make_app(home, open_path=write_jsonl(mixed()))
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await wait_imported(pilot, app.screen)
        await pilot.press("X", "n")
        await pilot.pause(0.2)
        store = open_store(home.database)
        assert status_counts(store, screen.dataset.id) == {"pending": 12}


async def test_accept_clean_and_reject_errors_shortcuts(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    app = make_app(home, open_path=write_jsonl(mixed()))
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await wait_imported(pilot, app.screen)
        await pilot.press("C", "y")
        await pilot.pause(0.3)
        await pilot.press("E", "y")
        await pilot.pause(0.3)
        store = open_store(home.database)
        assert status_counts(store, screen.dataset.id) == {"accepted": 10, "rejected": 2}
        assert "✓ 10" in status_text(app) and "✗ 2" in status_text(app)
        await pilot.press("u")  # the second batch only
        await pilot.pause(0.3)
        assert status_counts(store, screen.dataset.id) == {"accepted": 10, "pending": 2}


async def test_decision_keys_set_the_state_and_move_on(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    app = make_app(home, open_path=write_jsonl(mixed(3, broken=())))
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await wait_imported(pilot, app.screen)
        await pilot.press("a", "a", "a", "a", "a")  # extra presses on the last row: it stays
        await pilot.pause()
        store = open_store(home.database)
        assert status_counts(store, screen.dataset.id) == {"accepted": 3}
        await pilot.press("g", "f")
        await pilot.pause()
        assert screen.query_one(ExampleList).cursor == 1  # flag moves on too
        await pilot.press("k", "f")  # again on the flagged one: still flagged, not pending
        await pilot.pause()
        assert status_counts(store, screen.dataset.id) == {"accepted": 2, "flagged": 1}


@pytest.mark.parametrize("how", ["search", "problem"])
async def test_filtered_views_open_on_the_first_match(
    home: AppPaths, write_jsonl: Callable[..., Path], how: str
) -> None:
    app = make_app(home, open_path=write_jsonl(mixed(30, broken=(12, 20, 25))))
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await wait_imported(pilot, app.screen)
        example_list = screen.query_one(ExampleList)
        await pilot.press("G")  # the cursor far down, past every match
        await pilot.pause()
        if how == "search":
            await pilot.press("slash", *"broken", "enter")
        else:
            screen.filter_by_problem("invalid_json")
        await pilot.pause(0.3)
        assert example_list.count == 3
        assert example_list.current_idx == 12


def test_cli_review_accepts_through_a_filter(
    home: AppPaths, write_jsonl: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_jsonl(mixed())
    assert main(["import", str(path)]) == 1  # 1: imported, some lines in error
    capsys.readouterr()
    assert main(["review", "1", "--accept", "clean"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("accepted 10 examples of data.jsonl (no errors: 10 selected")
    assert main(["review", "1", "--reject", "invalid_json"]) == 0
    assert capsys.readouterr().out.startswith("rejected 2 examples")
    assert main(["review", "1", "--accept", "all", "--json"]) == 0
    assert '"changed": 2' in capsys.readouterr().out
    assert main(["review", "1", "--flag", "nonsense"]) == 2
    assert "unknown filter 'nonsense'" in capsys.readouterr().err
    store = open_store(home.database)
    assert status_counts(store, 1) == {"accepted": 12}


def test_bulk_and_undo_in_the_store(home: AppPaths, write_jsonl: Callable[..., Path]) -> None:
    path = write_jsonl(mixed())
    assert main(["import", str(path)]) == 1  # 1: imported, some lines in error
    store = open_store(home.database)
    assert set_status_where(store, 1, ExampleFilter(status="pending"), "flagged") == 12
    assert set_status_where(store, 1, ExampleFilter(min_severity=2), "rejected") == 2
    assert set_status_where(store, 1, ExampleFilter(min_severity=2), "rejected") == 0
    undone = undo_last(store, 1)
    assert undone is not None and undone.changed == [3, 7]
    assert status_counts(store, 1) == {"flagged": 12}
    undone = undo_last(store, 1)
    assert undone is not None and undone.count == 12 and len(undone.changed or []) == 12
    assert status_counts(store, 1) == {"pending": 12}


def test_bulk_undo_of_thousands_puts_back_each_status(
    home: AppPaths, write_jsonl: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import tuiapp.store.review as review

    monkeypatch.setattr(review, "REBUILD_MIN", 1_000)  # the status index dropped and rebuilt
    assert main(["import", str(write_jsonl(mixed(3_000, broken=tuple(range(5, 3_000, 97)))))]) == 1
    assert main(["import", str(write_jsonl(mixed(20, broken=()), name="other.jsonl"))]) == 0
    store = open_store(home.database)
    set_status_where(store, 1, ExampleFilter(text="Question 1"), "flagged")
    set_status_where(store, 1, ExampleFilter(min_severity=2), "rejected")
    set_status_where(store, 2, ExampleFilter(), "rejected")  # another dataset's batch between
    before = statuses(store, 1)
    assert set_status_where(store, 1, ExampleFilter(), "accepted") == 3_000
    assert status_counts(store, 1) == {"accepted": 3_000}
    undone = undo_last(store, 1)
    assert undone is not None and undone.field == "status" and undone.count == 3_000
    assert undone.changed == list(range(3_000))  # under LISTED_MAX: listed
    assert statuses(store, 1) == before
    assert status_counts(store, 2) == {"rejected": 20}
    indexes = store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'").fetchall()
    assert ("example_statuses_status",) in indexes
    undo_last(store, 1)  # the rejected errors back to pending (or flagged)
    assert set(statuses(store, 1).values()) == {"flagged", "pending"}


def statuses(store: Any, dataset_id: int) -> dict[int, str]:
    """Every example's status, by position."""
    return {e.idx: e.status for e in iter_examples(store, dataset_id)}


def test_a_status_batch_over_the_listing_limit_is_undone_without_its_positions(
    home: AppPaths, write_jsonl: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import tuiapp.store.review as review

    monkeypatch.setattr(review, "LISTED_MAX", 1_000)  # as a million examples are against 10,000
    assert main(["import", str(write_jsonl(mixed(3_000, broken=()), name="big.jsonl"))]) == 0
    store = open_store(home.database)
    before = statuses(store, 1)
    assert set_status_where(store, 1, ExampleFilter(), "accepted") == 3_000
    undone = undo_last(store, 1)
    assert undone is not None and (undone.field, undone.count, undone.changed) == (
        "status",
        3_000,
        None,
    )
    assert statuses(store, 1) == before  # every status back all the same
