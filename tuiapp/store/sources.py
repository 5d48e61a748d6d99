"""The source records of converted examples: what the file held before conversion."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tuiapp.store.db import Store


@dataclass(frozen=True)
class ExampleSource:
    """Where a converted example came from: the source format, `record 3` / `line 3`, the text."""

    source_format: str
    location: str
    record: str


def add_sources(
    store: Store, dataset_id: int, start_idx: int, sources: Sequence[tuple[str, str, str]]
) -> None:
    """Store (format, location, record) for the examples from start_idx on, in one commit;
    storing again (a resumed import) replaces."""
    rows = [(dataset_id, start_idx + i, *source) for i, source in enumerate(sources)]
    with store.conn:
        store.conn.executemany(
            "INSERT OR REPLACE INTO example_sources(dataset_id, idx, source_format, location, "
            "record) VALUES (?, ?, ?, ?, ?)",
            rows,
        )


def example_source(store: Store, dataset_id: int, idx: int) -> ExampleSource | None:
    """The source record of one example, None when it was stored as read."""
    row = store.conn.execute(
        "SELECT source_format, location, record FROM example_sources "
        "WHERE dataset_id = ? AND idx = ?",
        [dataset_id, idx],
    ).fetchone()
    return ExampleSource(row[0], row[1], row[2]) if row else None


def stored_source_format(store: Store, dataset_id: int) -> str | None:
    """The format a dataset's examples were converted from, None before any (or if none was)."""
    row = store.conn.execute(
        "SELECT source_format FROM example_sources WHERE dataset_id = ? "
        "AND source_format != 'targeted' LIMIT 1",  # added by hand, not read from the file
        [dataset_id],
    ).fetchone()
    return str(row[0]) if row else None
