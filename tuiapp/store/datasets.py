"""Queries on datasets: create, find, list, record import progress."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from tuiapp.problems import Problem
from tuiapp.store.db import Store, now
from tuiapp.store.examples import insert_examined
from tuiapp.store.records import CheckedText, Dataset


def create_dataset(
    store: Store,
    path: str | Path,
    base_model: str,
    fmt: str,
    content_sha256: str | None = None,
    previous_id: int | None = None,
) -> Dataset:
    """Register a file about to be imported (with the SHA-256 of its bytes, and the dataset
    it replaces when it is a changed copy of a reviewed file)."""
    path = Path(path).resolve()
    stat = path.stat()
    with store.conn:
        cur = store.conn.execute(
            "INSERT INTO datasets(name, path, format, base_model, file_size, file_mtime, "
            "created_at, content_sha256, previous_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                path.name,
                str(path),
                fmt,
                base_model,
                stat.st_size,
                stat.st_mtime,
                now(),
                content_sha256,
                previous_id,
            ],
        )
    return get_dataset(store, int(cur.lastrowid or 0))


def get_dataset(store: Store, dataset_id: int) -> Dataset:
    """One dataset by id (KeyError if it does not exist)."""
    rows = list(store.rows("SELECT * FROM datasets WHERE id = ?", [dataset_id]))
    if not rows:
        raise KeyError(f"no dataset with id {dataset_id}")
    return Dataset.from_row(rows[0])


def list_datasets(store: Store) -> list[Dataset]:
    """Every dataset, newest first."""
    return [Dataset.from_row(r) for r in store.rows("SELECT * FROM datasets ORDER BY id DESC")]


def find_current(store: Store, path: str | Path) -> Dataset | None:
    """The newest import of this file, if the file has not changed since (same size and mtime):
    the fast check that spares hashing an unchanged file."""
    path = Path(path).resolve()
    stat = path.stat()
    rows = list(
        store.rows(
            "SELECT * FROM datasets WHERE path = ? AND file_size = ? AND file_mtime = ? "
            "AND import_state != 'failed' ORDER BY id DESC LIMIT 1",
            [str(path), stat.st_size, stat.st_mtime],
        )
    )
    return Dataset.from_row(rows[0]) if rows else None


def find_by_content(store: Store, sha256: str) -> Dataset | None:
    """The newest dataset imported from a file with exactly these bytes (wherever it was)."""
    rows = list(
        store.rows(
            "SELECT * FROM datasets WHERE content_sha256 = ? AND import_state != 'failed' "
            "ORDER BY id DESC LIMIT 1",
            [sha256],
        )
    )
    return Dataset.from_row(rows[0]) if rows else None


def find_by_location(store: Store, path: str | Path) -> Dataset | None:
    """The newest dataset last seen at this path (a reviewed file that may have changed)."""
    rows = list(
        store.rows(
            "SELECT * FROM datasets WHERE path = ? AND import_state != 'failed' "
            "ORDER BY id DESC LIMIT 1",
            [str(Path(path).resolve())],
        )
    )
    return Dataset.from_row(rows[0]) if rows else None


def content_sha256(store: Store, dataset_id: int) -> str | None:
    """The SHA-256 of the dataset's source file (None for imports older than the column)."""
    row = store.conn.execute(
        "SELECT content_sha256 FROM datasets WHERE id = ?", [dataset_id]
    ).fetchone()
    return row[0] if row else None


def previous_dataset(store: Store, dataset_id: int) -> int | None:
    """The dataset this one is a changed copy of (its decisions carry over), if any."""
    row = store.conn.execute(
        "SELECT previous_id FROM datasets WHERE id = ?", [dataset_id]
    ).fetchone()
    return row[0] if row else None


def record_location(store: Store, dataset_id: int, path: str | Path, sha256: str) -> Dataset:
    """Note where the dataset's bytes are now (touched, moved or checked out again), so the
    fast check finds them there next time."""
    path = Path(path).resolve()
    stat = path.stat()
    with store.conn:
        store.conn.execute(
            "UPDATE datasets SET path = ?, name = ?, file_size = ?, file_mtime = ?, "
            "content_sha256 = ? WHERE id = ?",
            [str(path), path.name, stat.st_size, stat.st_mtime, sha256, dataset_id],
        )
    return get_dataset(store, dataset_id)


def record_progress(store: Store, dataset_id: int, lines: int, bytes_read: int) -> None:
    """Note how far the import got (committed with the examples of the same batch)."""
    store.conn.execute(
        "UPDATE datasets SET lines = ?, bytes_read = ? WHERE id = ?",
        [lines, bytes_read, dataset_id],
    )


def commit_batch(
    store: Store,
    dataset_id: int,
    start_idx: int,
    batch: Sequence[CheckedText],
    lines: int,
    bytes_read: int,
) -> int:
    """Insert a batch of examined lines and the position reached, atomically; returns the
    next idx."""
    with store.conn:
        insert_examined(store, dataset_id, start_idx, batch)
        record_progress(store, dataset_id, lines, bytes_read)
    return start_idx + len(batch)


