"""The review screen driven with Pilot: keys change what the screen shows and the store holds."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import DataTable, TextArea

from screens.review import ReviewScreen
from tests.conftest import chat
from tests.waiting import until
from tuiapp.app import make_app
from tuiapp.paths import AppPaths
from tuiapp.store import open_store
from tuiapp.store.examples import get_example, status_counts
from tuiapp.widgets.example_list import ExampleList


async def wait_imported(pilot: Pilot[Any], screen: Screen[Any]) -> ReviewScreen:
    """Wait until the review screen's import worker has stored every line; return the screen."""
    assert isinstance(screen, ReviewScreen), screen
    await until(pilot, lambda: screen.dataset.import_state == "complete", "the import")
    return screen


def status_text(app) -> str:  # type: ignore[no-untyped-def]
    """The review status line as plain text."""
    return plain(app.screen.query_one("#review-status"))


def plain(widget) -> str:  # type: ignore[no-untyped-def]
    """What a Static shows, as plain text."""
    console = Console(width=100, file=io.StringIO(), record=True)
    console.print(widget.content)
    return console.export_text()


def body(screen) -> str:  # type: ignore[no-untyped-def]
    """The example view's text."""
    console = Console(width=100, file=io.StringIO(), record=True)
    console.print(screen.query_one("#review-example").shown)
    return console.export_text()


