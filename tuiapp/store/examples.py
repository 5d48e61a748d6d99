"""Queries on examples: insert during import, page through, filter, search."""

from __future__ import annotations

import json
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tuiapp.problems import Severity
from tuiapp.store.db import Store
from tuiapp.store.quality import duplicate_positions
from tuiapp.store.records import CheckedText, Example, ExampleRow

DUPLICATES = "duplicates"  # the filter item that lists duplicate groups, group by group


@dataclass(frozen=True)
class ExampleFilter:
    """Which examples a list shows: by review status, problem kind, severity and text."""

    status: str | None = None
    kind: str | None = None
    min_severity: int | None = None
    max_severity: int | None = None  # 1: no errors (the "accept every clean example" filter)
    text: str | None = None
    item: str | None = None  # a quality item such as `pii:email`, or DUPLICATES
    tag: str | None = None

    @property
    def is_empty(self) -> bool:
        """True when the filter lets every example through."""
        return self == ExampleFilter()

    def describe(self) -> str:
        """A short label such as `status=flagged, problem=invalid_json`."""
        parts = []
        if self.status:
            parts.append(f"status={self.status}")
        if self.kind:
            parts.append(f"problem={self.kind}")
        if self.min_severity is not None:
            parts.append(["ok", "warnings", "errors"][self.min_severity] + "+")
        if self.max_severity is not None:
            parts.append(["no problems", "no errors", "any severity"][self.max_severity])
        if self.text:
            parts.append(f"text~{self.text!r}")
        if self.item:
            parts.append("duplicate groups" if self.item == DUPLICATES else self.item)
        if self.tag:
            parts.append(f"tag={self.tag}")
        return ", ".join(parts) or "all"


def insert_examined(
    store: Store, dataset_id: int, start_idx: int, batch: Sequence[CheckedText]
) -> None:
    """Insert a batch of examined lines, each pending (caller commits)."""
    rows = [
        (
            dataset_id,
            start_idx + i,
            ex.line,
            ex.text,
            json.dumps([p.to_dict() for p in ex.problems]) if ex.problems else "[]",
            int(ex.severity),
            ex.n_tokens,
            ex.n_assistant_tokens,
            ex.n_messages,
            ex.preview,
        )
        for i, ex in enumerate(batch)
    ]
    store.conn.executemany(
        "INSERT INTO example_rows(dataset_id, idx, line, original, problems, severity, n_tokens, "
        "n_assistant_tokens, n_messages, preview) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    store.conn.execute(  # their statuses, set-based (the status table's default: pending)
        "INSERT INTO example_statuses(example_id, dataset_id, idx) SELECT id, dataset_id, idx "
        "FROM example_rows WHERE dataset_id = ? AND idx >= ? AND idx < ?",
        [dataset_id, start_idx, start_idx + len(batch)],
    )
    kinds = [
        (dataset_id, start_idx + i, kind)
        for i, ex in enumerate(batch)
        for kind in {p.kind for p in ex.problems}
    ]
    if kinds:
        store.conn.executemany(
            "INSERT INTO example_problems(dataset_id, idx, kind) VALUES (?, ?, ?)", kinds
        )


def count_examples(store: Store, dataset_id: int) -> int:
    """How many examples the dataset has so far."""
    row = store.conn.execute(
        "SELECT COUNT(*) FROM example_rows WHERE dataset_id = ?", [dataset_id]
    ).fetchone()
    return int(row[0])


def status_counts(store: Store, dataset_id: int) -> dict[str, int]:
    """Examples per review status."""
    rows = store.conn.execute(
        "SELECT status, COUNT(*) FROM example_statuses WHERE dataset_id = ? GROUP BY status",
        [dataset_id],
    ).fetchall()
    return {status: n for status, n in rows}


def problem_counts(store: Store, dataset_id: int) -> dict[str, int]:
    """Examples per problem kind, most common first."""
    rows = store.conn.execute(
        "SELECT kind, COUNT(*) AS n FROM example_problems WHERE dataset_id = ? "
        "GROUP BY kind ORDER BY n DESC, kind",
        [dataset_id],
    ).fetchall()
    return {kind: n for kind, n in rows}


