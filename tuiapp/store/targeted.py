"""Targeted examples in the store: one example appended to a dataset by hand (accepted, tagged,
with where it came from as its source record), and how many of them a version holds."""

from __future__ import annotations

import json
from collections.abc import Sequence

from tuiapp.store.db import Store, now
from tuiapp.store.examples import insert_examined
from tuiapp.store.records import CheckedText

TARGETED = "targeted"  # the tag, and the source format its source record is stored under
_TAGGED = "EXISTS (SELECT 1 FROM json_each(e.tags) WHERE value = ?)"


def next_line(store: Store, dataset_id: int) -> int:
    """The line an example appended to the dataset gets: one past the last one."""
    row = store.conn.execute(
        "SELECT COALESCE(MAX(line), 0) + 1 FROM example_rows WHERE dataset_id = ?", [dataset_id]
    ).fetchone()
    return int(row[0])


def append_example(
    store: Store,
    dataset_id: int,
    result: CheckedText,
    tags: Sequence[str],
    source: tuple[str, str, str],
) -> int:
    """Append one checked example, accepted, with its tags and its (format, location, record)
    source, in one transaction; returns its position (idx)."""
    with store.conn:
        row = store.conn.execute(
            "SELECT COALESCE(MAX(idx), -1) + 1 FROM example_rows WHERE dataset_id = ?", [dataset_id]
        ).fetchone()
        idx = int(row[0])
        insert_examined(store, dataset_id, idx, [result])
        example_id = store.conn.execute(
            "SELECT id FROM example_rows WHERE dataset_id = ? AND idx = ?", [dataset_id, idx]
        ).fetchone()[0]
        store.conn.execute(
            "UPDATE example_rows SET tags = ?, updated_at = ? WHERE id = ?",
            [json.dumps(list(tags)), now(), example_id],
        )
        store.conn.execute(
            "UPDATE example_statuses SET status = 'accepted' WHERE example_id = ?", [example_id]
        )
        store.conn.execute(
            "INSERT OR REPLACE INTO example_sources(dataset_id, idx, source_format, location, "
            "record) VALUES (?, ?, ?, ?, ?)",
            [dataset_id, idx, *source],
        )
    return idx


def targeted_ids(store: Store, dataset_id: int) -> set[int]:
    """The ids of a dataset's examples tagged `targeted`."""
    rows = store.conn.execute(
        f"SELECT e.id FROM example_rows e WHERE e.dataset_id = ? AND {_TAGGED}",
        [dataset_id, TARGETED],
    )
    return {int(r[0]) for r in rows}


def targeted_added(store: Store, version_id: int, parent_id: int | None) -> int:
    """Examples tagged `targeted` in a version that its parent (if any) did not hold."""
    row = store.conn.execute(
        "SELECT COUNT(*) FROM version_examples v JOIN example_rows e ON e.id = v.example_id "
        f"WHERE v.version_id = ? AND {_TAGGED} AND v.example_id NOT IN "
        "(SELECT example_id FROM version_examples WHERE version_id = ?)",
        [version_id, TARGETED, parent_id if parent_id is not None else -1],
    ).fetchone()
    return int(row[0])


_KEPT = "edited, note, tags, severity, n_tokens, n_assistant_tokens, n_messages, preview"


def carry_targeted(store: Store, dataset_id: int, previous_id: int) -> int:
    """Append the examples added by hand to `previous_id` (the dataset a changed file replaces)
    to `dataset_id`, after its lines: each with its status, edit, note, tags, checks, source
    record and personal-data items, its problems on its new line. One whose line the file now
    holds (or that was carried already) is not added twice, so this can run again. Returns how
    many were appended."""
    rows = store.conn.execute(
        "SELECT e.idx, e.original, e.problems FROM example_rows e JOIN example_sources s "
        "ON s.dataset_id = e.dataset_id AND s.idx = e.idx WHERE e.dataset_id = ? "
        "AND s.source_format = ? AND e.original NOT IN "
        "(SELECT original FROM example_rows WHERE dataset_id = ?) ORDER BY e.idx",
        [previous_id, TARGETED, dataset_id],
    ).fetchall()
    with store.conn:
        for old_idx, original, problems in rows:
            idx, line = store.conn.execute(
                "SELECT COALESCE(MAX(idx), -1) + 1, COALESCE(MAX(line), 0) + 1 FROM example_rows "
                "WHERE dataset_id = ?",
                [dataset_id],
            ).fetchone()
            moved = [{**p, "line": line} for p in json.loads(problems)]
            new_id = store.conn.execute(
                f"INSERT INTO example_rows(dataset_id, idx, line, original, problems, {_KEPT}, "
                f"updated_at) SELECT ?, ?, ?, ?, ?, {_KEPT}, ? FROM example_rows "
                "WHERE dataset_id = ? AND idx = ?",
                [dataset_id, idx, line, original, json.dumps(moved), now(), previous_id, old_idx],
            ).lastrowid
            store.conn.execute(
                "INSERT INTO example_statuses(example_id, dataset_id, idx, status) "
                "SELECT ?, ?, ?, status FROM example_statuses WHERE dataset_id = ? AND idx = ?",
                [new_id, dataset_id, idx, previous_id, old_idx],
            )
            for table, columns in (
                ("example_sources", "source_format, location, record"),
                ("example_problems", "kind"),
            ):
                store.conn.execute(
                    f"INSERT INTO {table}(dataset_id, idx, {columns}) SELECT ?, ?, {columns} "
                    f"FROM {table} WHERE dataset_id = ? AND idx = ?",
                    [dataset_id, idx, previous_id, old_idx],
                )
            store.conn.execute(
                "INSERT INTO quality_items(dataset_id, item, idx) SELECT ?, item, ? "
                "FROM quality_items WHERE dataset_id = ? AND idx = ? AND item LIKE 'pii:%'",
                [dataset_id, idx, previous_id, old_idx],
            )
    return len(rows)


def targeted_appended(store: Store, dataset_id: int) -> int:
    """How many of a dataset's examples were added by hand (a targeted example's source record)
    rather than read from its file: the ones a re-import carried, or added since."""
    row = store.conn.execute(
        "SELECT COUNT(*) FROM example_sources WHERE dataset_id = ? AND source_format = ?",
        [dataset_id, TARGETED],
    ).fetchone()
    return int(row[0])