def finish_import(
    store: Store, dataset_id: int, problems: list[Problem], error: str | None = None
) -> None:
    """Mark an import complete (or failed, with the reason)."""
    with store.conn:
        store.conn.execute(
            "UPDATE datasets SET import_state = ?, import_error = ?, file_problems = ? "
            "WHERE id = ?",
            [
                "failed" if error else "complete",
                error,
                json.dumps([p.to_dict() for p in problems]),
                dataset_id,
            ],
        )


def record_failure(store: Store, dataset_id: int, error: str | None) -> None:
    """Keep (or clear, with None) the last failure of a worker on a dataset: scan, freeze..."""
    with store.conn:
        store.conn.execute("UPDATE datasets SET last_failure = ? WHERE id = ?", [error, dataset_id])


def last_failure(store: Store, dataset_id: int) -> str | None:
    """What failed last on this dataset: its import, else another worker; None when all is well."""
    row = store.conn.execute(
        "SELECT import_state, import_error, last_failure FROM datasets WHERE id = ?", [dataset_id]
    ).fetchone()
    if row is None:
        return None
    state, import_error, failure = row
    if state == "failed":
        return f"import failed: {import_error or 'unknown error'}"
    return failure


def restart_import(store: Store, dataset_id: int, *, resume: bool) -> None:
    """Make a failed (or stuck) import run again: from where it stopped, or from the start
    (the examples so far and their decisions are dropped; the file is measured anew)."""
    dataset = get_dataset(store, dataset_id)
    with store.conn:
        if resume:
            store.conn.execute(
                "UPDATE datasets SET import_state = 'importing', import_error = NULL WHERE id = ?",
                [dataset_id],
            )
            return
        _delete_examples(store, dataset_id)
        stat = Path(dataset.path).stat()
        store.conn.execute(
            "UPDATE datasets SET import_state = 'importing', import_error = NULL, lines = 0, "
            "bytes_read = 0, file_size = ?, file_mtime = ?, file_problems = '[]', "
            "content_sha256 = NULL WHERE id = ?",  # rehashed when next identified
            [stat.st_size, stat.st_mtime, dataset_id],
        )


def _delete_examples(store: Store, dataset_id: int) -> None:
    """Drop a dataset's examples and everything computed from them (inside a transaction)."""
    for table in (
        "example_statuses",  # before their rows: the rows' cascade then finds nothing to do
        "example_rows",
        "example_sources",
        "example_problems",
        "review_log",
        "quality_items",
        "duplicate_members",
        "quality_scans",
    ):
        store.conn.execute(f"DELETE FROM {table} WHERE dataset_id = ?", [dataset_id])


def delete_dataset(store: Store, dataset_id: int) -> None:
    """Remove a dataset with its examples, decisions, scans and versions (ValueError when a
    job or an evaluation was made from one of its versions: those keep their data)."""
    get_dataset(store, dataset_id)
    used = store.conn.execute(
        "SELECT (SELECT COUNT(*) FROM jobs WHERE version_id IN (SELECT id FROM dataset_versions "
        "WHERE dataset_id = ?)) + (SELECT COUNT(*) FROM eval_runs WHERE version_id IN "
        "(SELECT id FROM dataset_versions WHERE dataset_id = ?))",
        [dataset_id, dataset_id],
    ).fetchone()[0]
    if used:
        raise ValueError(
            f"dataset {dataset_id} has versions that {used} job(s) or evaluation(s) were made "
            "from; it is kept"
        )
    with store.conn:
        _delete_examples(store, dataset_id)
        store.conn.execute(  # versions point at their parent: unlink before deleting
            "UPDATE dataset_versions SET parent_id = NULL WHERE parent_id IN "
            "(SELECT id FROM dataset_versions WHERE dataset_id = ?)",
            [dataset_id],
        )
        store.conn.execute("DELETE FROM dataset_versions WHERE dataset_id = ?", [dataset_id])
        store.conn.execute("DELETE FROM datasets WHERE id = ?", [dataset_id])
        store.conn.execute(
            "DELETE FROM blobs WHERE hash NOT IN (SELECT hash FROM version_examples)"
        )


def rename_dataset(store: Store, dataset_id: int, name: str) -> None:
    """Give a dataset the name lists show (the file's name until then)."""
    with store.conn:
        store.conn.execute("UPDATE datasets SET name = ? WHERE id = ?", [name, dataset_id])


def recent_files(store: Store, limit: int = 8) -> list[str]:
    """The files datasets were last imported from, the newest first (each once)."""
    return [
        row["path"]
        for row in store.rows(
            "SELECT path, MAX(id) AS newest FROM datasets GROUP BY path ORDER BY newest DESC "
            "LIMIT ?",
            [limit],
        )
    ]
