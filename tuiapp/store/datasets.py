"""Queries on datasets: create, find, list, record import progress."""

from __future__ import annotations

import json
from pathlib import Path

from tuiapp.data.problems import Problem
from tuiapp.store.db import Store, now
from tuiapp.store.records import Dataset


def create_dataset(store: Store, path: str | Path, base_model: str, fmt: str) -> Dataset:
    """Register a file about to be imported."""
    path = Path(path).resolve()
    stat = path.stat()
    with store.conn:
        cur = store.conn.execute(
            "INSERT INTO datasets(name, path, format, base_model, file_size, file_mtime, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [path.name, str(path), fmt, base_model, stat.st_size, stat.st_mtime, now()],
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
    """The newest import of this file, if the file has not changed since (same size and mtime)."""
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


def record_progress(store: Store, dataset_id: int, lines: int, bytes_read: int) -> None:
    """Note how far the import got (committed with the examples of the same batch)."""
    store.conn.execute(
        "UPDATE datasets SET lines = ?, bytes_read = ? WHERE id = ?",
        [lines, bytes_read, dataset_id],
    )


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
