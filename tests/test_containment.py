"""A crash is contained and explained: CLI exit codes and messages, failures stored on the
dataset, and screens that say what failed and stay usable (failures are injected)."""

from __future__ import annotations

import builtins
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable

from screens.choice import ChoiceScreen
from screens.datasets import DatasetsScreen
from screens.quality import QualityScreen
from screens.review import ReviewScreen
from screens.versions import VersionsScreen
from tests.conftest import chat
from tests.test_review_ui import body, plain, status_text
from tests.waiting import until
from tuiapp import cli
from tuiapp.app import make_app
from tuiapp.paths import AppPaths
from tuiapp.services import importer
from tuiapp.services.importer import open_dataset, run_import
from tuiapp.store import open_store
from tuiapp.store.datasets import get_dataset, last_failure, list_datasets
from tuiapp.store.examples import count_examples
from tuiapp.store.jobs import insert_job


def fail_on_line(monkeypatch: pytest.MonkeyPatch, line: int) -> None:
    """Make examining one line of any import raise, as a bug in the checks would."""
    real = importer.examine

    def examine(raw: Any, *args: Any) -> Any:
        if raw.number == line:
            raise RecursionError("maximum recursion depth exceeded")
        return real(raw, *args)

    monkeypatch.setattr(importer, "examine", examine)


