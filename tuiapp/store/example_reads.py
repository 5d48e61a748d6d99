"""Reads of example texts and counts that scans, reports, plans and screens stream through."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from tuiapp.store.db import Store

ERROR = 2  # Severity.ERROR: examples below it are valid


@dataclass(frozen=True, slots=True)
class ScanRow:
    """What the quality scan reads of one example (its edit applied)."""

    idx: int
    text: str
    n_assistant_tokens: int


@dataclass(frozen=True, slots=True)
class ReportRow:
    """What the dataset report reads of one example (its edit applied)."""

    text: str
    severity: int
    status: str
    n_tokens: int
    n_assistant_tokens: int


def position_count(store: Store, dataset_id: int) -> int:
    """One past the highest idx of the dataset's examples (0 when it has none)."""
    row = store.conn.execute(
        "SELECT COALESCE(MAX(idx) + 1, 0) FROM example_rows WHERE dataset_id = ?", [dataset_id]
    ).fetchone()
    return int(row[0])


def current_text(store: Store, dataset_id: int, idx: int) -> str | None:
    """The text that counts (edit, else original) of the example at idx, None if absent."""
    row = store.conn.execute(
        "SELECT COALESCE(edited, original) FROM example_rows WHERE dataset_id = ? AND idx = ?",
        [dataset_id, idx],
    ).fetchone()
    return row[0] if row else None


def iter_current_texts(store: Store, dataset_id: int) -> Iterator[str]:
    """The text that counts of every example, in file order, streamed."""
    rows = store.conn.execute(
        "SELECT COALESCE(edited, original) FROM example_rows WHERE dataset_id = ? ORDER BY idx",
        [dataset_id],
    )
    for (text,) in rows:
        yield text


def iter_scan_rows(store: Store, dataset_id: int, start: int, stop: int) -> Iterator[ScanRow]:
    """The examples with start <= idx < stop, in order, for the quality scan."""
    rows = store.conn.execute(
        "SELECT idx, COALESCE(edited, original), n_assistant_tokens FROM example_rows "
        "WHERE dataset_id = ? AND idx >= ? AND idx < ? ORDER BY idx",
        [dataset_id, start, stop],
    )
    for idx, text, n_assistant in rows:
        yield ScanRow(idx, text, n_assistant)


def iter_report_rows(store: Store, dataset_id: int) -> Iterator[ReportRow]:
    """Every example in file order, for the dataset report."""
    rows = store.conn.execute(
        "SELECT COALESCE(edited, original), severity, status, n_tokens, n_assistant_tokens "
        "FROM examples WHERE dataset_id = ? ORDER BY idx",
        [dataset_id],
    )
    for text, severity, status, n_tokens, n_assistant in rows:
        yield ReportRow(text, severity, status, n_tokens, n_assistant)


def valid_count(store: Store, dataset_id: int) -> int:
    """How many examples have no error."""
    row = store.conn.execute(
        "SELECT COUNT(*) FROM example_rows WHERE dataset_id = ? AND severity < ?",
        [dataset_id, ERROR],
    ).fetchone()
    return int(row[0])


def tokens_by_id(store: Store, dataset_id: int) -> dict[int, int]:
    """Example id -> token count, for every example of the dataset."""
    rows = store.conn.execute(
        "SELECT id, n_tokens FROM example_rows WHERE dataset_id = ?", [dataset_id]
    ).fetchall()
    return {int(i): int(n) for i, n in rows}


def lines_at(store: Store, dataset_id: int, idxs: Sequence[int]) -> dict[int, int]:
    """File line numbers of the examples at these positions (idx -> line)."""
    marks = ",".join("?" * len(idxs))
    rows = store.conn.execute(
        f"SELECT idx, line FROM example_rows WHERE dataset_id = ? AND idx IN ({marks})",
        [dataset_id, *idxs],
    ).fetchall()
    return {int(i): int(line) for i, line in rows}


def lines_of_ids(store: Store, example_ids: Sequence[int]) -> list[int]:
    """File line numbers of the examples with these ids (in the database's order)."""
    marks = ",".join("?" * len(example_ids))
    rows = store.conn.execute(
        f"SELECT line FROM example_rows WHERE id IN ({marks})", list(example_ids)
    ).fetchall()
    return [int(r[0]) for r in rows]
