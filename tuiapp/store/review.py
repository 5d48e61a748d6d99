"""Review decisions: status, note, tags and edits, each logged so it can be undone."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from tuiapp.store.db import Store, now
from tuiapp.store.examples import ExampleFilter, filter_sql
from tuiapp.store.records import STATUSES, CheckedText, Example

_FIELDS = ("status", "note", "tags", "edited")
REBUILD_MIN = 100_000  # status changes in one batch above which the status index is rebuilt
_STATUS_INDEX = (  # schema 11
    "CREATE INDEX example_statuses_status ON example_statuses(dataset_id, status, idx)"
)
_ALL_EXAMPLES = "SELECT MAX(example_id) FROM example_statuses"  # about how many a rebuild sorts
BULK_CACHE_KIB = -65_536  # 64 MiB of page cache while a bulk change or undo runs
LISTED_MAX = 10_000  # a status batch larger than this is undone without listing its positions


@dataclass(frozen=True)
class Undone:
    """What an undo took back: the position of the batch's first example, the field (the
    first one logged), how many examples changed back, and their positions (None for a status
    batch over LISTED_MAX: listing a million positions cost 2 s of a 6 s undo, and a view that
    large is read again whole)."""

    first: int
    field: str
    count: int
    changed: list[int] | None


def _change(
    store: Store,
    example: Example,
    field: str,
    old: str | None,
    new: str | None,
    batch: int | None = None,
) -> None:
    """Write one field and its log entry in a single transaction."""
    assert field in _FIELDS
    with store.conn:
        if field == "status":  # its own narrow table; the row only learns when
            store.conn.execute(
                "UPDATE example_statuses SET status = ? WHERE example_id = ?", [new, example.id]
            )
            store.conn.execute(
                "UPDATE example_rows SET updated_at = ? WHERE id = ?", [now(), example.id]
            )
        else:
            store.conn.execute(
                f"UPDATE example_rows SET {field} = ?, updated_at = ? WHERE id = ?",
                [new, now(), example.id],
            )
        store.conn.execute(
            "INSERT INTO review_log(dataset_id, example_id, field, old_value, new_value, at, "
            "batch) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [example.dataset_id, example.id, field, old, new, now(), batch],
        )


def new_batch(store: Store) -> int:
    """A batch number for changes that one undo takes back together (keep one, redact all)."""
    row = store.conn.execute("SELECT COALESCE(MAX(batch), 0) + 1 FROM review_log").fetchone()
    return int(row[0])


def set_status(store: Store, example: Example, status: str, batch: int | None = None) -> None:
    """Accept, reject, flag or reset an example."""
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")
    if status != example.status:
        _change(store, example, "status", example.status, status, batch)


@dataclass(frozen=True)
class BulkCount:
    """What a bulk decision over a filter would do: examples shown, and how many change."""

    shown: int
    to_change: int


def count_bulk(store: Store, dataset_id: int, flt: ExampleFilter, status: str) -> BulkCount:
    """How many examples the filter shows and how many of them are not `status` yet."""
    query, params = filter_sql(dataset_id, flt, "e.status")
    row = store.conn.execute(
        f"SELECT COUNT(*), COALESCE(SUM(status != ?), 0) FROM ({query})", [status, *params]
    ).fetchone()
    return BulkCount(int(row[0]), int(row[1]))


def set_status_where(store: Store, dataset_id: int, flt: ExampleFilter, status: str) -> int:
    """Give every example the filter shows this status, as one undoable batch, in SQL (set-based
    at any size); returns how many examples changed (those already `status` are left alone)."""
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")
    logged = "e.dataset_id, e.id, 'status', e.status, ?, ?, ?"
    query, params = filter_sql(dataset_id, flt, logged)
    with _big_cache(store), store.conn:
        batch = new_batch(store)
        # the batch's log rows come after `below`: every later read of them is a rowid range,
        # not a scan of the whole log (which grows by a million rows per bulk decision)
        below = store.conn.execute("SELECT COALESCE(MAX(id), 0) FROM review_log").fetchone()[0]
        changed = store.conn.execute(
            "INSERT INTO review_log(dataset_id, example_id, field, old_value, new_value, at, "
            f"batch) {query} AND e.status != ?",
            [status, now(), batch, *params, status],
        ).rowcount
        with _status_index_rebuilt(store, changed):
            # the narrow status table alone (no updated_at on the rows: the log says when)
            store.conn.execute(
                "UPDATE example_statuses SET status = ? WHERE example_id IN "
                "(SELECT example_id FROM review_log WHERE id > ? AND batch = ?)",
                [status, below, batch],
            )
    return int(changed)


@contextmanager
def _big_cache(store: Store) -> Iterator[None]:
    """A larger page cache for one bulk statement set (a million rows rewritten spill the
    default 2 MB cache to the WAL again and again), the usual one again after."""
    before = store.conn.execute("PRAGMA cache_size").fetchone()[0]
    store.conn.execute(f"PRAGMA cache_size = {BULK_CACHE_KIB}")
    try:
        yield
    finally:
        store.conn.execute(f"PRAGMA cache_size = {int(before)}")


@contextmanager
def _status_index_rebuilt(store: Store, rows: int) -> Iterator[None]:
    """Around a change of many statuses (inside its transaction): without the status index,
    rebuilt after. Moving a million entries one by one costs twice a rebuild by sorting."""
    if rows < REBUILD_MIN or rows < store.conn.execute(_ALL_EXAMPLES).fetchone()[0] // 4:
        yield
        return
    if not store.conn.in_transaction:  # DDL does not open one by itself
        store.conn.execute("BEGIN")
    store.conn.execute("DROP INDEX example_statuses_status")
    yield
    store.conn.execute(_STATUS_INDEX)


def keep_only(store: Store, keep: Example, others: list[Example]) -> None:
    """Keep one example of a duplicate group and reject the others, as one undoable change
    (the kept one goes back to pending if it had been rejected)."""
    batch = new_batch(store)
    if keep.status == "rejected":
        set_status(store, keep, "pending", batch)
    for example in others:
        set_status(store, example, "rejected", batch)


def set_note(store: Store, example: Example, note: str) -> None:
    """Replace the example's note."""
    if note != example.note:
        _change(store, example, "note", example.note, note)