def filter_sql(
    dataset_id: int, flt: ExampleFilter, column: str = "e.idx"
) -> tuple[str, list[object]]:
    """A SELECT of `column` over the examples (alias `e`) that pass the filter, with its
    parameters: what the list shows, and what a bulk decision changes (in SQL, not in Python).

    The DUPLICATES item selects every member of a duplicate group (in idx order here)."""
    joins: list[str] = []
    join_params: list[object] = []
    where = ["e.dataset_id = ?"]
    params: list[object] = [dataset_id]
    if flt.item == DUPLICATES:
        joins.append("JOIN duplicate_members d ON d.dataset_id = e.dataset_id AND d.idx = e.idx")
    elif flt.item:
        joins.append(
            "JOIN quality_items q ON q.dataset_id = e.dataset_id AND q.idx = e.idx AND q.item = ?"
        )
        join_params.append(flt.item)
    if flt.kind:
        joins.append(
            "JOIN example_problems p "
            "ON p.dataset_id = e.dataset_id AND p.idx = e.idx AND p.kind = ?"
        )
        join_params.append(flt.kind)
    if flt.tag:
        where.append("EXISTS (SELECT 1 FROM json_each(e.tags) WHERE value = ?)")
        params.append(flt.tag)
    if flt.status:
        where.append("e.status = ?")
        params.append(flt.status)
    if flt.min_severity is not None:
        where.append("e.severity >= ?")
        params.append(flt.min_severity)
    if flt.max_severity is not None:
        where.append("e.severity <= ?")
        params.append(flt.max_severity)
    if flt.text:
        where.append("(e.original LIKE ? OR e.edited LIKE ? OR e.note LIKE ?)")
        like = f"%{flt.text}%"
        params += [like, like, like]
    # the rows alone unless the status is asked for (the view joins each row to its status)
    table = "examples" if flt.status or "status" in column else "example_rows"
    query = f"SELECT {column} FROM {table} e {' '.join(joins)} WHERE {' AND '.join(where)}"
    return query, join_params + params


def filtered_positions(store: Store, dataset_id: int, flt: ExampleFilter) -> array:
    """The idx of every example that passes the filter, in order (compact for 1M rows).

    The DUPLICATES item alone lists duplicate groups one after another instead: not in idx
    order."""
    if flt == ExampleFilter(item=DUPLICATES):
        return duplicate_positions(store, dataset_id)
    query, params = filter_sql(dataset_id, flt)
    rows = store.conn.execute(query + " ORDER BY e.idx", params)
    return array("q", (row[0] for row in rows))


def rows_at(store: Store, dataset_id: int, positions: Iterable[int]) -> dict[int, ExampleRow]:
    """The list rows for these example positions (idx), keyed by idx."""
    wanted = list(positions)
    if not wanted:
        return {}
    marks = ",".join("?" * len(wanted))
    rows = store.conn.execute(
        "SELECT id, idx, line, status, severity, n_tokens, preview, edited IS NOT NULL, "
        f"tags != '[]' FROM examples WHERE dataset_id = ? AND idx IN ({marks})",
        [dataset_id, *wanted],
    ).fetchall()
    return {
        r[1]: ExampleRow(r[0], r[1], r[2], r[3], Severity(r[4]), r[5], r[6], bool(r[7]), bool(r[8]))
        for r in rows
    }


def get_example(store: Store, dataset_id: int, idx: int) -> Example | None:
    """The full example at position idx."""
    rows = list(
        store.rows("SELECT * FROM examples WHERE dataset_id = ? AND idx = ?", [dataset_id, idx])
    )
    return Example.from_row(rows[0]) if rows else None


def iter_examples(store: Store, dataset_id: int, status: str | None = None) -> Iterable[Example]:
    """Every example (optionally of one status) in file order, streamed."""
    sql = "SELECT * FROM examples WHERE dataset_id = ?"
    params: list[object] = [dataset_id]
    if status:
        sql += " AND status = ?"
        params.append(status)
    for row in store.rows(sql + " ORDER BY idx", params):
        yield Example.from_row(row)


def next_with_problem(
    store: Store, dataset_id: int, after: int, backwards: bool = False
) -> int | None:
    """The idx of the nearest example after (or before) `after` that has any problem."""
    op, order = ("<", "DESC") if backwards else (">", "ASC")
    row = store.conn.execute(
        f"SELECT idx FROM example_rows WHERE dataset_id = ? AND severity >= 1 AND idx {op} ? "
        f"ORDER BY idx {order} LIMIT 1",
        [dataset_id, after],
    ).fetchone()
    return int(row[0]) if row else None
