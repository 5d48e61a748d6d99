"""Review decisions: status, note, tags and edits, each logged so it can be undone."""

from __future__ import annotations

import json

from tuiapp.store.db import Store, now
from tuiapp.store.records import STATUSES, CheckedText, Example

_FIELDS = ("status", "note", "tags", "edited")


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
        store.conn.execute(
            f"UPDATE examples SET {field} = ?, updated_at = ? WHERE id = ?",
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
            "UPDATE examples SET problems = ?, severity = ?, n_tokens = ?, n_assistant_tokens = ?,"
            " n_messages = ?, preview = ? WHERE id = ?",
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


def undo_last(store: Store, dataset_id: int) -> tuple[int, str, list[int]] | None:
    """Revert the newest logged change of the dataset, or the whole batch it belongs to:
    (idx of the batch's first example, field, idx of every example changed) or None.

    An undone edit leaves the problems stale; the caller re-examines the restored texts."""
    newest = store.conn.execute(
        "SELECT id, batch FROM review_log WHERE dataset_id = ? ORDER BY id DESC LIMIT 1",
        [dataset_id],
    ).fetchone()
    if newest is None:
        return None
    where, key = ("l.batch = ?", newest[1]) if newest[1] is not None else ("l.id = ?", newest[0])
    rows = store.conn.execute(
        "SELECT l.id, l.example_id, l.field, l.old_value, e.idx FROM review_log l "
        f"JOIN examples e ON e.id = l.example_id WHERE {where} ORDER BY l.id DESC",
        [key],
    ).fetchall()
    with store.conn:
        for log_id, example_id, field, old, _ in rows:
            assert field in _FIELDS
            store.conn.execute(
                f"UPDATE examples SET {field} = ?, updated_at = ? WHERE id = ?",
                [old, now(), example_id],
            )
            store.conn.execute("DELETE FROM review_log WHERE id = ?", [log_id])
    first = rows[-1]
    return first[4], first[2], sorted({r[4] for r in rows})
