"""The store: schema, import (streamed, resumable), review decisions with undo, export."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from tests.conftest import chat
from tuiapp.cli import main
from tuiapp.data.examine import examine_text
from tuiapp.data.tokens import TokenCounter
from tuiapp.paths import AppPaths
from tuiapp.services.export import export_accepted
from tuiapp.services.importer import open_dataset, run_import
from tuiapp.store import open_store
from tuiapp.store.datasets import get_dataset
from tuiapp.store.examples import (
    ExampleFilter,
    count_examples,
    filtered_positions,
    get_example,
    problem_counts,
    status_counts,
)
from tuiapp.store.review import Undone, save_edit, set_note, set_status, set_tags, undo_last


def imported(home: AppPaths, path: Path):  # type: ignore[no-untyped-def]
    """A store with the file fully imported."""
    store = open_store(home.database)
    dataset = open_dataset(store, path)
    for _ in run_import(store, dataset.id):
        pass
    return store, get_dataset(store, dataset.id)


def test_database_is_wal_and_versioned(home: AppPaths) -> None:
    store = open_store(home.database)
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.schema_version() >= 1
    store.set_setting("theme", "nord")
    assert open_store(home.database).get_setting("theme") == "nord"


def test_import_keeps_every_line_with_its_problems(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    path = write_jsonl([chat(), "{broken", chat(), {"messages": []}] + [chat()] * 8)
    store, dataset = imported(home, path)
    assert dataset.import_state == "complete"
    assert count_examples(store, dataset.id) == 12
    assert problem_counts(store, dataset.id) == {"invalid_json": 1, "missing_messages_list": 1}
    broken = get_example(store, dataset.id, 1)
    assert broken is not None and broken.original == "{broken" and broken.line == 2
    assert list(filtered_positions(store, dataset.id, ExampleFilter(kind="invalid_json"))) == [1]
    assert list(filtered_positions(store, dataset.id, ExampleFilter(min_severity=2))) == [1, 3]
    # opening the unchanged file again reuses the import
    assert open_dataset(store, path).id == dataset.id


def test_decisions_are_stored_and_undone_in_order(home: AppPaths, good_file: Path) -> None:
    store, dataset = imported(home, good_file)
    first = get_example(store, dataset.id, 0)
    assert first is not None
    set_status(store, first, "accepted")
    set_note(store, get_example(store, dataset.id, 0), "looks right")  # type: ignore[arg-type]
    set_tags(store, get_example(store, dataset.id, 0), ["math", " easy", "math"])  # type: ignore[arg-type]
    after = get_example(store, dataset.id, 0)
    assert after is not None
    assert (after.status, after.note, after.tags) == ("accepted", "looks right", ["math", "easy"])
    assert undo_last(store, dataset.id) == Undone(0, "tags", 1, [0])
    assert undo_last(store, dataset.id) == Undone(0, "note", 1, [0])
    assert undo_last(store, dataset.id) == Undone(0, "status", 1, [0])
    assert undo_last(store, dataset.id) is None
    reverted = get_example(store, dataset.id, 0)
    assert reverted is not None
    assert (reverted.status, reverted.note, reverted.tags) == ("pending", "", [])


def test_edit_revalidates_and_keeps_the_original(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    path = write_jsonl([{"messages": [{"role": "bot", "content": "hi"}]}] + [chat()] * 10)
    store, dataset = imported(home, path)
    bad = get_example(store, dataset.id, 0)
    assert bad is not None and bad.severity == 2
    fixed = json.dumps(chat("hi", "hello"))
    save_edit(store, bad, examine_text(fixed, 1, "chat", TokenCounter("o200k_base"), 65_536))
    now = get_example(store, dataset.id, 0)
    assert now is not None
    assert now.edited == fixed and now.original == bad.original
    assert now.problems == [] and now.severity == 0
    assert problem_counts(store, dataset.id) == {}


def test_export_round_trips_through_validate(
    home: AppPaths, write_jsonl: Callable[..., Path], tmp_path: Path
) -> None:
    path = write_jsonl([chat(f"q{i}", f"a{i}") for i in range(12)] + ["{broken"])
    store, dataset = imported(home, path)
    for idx in range(13):
        example = get_example(store, dataset.id, idx)
        assert example is not None
        set_status(store, example, "rejected" if idx == 0 else "accepted")
    out = tmp_path / "out.jsonl"
    result = export_accepted(store, dataset.id, out)
    assert result.written == 11
    assert result.skipped_invalid == [13]
    assert main(["validate", str(out)]) == 0
    assert json.loads(out.read_text().splitlines()[0]) == chat("q1", "a1")


def test_import_resumes_after_the_process_is_killed(home: AppPaths, tmp_path: Path) -> None:
    from benchmarks.generate import write_dataset

    path = write_dataset(tmp_path / "big.jsonl", 30_000, broken_every=0)
    script = (
        "import os, sys\n"
        "from tuiapp.store import open_store\n"
        "from tuiapp.services.importer import open_dataset, run_import\n"
        "from tuiapp.store.examples import get_example\n"
        "from tuiapp.store.review import set_status\n"
        f"store = open_store({str(home.database)!r})\n"
        f"ds = open_dataset(store, {str(path)!r})\n"
        "for i, p in enumerate(run_import(store, ds.id)):\n"
        "    if i == 0:\n"
        "        set_status(store, get_example(store, ds.id, 3), 'rejected')\n"
        "        set_status(store, get_example(store, ds.id, 4), 'flagged')\n"
        "    if i == 2:\n"
        "        os.kill(os.getpid(), 9)\n"
    )
    # a worker left behind by the kill would hold the pipes open: run() would wait for ever
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert proc.returncode == -9
    store = open_store(home.database)
    dataset = open_dataset(store, path)
    assert dataset.import_state == "importing"
    partial = count_examples(store, dataset.id)
    assert 0 < partial < 30_000
    assert status_counts(store, dataset.id) == {"pending": partial - 2, "rejected": 1, "flagged": 1}
    for _ in run_import(store, dataset.id):
        pass
    assert count_examples(store, dataset.id) == 30_000
    last = get_example(store, dataset.id, 29_999)
    assert last is not None and last.line == 30_000
    assert status_counts(store, dataset.id)["rejected"] == 1
