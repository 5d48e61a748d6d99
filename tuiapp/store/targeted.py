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
        "SELECT COALESCE(MAX(line), 0) + 1 FROM examples WHERE dataset_id = ?", [dataset_id]
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
            "SELECT COALESCE(MAX(idx), -1) + 1 FROM examples WHERE dataset_id = ?", [dataset_id]
        ).fetchone()
        idx = int(row[0])
        insert_examined(store, dataset_id, idx, [result])
        store.conn.execute(
            "UPDATE examples SET status = 'accepted', tags = ?, updated_at = ? "
            "WHERE dataset_id = ? AND idx = ?",
            [json.dumps(list(tags)), now(), dataset_id, idx],
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
        f"SELECT e.id FROM examples e WHERE e.dataset_id = ? AND {_TAGGED}", [dataset_id, TARGETED]
    )
    return {int(r[0]) for r in rows}


def targeted_added(store: Store, version_id: int, parent_id: int | None) -> int:
    """Examples tagged `targeted` in a version that its parent (if any) did not hold."""
    row = store.conn.execute(
        "SELECT COUNT(*) FROM version_examples v JOIN examples e ON e.id = v.example_id "
        f"WHERE v.version_id = ? AND {_TAGGED} AND v.example_id NOT IN "
        "(SELECT example_id FROM version_examples WHERE version_id = ?)",
        [version_id, TARGETED, parent_id if parent_id is not None else -1],
    ).fetchone()
    return int(row[0])
