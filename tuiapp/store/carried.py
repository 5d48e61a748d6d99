"""Review decisions carried over when a changed file is imported again: which of the old
dataset's lines a person decided on, and the copy of those decisions (status, note, tags,
an edit with its checks) onto the new dataset's unchanged lines."""

from __future__ import annotations

from collections.abc import Iterable

from tuiapp.store.db import Store

_DECIDED = "(status != 'pending' OR edited IS NOT NULL OR note != '' OR tags != '[]')"
_UNTOUCHED = "status = 'pending' AND edited IS NULL AND note = '' AND tags = '[]'"


def iter_originals(store: Store, dataset_id: int) -> Iterable[tuple[str, bool]]:
    """Each example's original line in file order, with whether a person decided anything on
    it (status, edit, note or tags): what a changed file is compared against. Examples added
    by hand (targeted ones) are no line of the file: a re-import carries them whole."""
    rows = store.conn.execute(
        f"SELECT original, {_DECIDED} FROM examples e WHERE dataset_id = ? AND NOT EXISTS "
        "(SELECT 1 FROM example_sources s WHERE s.dataset_id = e.dataset_id AND s.idx = e.idx "
        "AND s.source_format = 'targeted') ORDER BY idx",
        [dataset_id],
    )
    for original, decided in rows:
        yield original, bool(decided)


def carry_decisions(store: Store, dataset_id: int, previous_id: int) -> int:
    """Copy the review decisions of `previous_id` onto the examples of `dataset_id` whose line
    is unchanged (equal lines matched in order); returns how many examples got one.

    Examples already decided in the new dataset are left alone, so this can run again."""
    decided: dict[str, list[tuple[int, str, str, str, bool]]] = {}
    rows = store.conn.execute(
        "SELECT id, original, status, note, tags, edited IS NOT NULL FROM examples "
        f"WHERE dataset_id = ? AND {_DECIDED} ORDER BY idx DESC",
        [previous_id],
    )
    for old_id, original, status, note, tags, edited in rows:
        decided.setdefault(original, []).append((old_id, status, note, tags, bool(edited)))
    simple, edits = [], []
    rows = store.conn.execute(
        f"SELECT id, idx, original FROM examples WHERE dataset_id = ? AND {_UNTOUCHED} "
        "ORDER BY idx",
        [dataset_id],
    )
    for new_id, idx, original in rows.fetchall():
        if waiting := decided.get(original):
            old_id, status, note, tags, edited = waiting.pop()  # reversed: the first one
            if edited:
                edits.append((new_id, idx, old_id))
            else:
                simple.append((status, note, tags, new_id))
    copied = "edited, note, tags, problems, severity, n_tokens, n_assistant_tokens, "
    copied += "n_messages, preview"
    with store.conn:
        store.conn.executemany(
            "UPDATE example_rows SET note = ?, tags = ? WHERE id = ?",
            [(note, tags, new_id) for _status, note, tags, new_id in simple],
        )
        store.conn.executemany(
            "UPDATE example_statuses SET status = ? WHERE example_id = ?",
            [(status, new_id) for status, _note, _tags, new_id in simple],
        )
        for new_id, idx, old_id in edits:  # an edit brings its own checks and counts
            store.conn.execute(
                f"UPDATE example_rows SET ({copied}) = "
                f"(SELECT {copied} FROM example_rows WHERE id = ?) WHERE id = ?",
                [old_id, new_id],
            )
            store.conn.execute(
                "UPDATE example_statuses SET status = "
                "(SELECT status FROM example_statuses WHERE example_id = ?) WHERE example_id = ?",
                [old_id, new_id],
            )
            store.conn.execute(
                "DELETE FROM example_problems WHERE dataset_id = ? AND idx = ?", [dataset_id, idx]
            )
            store.conn.execute(
                "INSERT INTO example_problems(dataset_id, idx, kind) SELECT ?, ?, p.kind "
                "FROM example_problems p JOIN example_rows e ON e.dataset_id = p.dataset_id "
                "AND e.idx = p.idx WHERE e.id = ?",
                [dataset_id, idx, old_id],
            )
    return len(simple) + len(edits)
