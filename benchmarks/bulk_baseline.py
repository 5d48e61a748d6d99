"""The bulk status change and its undo as they were on the wide examples table (schema 10:
the status a column of each whole example, before migration 11 gave it a narrow table), kept
as the same-run baseline of bench_bulk (status batches only). Its store is migrated to
schema 10 and no further, and its examples are inserted as that schema had them."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tuiapp.store.db import Store, now
from tuiapp.store.examples import ExampleFilter, filter_sql
from tuiapp.store.review import REBUILD_MIN, _big_cache, new_batch
from tuiapp.store.schema import MIGRATIONS

WIDE_SCHEMA = 10


def open_wide_store(path: Path) -> Store:
    """A store at schema 10, opened as `open_store` opens one."""
    conn = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    for script in MIGRATIONS[:WIDE_SCHEMA]:
        conn.executescript(f"BEGIN;\n{script}\nCOMMIT;")
    return Store(conn, path)


def wide_insert(store: Store, dataset_id: int, start: int, batch: Sequence[Any]) -> None:
    """Insert generated rows (bench_bulk's `Row`) into the wide table (caller commits)."""
    store.conn.executemany(
        "INSERT INTO examples(dataset_id, idx, line, original, problems, severity, n_tokens, "
        "n_assistant_tokens, n_messages, preview) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                dataset_id,
                start + i,
                r.line,
                r.text,
                "[]",
                int(r.severity),
                r.n_tokens,
                r.n_assistant_tokens,
                r.n_messages,
                r.preview,
            )  # fmt: skip
            for i, r in enumerate(batch)
        ],
    )


def wide_status_counts(store: Store, dataset_id: int) -> dict[str, int]:
    """Examples per status, from the wide table."""
    rows = store.conn.execute(
        "SELECT status, COUNT(*) FROM examples WHERE dataset_id = ? GROUP BY status", [dataset_id]
    )
    return dict(rows.fetchall())


@contextmanager
def _wide_index_rebuilt(store: Store, rows: int) -> Iterator[None]:
    """The wide table's status index dropped around a large change, rebuilt after."""
    total = store.conn.execute("SELECT MAX(id) FROM examples").fetchone()[0]
    if rows < REBUILD_MIN or rows < total // 4:
        yield
        return
    if not store.conn.in_transaction:  # DDL does not open one by itself
        store.conn.execute("BEGIN")
    store.conn.execute("DROP INDEX examples_status")
    yield
    store.conn.execute("CREATE INDEX examples_status ON examples(dataset_id, status, idx)")


def old_set_status_where(store: Store, dataset_id: int, flt: ExampleFilter, status: str) -> int:
    """The bulk change on the wide table: every changed example's whole row rewritten."""
    logged = "e.dataset_id, e.id, 'status', e.status, ?, ?, ?"
    query, params = filter_sql(dataset_id, flt, logged)
    with _big_cache(store), store.conn:
        batch = new_batch(store)
        below = store.conn.execute("SELECT COALESCE(MAX(id), 0) FROM review_log").fetchone()[0]
        changed = store.conn.execute(
            "INSERT INTO review_log(dataset_id, example_id, field, old_value, new_value, at, "
            f"batch) {query} AND e.status != ?",
            [status, now(), batch, *params, status],
        ).rowcount
        with _wide_index_rebuilt(store, changed):
            store.conn.execute(
                "UPDATE examples SET status = ? WHERE id IN "
                "(SELECT example_id FROM review_log WHERE id > ? AND batch = ?)",
                [status, below, batch],
            )
    return int(changed)


def old_undo_status_batch(store: Store, dataset_id: int) -> int:
    """The undo of the newest (status) batch on the wide table, by its rowid range."""
    newest, batch = store.conn.execute(
        "SELECT id, batch FROM review_log WHERE dataset_id = ? ORDER BY id DESC LIMIT 1",
        [dataset_id],
    ).fetchone()
    lowest = store.conn.execute(
        "SELECT MIN(id) FROM review_log WHERE batch = ?", [batch]
    ).fetchone()[0]
    where, key = "l.id BETWEEN ? AND ? AND l.batch = ?", [lowest, newest, batch]
    rows = store.conn.execute(f"SELECT COUNT(*) FROM review_log l WHERE {where}", key)
    count = int(rows.fetchone()[0])
    with _big_cache(store), store.conn, _wide_index_rebuilt(store, count):
        olds = store.conn.execute(
            f"SELECT DISTINCT old_value FROM review_log l WHERE {where}", key
        ).fetchall()
        for (old,) in olds:
            store.conn.execute(
                "UPDATE examples SET status = ? WHERE id IN (SELECT example_id FROM review_log l "
                f"WHERE {where} AND old_value = ?)",
                [old, *key, old],
            )
        store.conn.execute(f"DELETE FROM review_log AS l WHERE {where}", key)
    return count