def set_tags(store: Store, example: Example, tags: list[str]) -> None:
    """Replace the example's tags (deduplicated, order kept)."""
    clean = list(dict.fromkeys(t.strip() for t in tags if t.strip()))
    if clean != example.tags:
        _change(store, example, "tags", json.dumps(example.tags), json.dumps(clean))


def save_edit(
    store: Store, example: Example, result: CheckedText, batch: int | None = None
) -> None:
    """Store an edited text with its fresh checks; the original line is kept untouched."""
    new = None if result.text == example.original else result.text
    _change(store, example, "edited", example.edited, new, batch)
    store_checks(store, example, result)


def store_checks(store: Store, example: Example, result: CheckedText) -> None:
    """Replace the problems and counts of an example after its text changed (edit, undo)."""
    with store.conn:
        store.conn.execute(
            "UPDATE example_rows SET problems = ?, severity = ?, n_tokens = ?, "
            "n_assistant_tokens = ?, n_messages = ?, preview = ? WHERE id = ?",
            [
                json.dumps([p.to_dict() for p in result.problems]),
                int(result.severity),
                result.n_tokens,
                result.n_assistant_tokens,
                result.n_messages,
                result.preview,
                example.id,
            ],
        )
        store.conn.execute(
            "DELETE FROM example_problems WHERE dataset_id = ? AND idx = ?",
            [example.dataset_id, example.idx],
        )
        store.conn.executemany(
            "INSERT INTO example_problems(dataset_id, idx, kind) VALUES (?, ?, ?)",
            [(example.dataset_id, example.idx, k) for k in {p.kind for p in result.problems}],
        )


def _revert(store: Store, where: str, key: list[int], field: str) -> None:
    """Put back the values one logged change (or batch) replaced in one field, set-based."""
    if field == "status":  # four values at most: one UPDATE each, like the bulk change itself
        olds = store.conn.execute(
            f"SELECT DISTINCT old_value FROM review_log l WHERE {where} AND field = 'status'", key
        ).fetchall()
        for (old,) in olds:  # an example's status is logged once per batch
            store.conn.execute(
                "UPDATE example_statuses SET status = ? WHERE example_id IN "
                f"(SELECT example_id FROM review_log l WHERE {where} AND field = 'status' "
                "AND old_value = ?)",
                [old, *key, old],
            )
        return
    # an edit may be logged twice in a batch: the oldest entry holds the value from before
    store.conn.execute(
        f"UPDATE example_rows SET {field} = o.old_value, updated_at = ? FROM ("
        "SELECT example_id, old_value, MIN(id) FROM review_log l "
        f"WHERE {where} AND field = ? GROUP BY example_id) o WHERE example_rows.id = o.example_id",
        [now(), *key, field],
    )


def undo_last(store: Store, dataset_id: int) -> Undone | None:
    """Revert the newest logged change of the dataset, or the whole batch it belongs to.

    A batch is reverted set-based (one UPDATE per field and old value), so a bulk decision over
    1,000,000 examples comes back in seconds. An undone edit leaves the problems stale; the
    caller re-examines the restored texts (an edit batch always lists its positions)."""
    newest = store.conn.execute(
        "SELECT id, batch FROM review_log WHERE dataset_id = ? ORDER BY id DESC LIMIT 1",
        [dataset_id],
    ).fetchone()
    if newest is None:
        return None
    where, key = "l.id = ?", [newest[0]]
    if newest[1] is not None:  # one pass over the log finds the batch's rowid range
        lowest = store.conn.execute(
            "SELECT MIN(id) FROM review_log WHERE batch = ?", [newest[1]]
        ).fetchone()[0]
        where, key = "l.id BETWEEN ? AND ? AND l.batch = ?", [lowest, newest[0], newest[1]]
    first = store.conn.execute(
        "SELECT l.field, e.idx FROM review_log l JOIN example_rows e ON e.id = l.example_id "
        f"WHERE {where} ORDER BY l.id LIMIT 1",
        key,
    ).fetchone()
    fields = [
        r[0]
        for r in store.conn.execute(f"SELECT DISTINCT field FROM review_log l WHERE {where}", key)
    ]
    logged = store.conn.execute(f"SELECT COUNT(*) FROM review_log l WHERE {where}", key)
    rows = int(logged.fetchone()[0])  # a status is logged once per example and batch
    changed: list[int] | None = None
    if fields != ["status"] or rows <= LISTED_MAX:
        found = store.conn.execute(
            "SELECT e.idx FROM review_log l JOIN example_rows e ON e.id = l.example_id "
            f"WHERE {where}",
            key,
        )
        changed = sorted({r[0] for r in found})
    big = rows if "status" in fields else 0
    with _big_cache(store), store.conn, _status_index_rebuilt(store, big):
        for field in fields:
            assert field in _FIELDS
            _revert(store, where, key, field)
        store.conn.execute(f"DELETE FROM review_log AS l WHERE {where}", key)
    return Undone(first[1], first[0], len(changed) if changed is not None else rows, changed)