async def test_review_keys_store_decisions(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    path = write_jsonl([chat(f"Question {i}?", f"Answer {i}.") for i in range(12)])
    app = make_app(home, open_path=path)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        await wait_imported(pilot, screen)
        await pilot.press("a", "a", "r", "f")
        await pilot.pause()
        assert "reviewed 4/12" in status_text(app)
        store = open_store(home.database)
        dsid = screen.dataset.id
        assert [get_example(store, dsid, i).status for i in range(4)] == [  # type: ignore[union-attr]
            "accepted",
            "accepted",
            "rejected",
            "flagged",
        ]
        # flag moves on too; u undoes the flag and goes back to it
        assert screen.query_one(ExampleList).cursor == 4
        await pilot.press("u")
        await pilot.pause()
        assert get_example(store, dsid, 3).status == "pending"  # type: ignore[union-attr]
        assert "reviewed 3/12" in status_text(app)
        # note and tags through their dialogs
        await pilot.press("n")
        await pilot.press(*"check units", "enter")
        await pilot.press("t")
        await pilot.press(*"math, easy", "enter")
        await pilot.pause()
        example = get_example(store, dsid, 3)
        assert example is not None
        assert (example.note, example.tags) == ("check units", ["math", "easy"])
        text = body(screen)
        assert "check units" in text and "math, easy" in text


async def test_edit_fixes_a_broken_line(home: AppPaths, write_jsonl: Callable[..., Path]) -> None:
    path = write_jsonl(['{"messages": [{"role": "user", "content": "hi"}]}'] + [chat()] * 10)
    app = make_app(home, open_path=path)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await wait_imported(pilot, app.screen)
        assert "example_missing_assistant_message" in body(screen)
        await pilot.press("e")
        await pilot.pause()
        area = app.screen.query_one(TextArea)
        area.text = (
            '{"messages": [{"role": "user", "content": "hi"}, '
            '{"role": "assistant", "content": "hello"}]}'
        )
        await pilot.press("ctrl+s")
        await pilot.pause()
        store = open_store(home.database)
        example = get_example(store, screen.dataset.id, 0)
        assert example is not None and example.severity == 0 and example.edited is not None
        assert example.original.startswith('{"messages": [{"role": "user", "content": "hi"}]}')
        assert "edited" in body(screen)


async def test_invalid_json_edit_is_refused_in_place(home: AppPaths, good_file: Path) -> None:
    app = make_app(home, open_path=good_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_imported(pilot, app.screen)
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one(TextArea).text = '{"messages": ['
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Not valid JSON" in plain(app.screen.query_one("#edit-status"))
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)


async def test_next_problem_and_filters(home: AppPaths, write_jsonl: Callable[..., Path]) -> None:
    lines: list[Any] = [chat() for _ in range(20)]
    lines[6] = "{broken"
    lines[15] = {
        "messages": [{"role": "bot", "content": "x"}, {"role": "assistant", "content": "y"}]
    }
    app = make_app(home, open_path=write_jsonl(lines))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await wait_imported(pilot, app.screen)
        example_list = screen.query_one(ExampleList)
        await pilot.press("right_square_bracket")
        assert example_list.current_idx == 6
        await pilot.press("right_square_bracket")
        assert example_list.current_idx == 15
        assert "unrecognized_role" in body(screen)
        screen.filter_by_problem("invalid_json")
        await pilot.pause(0.3)
        assert example_list.count == 1 and example_list.current_idx == 6
        await pilot.press("c")
        await pilot.pause(0.1)
        assert example_list.count == 20
        await pilot.press("slash", *"bot", "enter")
        await pilot.pause(0.3)
        assert example_list.count == 1 and example_list.current_idx == 15


async def test_decisions_survive_a_restart(home: AppPaths, good_file: Path) -> None:
    app = make_app(home, open_path=good_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_imported(pilot, app.screen)
        await pilot.press("r", "r", "a")
    store = open_store(home.database)
    app2 = make_app(home, open_path=good_file)
    async with app2.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert "reviewed 3/12" in status_text(app2)
        assert isinstance(app2.screen, ReviewScreen)
        assert status_counts(store, app2.screen.dataset.id) == {
            "rejected": 2,
            "accepted": 1,
            "pending": 9,
        }


async def test_missing_file_is_a_notification_not_a_crash(home: AppPaths, tmp_path: Path) -> None:
    app = make_app(home, open_path=tmp_path / "missing.jsonl")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert not isinstance(app.screen, ReviewScreen)
        assert any("missing.jsonl" in str(n.message) for n in app._notifications)


async def test_keys_can_be_remapped_in_config(home: AppPaths, good_file: Path) -> None:
    (home.config_dir / "config.toml").write_text('[keymap]\n"review.accept" = "y"\n')
    app = make_app(home, open_path=good_file)
    async with app.run_test(size=(100, 30)) as pilot:
        review = await wait_imported(pilot, app.screen)
        await pilot.press("y")
        await pilot.pause()
        store = open_store(home.database)
        assert get_example(store, review.dataset.id, 0).status == "accepted"  # type: ignore[union-attr]
        await pilot.press("a")  # the old key no longer accepts
        await pilot.pause()
        assert get_example(store, review.dataset.id, 1).status == "pending"  # type: ignore[union-attr]


async def test_a_broken_config_is_reported_not_fatal(home: AppPaths, good_file: Path) -> None:
    (home.config_dir / "config.toml").write_text("[keymap\n")
    app = make_app(home, open_path=good_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        assert any("config.toml" in str(n.message) for n in app._notifications)


def test_killing_the_app_mid_review_loses_no_decision(home: AppPaths, good_file: Path) -> None:
    import os
    import signal
    import subprocess
    import sys

    script = f"""
import asyncio, os, signal
from tuiapp.app import make_app
from tuiapp.paths import app_paths
async def main():
    app = make_app(app_paths({str(home.config_dir.parent)!r}), open_path={str(good_file)!r})
    async with app.run_test(size=(100, 30)) as pilot:
        while getattr(app.screen, "dataset", None) is None or \\
                app.screen.dataset.import_state != "complete":
            await pilot.pause(0.05)
        await pilot.press("a", "r", "f", "a")  # each decision moves on
        await pilot.pause()
        os.kill(os.getpid(), signal.SIGKILL)
asyncio.run(main())
"""
    proc = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={**os.environ},
        timeout=120,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    store = open_store(home.database)
    statuses = [r["status"] for r in store.rows("SELECT status FROM examples ORDER BY idx")]
    assert statuses[:5] == ["accepted", "rejected", "flagged", "accepted", "pending"]


async def test_report_links_into_the_review_list(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    lines: list[object] = [chat() for _ in range(12)]
    lines[4] = "{broken"
    app = make_app(home, open_path=write_jsonl(lines))
    async with app.run_test(size=(110, 40)) as pilot:
        await wait_imported(pilot, app.screen)
        await pilot.press("escape")  # back to the datasets screen
        table = app.screen.query_one("#datasets-table", DataTable)
        await until(pilot, lambda: table.get_row_at(0)[1] == "12", "the counts (from a worker)")
        assert table.get_row_at(0)[1:3] == ["12", "0"]
        await pilot.press("R")
        await until(
            pilot,
            lambda: (
                app.screen.query("#report-body") and app.screen.query_one("#report-body").display
            ),
            "the report",
        )
        app.screen.query_one("#report-problems").focus()
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert isinstance(app.screen, ReviewScreen)
        example_list = app.screen.query_one(ExampleList)
        assert example_list.count == 1 and example_list.current_idx == 4