# --- the import -----------------------------------------------------------------------------
def test_a_crash_while_importing_is_stored_with_file_and_line(
    home: AppPaths, good_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fail_on_line(monkeypatch, 7)
    store = open_store(home.database)
    dataset = open_dataset(store, good_file)
    with pytest.raises(RecursionError):
        list(run_import(store, dataset.id))
    failed = get_dataset(store, dataset.id)
    assert failed.import_state == "failed"
    assert f"{good_file}, line 7: RecursionError" in (failed.import_error or "")
    assert "import failed" in (last_failure(store, dataset.id) or "")


def hint_text(app: Any) -> str:
    """The datasets screen's hint line."""
    return plain(app.screen.query_one("#datasets-hint"))


async def test_a_failed_import_reopens_shows_the_error_and_can_be_deleted(
    home: AppPaths, good_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fail_on_line(monkeypatch, 5)
    app = make_app(home, open_path=good_file)
    async with app.run_test(size=(120, 30)) as pilot:
        store = open_store(home.database)
        await until(
            pilot,
            lambda: list_datasets(store)[0].import_state == "failed",
            "the import to fail",
        )
        await pilot.pause(0.1)
        assert isinstance(app.screen, ReviewScreen)  # the app is still running
        assert "import failed" in status_text(app) and "line 5" in status_text(app)
        shown = [n for n in app._notifications if n.title == "Import failed"]
        assert shown and "line 5" in shown[0].message and "datasets screen" in shown[0].message
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DatasetsScreen)
        assert "line 5" in hint_text(app) and "d deletes" in hint_text(app)
        await pilot.press("enter")  # reopening used to crash the app again
        await pilot.pause(0.2)
        assert isinstance(app.screen, ReviewScreen)
        assert "Import failed" in body(app.screen) and "line 5" in body(app.screen)
        await pilot.press("escape", "d")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert list_datasets(store) == []
        assert app.screen.query_one("#datasets-table", DataTable).row_count == 0
        assert store.conn.execute("SELECT COUNT(*) FROM examples").fetchone()[0] == 0
        store.close()


async def test_a_failed_import_can_be_imported_again(
    home: AppPaths, good_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fail_on_line(monkeypatch, 5)
    store = open_store(home.database)
    dataset = open_dataset(store, good_file)
    with pytest.raises(RecursionError):
        list(run_import(store, dataset.id))
    monkeypatch.undo()  # the bug is fixed
    app = make_app(home)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("i")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("down", "enter")  # start over
        await until(
            pilot,
            lambda: get_dataset(store, dataset.id).import_state == "complete",
            "the import to finish",
        )
        assert isinstance(app.screen, ReviewScreen)
        assert count_examples(store, dataset.id) == 12
        assert last_failure(store, dataset.id) is None
    store.close()


def test_a_failed_import_resumes_after_the_examples_already_stored(
    home: AppPaths, write_jsonl: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tuiapp.store.datasets import restart_import
    from tuiapp.store.examples import get_example

    path = write_jsonl([chat(f"Question {i}?") for i in range(260)])
    fail_on_line(monkeypatch, 250)  # after the first batch (200 lines) was committed
    store = open_store(home.database)
    dataset = open_dataset(store, path)
    with pytest.raises(RecursionError):
        list(run_import(store, dataset.id))
    assert count_examples(store, dataset.id) == importer.FIRST_BATCH
    monkeypatch.undo()
    restart_import(store, dataset.id, resume=True)
    list(run_import(store, dataset.id))
    assert get_dataset(store, dataset.id).import_state == "complete"
    assert count_examples(store, dataset.id) == 260
    last = get_example(store, dataset.id, 259)
    assert last is not None and last.line == 260 and "Question 259?" in last.text
    store.close()


def freeze_all(store: Any, dataset_id: int) -> Any:
    """Accept every example, scan, and freeze a version."""
    from tuiapp.services.freeze import commit, plan_freeze
    from tuiapp.services.quality import scan_quality
    from tuiapp.store.examples import get_example
    from tuiapp.store.review import set_status

    for idx in range(count_examples(store, dataset_id)):
        example = get_example(store, dataset_id, idx)
        assert example is not None
        set_status(store, example, "accepted")
    scan_quality(store, dataset_id)
    return commit(store, plan_freeze(store, dataset_id, 0.2, 0), "v1")


def test_deleting_a_dataset_removes_every_row_of_it(
    home: AppPaths, good_file: Path, write_jsonl: Callable[..., Path]
) -> None:
    from tuiapp.store.datasets import delete_dataset

    store = open_store(home.database)
    kept = open_dataset(store, write_jsonl([chat(f"Other {i}?") for i in range(12)], "o.jsonl"))
    list(run_import(store, kept.id))
    freeze_all(store, kept.id)
    dataset = open_dataset(store, good_file)
    list(run_import(store, dataset.id))
    freeze_all(store, dataset.id)
    tables: tuple[str, ...] = (
        "examples",
        "example_problems",
        "review_log",
        "quality_scans",
        "quality_items",
    )
    tables += ("duplicate_members", "dataset_versions")

    def rows(table: str, dataset_id: int) -> int:
        sql = f"SELECT COUNT(*) FROM {table} WHERE dataset_id = ?"
        return int(store.conn.execute(sql, [dataset_id]).fetchone()[0])

    assert all(rows(t, dataset.id) for t in ("examples", "review_log", "dataset_versions"))
    delete_dataset(store, dataset.id)
    assert [d.id for d in list_datasets(store)] == [kept.id]
    assert all(rows(t, dataset.id) == 0 for t in tables)
    assert rows("examples", kept.id) == 12 and rows("dataset_versions", kept.id) == 1
    missing = store.conn.execute(  # the kept version still reads every example's text
        "SELECT COUNT(*) FROM version_examples v LEFT JOIN blobs b ON b.hash = v.hash "
        "WHERE b.hash IS NULL"
    ).fetchone()[0]
    assert missing == 0
    assert store.conn.execute("SELECT COUNT(*) FROM blobs").fetchone()[0] == 12
    version = store.conn.execute("SELECT id FROM dataset_versions").fetchone()[0]
    insert_job(
        store,
        provider="local",
        remote_id="ftjob-1",
        base_model="SmolLM2-135M-Instruct",
        training_file="file-1",
        status="succeeded",
        version_id=version,
    )
    with pytest.raises(ValueError, match="job"):
        delete_dataset(store, kept.id)  # a job was trained on it: kept
    assert rows("examples", kept.id) == 12
    store.close()


# --- the quality scan -----------------------------------------------------------------------
async def test_a_failed_quality_scan_says_so_and_esc_leaves(
    home: AppPaths, good_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_scan(*args: Any, **kwargs: Any) -> Any:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr("screens.quality.scan_quality", broken_scan)
    store = open_store(home.database)
    dataset = open_dataset(store, good_file)
    list(run_import(store, dataset.id))
    app = make_app(home, open_path=good_file)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        await pilot.press("Q")
        await until(
            pilot,
            lambda: "failed" in plain(app.screen.query_one("#quality-summary")),
            "the scan to fail",
        )
        assert isinstance(app.screen, QualityScreen)
        summary = plain(app.screen.query_one("#quality-summary"))
        assert "quality scan failed: RecursionError" in summary and "r scans again" in summary
        assert not app.screen.query_one("#quality-progress").display
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
    assert "quality scan failed" in (last_failure(store, dataset.id) or "")
    store.close()


async def test_a_failed_freeze_is_stored_and_said(
    home: AppPaths, good_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_plan(*args: Any, **kwargs: Any) -> Any:
        raise TypeError("'NoneType' object has no attribute 'get'")

    monkeypatch.setattr("screens.versions.plan_freeze", broken_plan)
    store = open_store(home.database)
    dataset = open_dataset(store, good_file)
    list(run_import(store, dataset.id))
    app = make_app(home)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("v")
        await pilot.pause()
        await pilot.press("f")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await until(
            pilot,
            lambda: any(n.title == "Freeze failed" for n in app._notifications),
            "the freeze to fail",
        )
        assert isinstance(app.screen, VersionsScreen)  # still running, still there
        await pilot.press("escape")
        await pilot.pause()
        assert "freeze failed: TypeError" in hint_text(app)
    assert "freeze failed: TypeError" in (last_failure(store, dataset.id) or "")
    store.close()


async def test_a_failed_export_is_stored_and_said(
    home: AppPaths, good_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_export(*args: Any) -> Any:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr("screens.review_files.export_accepted", broken_export)
    app = make_app(home, open_path=good_file)
    async with app.run_test(size=(120, 30)) as pilot:
        store = open_store(home.database)
        await until(pilot, lambda: list_datasets(store)[0].import_state == "complete", "the import")
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("enter")
        await until(
            pilot,
            lambda: any(n.title == "Export failed" for n in app._notifications),
            "the export to fail",
        )
        assert isinstance(app.screen, ReviewScreen)
        failure = last_failure(store, list_datasets(store)[0].id) or ""
        assert "export to" in failure and "RecursionError" in failure
        store.close()


# --- the CLI --------------------------------------------------------------------------------
def test_unreadable_input_exits_2_naming_the_path_and_why(
    home: AppPaths,
    tmp_path: Path,
    good_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = tmp_path / "a-folder"
    folder.mkdir()
    assert cli.main(["validate", str(tmp_path / "missing.jsonl")]) == 2
    assert f"{tmp_path / 'missing.jsonl'}: no such file" in capsys.readouterr().err
    assert cli.main(["validate", str(folder)]) == 2
    assert f"{folder}: is a directory" in capsys.readouterr().err
    good_file.chmod(0)
    if os.access(good_file, os.R_OK):  # root reads anything: refuse this one file instead
        real_open = builtins.open

        def refusing_open(file: Any, *args: Any, **kwargs: Any) -> Any:
            if str(file) == str(good_file):
                raise PermissionError(13, "Permission denied", str(file))
            return real_open(file, *args, **kwargs)

        monkeypatch.setattr(builtins, "open", refusing_open)
    assert cli.main(["validate", str(good_file)]) == 2
    err = capsys.readouterr().err
    assert f"{good_file}: permission denied" in err and "Traceback" not in err


def test_rejected_is_1_and_accepted_is_0(
    home: AppPaths, write_jsonl: Callable[..., Path], good_file: Path
) -> None:
    bad = write_jsonl([chat()] * 11 + ['{"messages": "nope"}'], name="bad.jsonl")
    assert cli.main(["validate", str(good_file)]) == 0
    assert cli.main(["validate", str(bad)]) == 1


def test_an_internal_error_is_one_line_exit_3_and_a_log(
    home: AppPaths, good_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    def broken(*args: Any) -> Any:
        raise RecursionError("maximum recursion depth exceeded while encoding")

    monkeypatch.setattr("tuiapp.data.validate.validate_file", broken)
    assert cli.main(["validate", str(good_file)]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("tuiapp: internal error: RecursionError: maximum recursion depth")
    logs = list((home.data_dir / "logs").glob("crash-*.log"))
    assert len(logs) == 1 and str(logs[0]) in err
    text = logs[0].read_text()
    assert "Traceback" in text and "def broken" not in text and "in broken" in text


def run_with_closed_stdout(home: AppPaths, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI with a reader that has already gone away (`| head -0`)."""
    read, write = os.pipe()
    os.close(read)
    env = {**os.environ, "TUIAPP_HOME": str(home.config_dir.parent)}
    try:
        return subprocess.run(
            [sys.executable, "-m", "tuiapp", *args],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            timeout=60,
        )
    finally:
        os.close(write)


def test_broken_pipes_end_quietly(home: AppPaths, good_file: Path) -> None:
    store = open_store(home.database)
    for i in range(3):
        insert_job(
            store,
            provider="local",
            remote_id=f"ftjob-{i}",
            base_model="SmolLM2-135M-Instruct",
            training_file="file-1",
            status="succeeded",
        )
    dataset = open_dataset(store, good_file)
    list(run_import(store, dataset.id))
    store.close()
    for args in (["validate", str(good_file), "--json"], ["jobs"], ["datasets"]):
        done = run_with_closed_stdout(home, *args)
        assert done.returncode == 0, (args, done.stderr)
        assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, args
