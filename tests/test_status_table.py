"""Each example's review status lives in a narrow table of its own (migration 11), so a bulk
decision rewrites the statuses, not every whole example. A database made before it keeps
every decision and its undo; `examples` still reads as each example with its status."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import chat
from tests.test_store_and_import import imported
from tuiapp.paths import AppPaths
from tuiapp.store import open_store
from tuiapp.store.datasets import delete_dataset
from tuiapp.store.db import now
from tuiapp.store.examples import ExampleFilter, filtered_positions, get_example, status_counts
from tuiapp.store.review import set_status, set_status_where, undo_last
from tuiapp.store.schema import MIGRATIONS

WIDE = 10  # the last schema with the status a column of `examples`


def schema_10_database(path: Path) -> None:
    """A database as the app left it before migration 11: a dataset of four examples with
    their statuses, and a logged decision that can still be undone."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT)")
    for version, script in enumerate(MIGRATIONS[:WIDE], start=1):
        conn.executescript(
            f"BEGIN;\n{script}\nINSERT INTO schema_version VALUES ({version}, '{now()}');\nCOMMIT;"
        )
    conn.execute(
        "INSERT INTO datasets(id, name, path, base_model, import_state, created_at) "
        "VALUES (1, 'old', '/data/old.jsonl', 'gpt-4o-mini', 'complete', ?)",
        [now()],
    )
    statuses = ["accepted", "rejected", "flagged", "accepted"]
    conn.executemany(
        "INSERT INTO examples(id, dataset_id, idx, line, original, status, note) "
        "VALUES (?, 1, ?, ?, ?, ?, ?)",
        [(i + 1, i, i + 1, f'{{"n": {i}}}', s, f"note {i}") for i, s in enumerate(statuses)],
    )
    conn.execute(  # example 4 was pending until a person accepted it
        "INSERT INTO review_log(dataset_id, example_id, field, old_value, new_value, at) "
        "VALUES (1, 4, 'status', 'pending', 'accepted', ?)",
        [now()],
    )
    conn.commit()
    conn.close()


def test_a_database_from_before_keeps_every_status_and_its_undo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "tuiapp.db"
    schema_10_database(path)
    store = open_store(path)
    assert store.schema_version() == len(MIGRATIONS)
    said = capsys.readouterr().err
    assert f"updating the database from schema 10 to {len(MIGRATIONS)} (once" in said
    open_store(path)
    assert capsys.readouterr().err == ""  # up to date: nothing said
    columns = {r[1] for r in store.conn.execute("PRAGMA table_info(example_rows)")}
    assert "status" not in columns and {"original", "note", "edited"} <= columns
    assert status_counts(store, 1) == {"accepted": 2, "rejected": 1, "flagged": 1}
    first = get_example(store, 1, 0)
    assert first is not None and (first.status, first.note) == ("accepted", "note 0")
    assert list(filtered_positions(store, 1, ExampleFilter(status="accepted"))) == [0, 3]
    undone = undo_last(store, 1)  # the decision logged before the migration
    assert undone is not None and undone.changed == [3]
    assert status_counts(store, 1) == {"accepted": 1, "rejected": 1, "flagged": 1, "pending": 1}
    plan = store.conn.execute(
        "EXPLAIN QUERY PLAN SELECT e.idx FROM examples e WHERE e.dataset_id = 1 "
        "AND e.status = 'flagged' ORDER BY e.idx"
    ).fetchall()
    steps = " / ".join(str(step[3]) for step in plan)
    assert "COVERING INDEX example_statuses_status" in steps, steps  # the index, in order
    assert "TEMP B-TREE" not in steps


def test_decisions_change_the_status_table_and_leave_the_rows_alone(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    store, dataset = imported(home, write_jsonl([chat(f"q{i}") for i in range(12)]))
    rows_before = store.conn.execute("SELECT * FROM example_rows ORDER BY id").fetchall()
    assert set_status_where(store, dataset.id, ExampleFilter(), "accepted") == 12
    assert store.conn.execute("SELECT * FROM example_rows ORDER BY id").fetchall() == rows_before
    example = get_example(store, dataset.id, 5)
    assert example is not None and example.status == "accepted"
    set_status(store, example, "rejected")
    assert status_counts(store, dataset.id) == {"accepted": 11, "rejected": 1}
    undo_last(store, dataset.id)
    undo_last(store, dataset.id)
    assert status_counts(store, dataset.id) == {"pending": 12}


def test_deleting_a_dataset_leaves_no_status_behind(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    store, dataset = imported(home, write_jsonl([chat(f"q{i}") for i in range(5)]))
    delete_dataset(store, dataset.id)
    assert store.conn.execute("SELECT COUNT(*) FROM example_statuses").fetchone()[0] == 0
    assert store.conn.execute("SELECT COUNT(*) FROM example_rows").fetchone()[0] == 0
