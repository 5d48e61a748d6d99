"""Stored results of a data-quality scan: the report, the items that link each finding to its
examples, and duplicate groups."""

from __future__ import annotations

import json
from array import array
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tuiapp.store.db import Store, now


@dataclass(frozen=True)
class Scan:
    """When a dataset was scanned, with which threshold, and the report."""

    scanned_at: str
    threshold: float
    report: dict[str, Any]


@dataclass(frozen=True)
class GroupMember:
    """One example of a duplicate group: exact and similarity compare it with the kept one."""

    group: int
    idx: int
    keep: bool
    exact: bool
    similarity: float


@dataclass(frozen=True)
class GroupView:
    """The duplicate group an example belongs to."""

    number: int  # 1-based, in group order
    total: int
    members: list[GroupMember]


def save_scan(
    store: Store,
    dataset_id: int,
    threshold: float,
    report: dict[str, Any],
    items: Mapping[str, Iterable[int]],
    members: list[GroupMember],
) -> None:
    """Replace the dataset's scan results in one transaction."""
    with store.conn:
        for table in ("quality_items", "duplicate_members", "quality_scans"):
            store.conn.execute(f"DELETE FROM {table} WHERE dataset_id = ?", [dataset_id])
        store.conn.executemany(
            "INSERT INTO quality_items(dataset_id, item, idx) VALUES (?, ?, ?)",
            ((dataset_id, item, idx) for item, members in items.items() for idx in members),
        )
        store.conn.executemany(
            "INSERT INTO duplicate_members(dataset_id, grp, idx, keep, exact, similarity) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            ((dataset_id, m.group, m.idx, m.keep, m.exact, m.similarity) for m in members),
        )
        store.conn.execute(
            "INSERT INTO quality_scans(dataset_id, threshold, scanned_at, report) "
            "VALUES (?, ?, ?, ?)",
            [dataset_id, threshold, now(), json.dumps(report)],
        )


def load_scan(store: Store, dataset_id: int) -> Scan | None:
    """The last scan of the dataset, if any."""
    row = store.conn.execute(
        "SELECT scanned_at, threshold, report FROM quality_scans WHERE dataset_id = ?",
        [dataset_id],
    ).fetchone()
    return Scan(row[0], row[1], json.loads(row[2])) if row else None


def changed_since_scan(store: Store, dataset_id: int, scan: Scan) -> int:
    """Examples whose text was edited (or redacted) after the scan: its findings may be out of
    date for them. Decisions, notes and tags change no finding, so they do not count."""
    row = store.conn.execute(
        "SELECT COUNT(DISTINCT example_id) FROM review_log "
        "WHERE dataset_id = ? AND field = 'edited' AND at > ?",
        [dataset_id, scan.scanned_at],
    ).fetchone()
    return int(row[0])


@dataclass(frozen=True)
class OpenDuplicates:
    """Duplicate groups that review has not resolved yet (two or more copies not rejected)."""

    groups: int
    exact_groups: int
    to_drop: int
    exact_to_drop: int
    near_to_drop: int


def open_duplicates(store: Store, dataset_id: int) -> OpenDuplicates:
    """The scan's duplicate groups less those whose copies were all rejected (keep one, or
    rejected by hand): what is still to drop."""
    row = store.conn.execute(
        "SELECT COUNT(*), COALESCE(SUM(exact_group), 0), COALESCE(SUM(open - 1), 0), "
        "COALESCE(SUM(exact_open), 0), COALESCE(SUM(near_open), 0) FROM ("
        "SELECT SUM(e.status != 'rejected') AS open, MIN(d.exact OR d.keep) AS exact_group, "
        "SUM(e.status != 'rejected' AND NOT d.keep AND d.exact) AS exact_open, "
        "SUM(e.status != 'rejected' AND NOT d.keep AND NOT d.exact) AS near_open "
        "FROM duplicate_members d JOIN examples e ON e.dataset_id = d.dataset_id "
        "AND e.idx = d.idx WHERE d.dataset_id = ? GROUP BY d.grp HAVING open >= 2)",
        [dataset_id],
    ).fetchone()
    return OpenDuplicates(*(int(v) for v in row))


def item_counts(store: Store, dataset_id: int) -> dict[str, int]:
    """Examples per quality item."""
    rows = store.conn.execute(
        "SELECT item, COUNT(*) FROM quality_items WHERE dataset_id = ? GROUP BY item",
        [dataset_id],
    ).fetchall()
    return {item: n for item, n in rows}


def items_of(store: Store, dataset_id: int, idx: int) -> list[str]:
    """The quality items one example is in."""
    rows = store.conn.execute(
        "SELECT item FROM quality_items WHERE dataset_id = ? AND idx = ? ORDER BY item",
        [dataset_id, idx],
    ).fetchall()
    return [r[0] for r in rows]


def replace_pii_items(store: Store, dataset_id: int, idx: int, kinds: Iterable[str]) -> None:
    """After an edit or a redaction: the example's PII items are the kinds found now."""
    with store.conn:
        store.conn.execute(
            "DELETE FROM quality_items WHERE dataset_id = ? AND idx = ? AND item LIKE 'pii:%'",
            [dataset_id, idx],
        )
        store.conn.executemany(
            "INSERT INTO quality_items(dataset_id, item, idx) VALUES (?, ?, ?)",
            [(dataset_id, f"pii:{kind}", idx) for kind in sorted(set(kinds))],
        )


def pii_positions(store: Store, dataset_id: int) -> list[int]:
    """Every example with personal data of any kind, in order."""
    rows = store.conn.execute(
        "SELECT DISTINCT idx FROM quality_items WHERE dataset_id = ? AND item LIKE 'pii:%' "
        "ORDER BY idx",
        [dataset_id],
    ).fetchall()
    return [r[0] for r in rows]


def duplicate_positions(store: Store, dataset_id: int) -> array:
    """Every example in a duplicate group, group after group (the kept one first)."""
    rows = store.conn.execute(
        "SELECT idx FROM duplicate_members WHERE dataset_id = ? ORDER BY grp, keep DESC, idx",
        [dataset_id],
    )
    return array("q", (r[0] for r in rows))


def duplicate_group(store: Store, dataset_id: int, idx: int) -> GroupView | None:
    """The duplicate group the example is in, or None."""
    row = store.conn.execute(
        "SELECT grp FROM duplicate_members WHERE dataset_id = ? AND idx = ?", [dataset_id, idx]
    ).fetchone()
    if row is None:
        return None
    members = store.conn.execute(
        "SELECT grp, idx, keep, exact, similarity FROM duplicate_members "
        "WHERE dataset_id = ? AND grp = ? ORDER BY keep DESC, idx",
        [dataset_id, row[0]],
    ).fetchall()
    total = store.conn.execute(  # groups are numbered 0..n-1: the index answers at once
        "SELECT MAX(grp) + 1 FROM duplicate_members WHERE dataset_id = ?", [dataset_id]
    ).fetchone()[0]
    return GroupView(
        row[0] + 1,
        total,
        [GroupMember(m[0], m[1], bool(m[2]), bool(m[3]), m[4]) for m in members],
    )


def tag_counts(store: Store, dataset_id: int) -> dict[str, int]:
    """Examples per tag, most used first."""
    rows = store.conn.execute(
        "SELECT t.value, COUNT(*) AS n FROM example_rows e, json_each(e.tags) t "
        "WHERE e.dataset_id = ? AND e.tags != '[]' GROUP BY t.value ORDER BY n DESC, t.value",
        [dataset_id],
    ).fetchall()
    return {tag: n for tag, n in rows}
