"""The bulk status change and its undo as they were before the rowid-range rework (commit
a08ce19), kept as the same-run baseline of bench_bulk (status batches only)."""

from __future__ import annotations

from tuiapp.store.db import Store, now
from tuiapp.store.examples import ExampleFilter, filter_sql
from tuiapp.store.review import _status_index_rebuilt, new_batch


def old_set_status_where(store: Store, dataset_id: int, flt: ExampleFilter, status: str) -> int:
    """The old bulk change: its UPDATE finds the batch by scanning the whole log."""
    logged = "e.dataset_id, e.id, 'status', e.status, ?, ?, ?"
    query, params = filter_sql(dataset_id, flt, logged)
    with store.conn:
        batch = new_batch(store)
        changed = store.conn.execute(
            "INSERT INTO review_log(dataset_id, example_id, field, old_value, new_value, at, "
            f"batch) {query} AND e.status != ?",
            [status, now(), batch, *params, status],
        ).rowcount
        with _status_index_rebuilt(store, changed):
            store.conn.execute(
                "UPDATE examples SET status = ? WHERE id IN "
                "(SELECT example_id FROM review_log WHERE batch = ?)",
                [status, batch],
            )
    return int(changed)


def old_undo_status_batch(store: Store, dataset_id: int) -> int:
    """The old undo of the newest batch (status only): five scans of the whole log."""
    batch = store.conn.execute(
        "SELECT batch FROM review_log WHERE dataset_id = ? ORDER BY id DESC LIMIT 1",
        [dataset_id],
    ).fetchone()[0]
    where = "l.batch = ?"
    store.conn.execute(
        "SELECT l.field, e.idx FROM review_log l JOIN examples e ON e.id = l.example_id "
        f"WHERE {where} ORDER BY l.id LIMIT 1",
        [batch],
    ).fetchone()
    rows = store.conn.execute(
        f"SELECT e.idx FROM review_log l JOIN examples e ON e.id = l.example_id WHERE {where}",
        [batch],
    )
    changed = sorted({r[0] for r in rows})
    store.conn.execute(f"SELECT DISTINCT field FROM review_log l WHERE {where}", [batch]).fetchall()
    with store.conn, _status_index_rebuilt(store, len(changed)):
        olds = store.conn.execute(
            f"SELECT DISTINCT old_value FROM review_log l WHERE {where} AND field = 'status'",
            [batch],
        ).fetchall()
        for (old,) in olds:
            store.conn.execute(
                "UPDATE examples SET status = ? WHERE id IN (SELECT example_id FROM review_log l "
                f"WHERE {where} AND field = 'status' AND old_value = ?)",
                [old, batch, old],
            )
        store.conn.execute(f"DELETE FROM review_log AS l WHERE {where}", [batch])
    return len(changed)
