"""Bulk decisions at scale: accept N examples through a filter as one batch, then undo it.
Rows are generated straight into a fresh store (no file import); 2% of them carry an error.
Baselines in the same run: the same bulk path on the wide examples table, where each status
was a column of the whole example (`benchmarks.bulk_baseline`, a store at schema 10, the same
rows), and the per-example path (`set_status` one row at a time) on a sample, scaled to N.
Times are wall clock, with this process's CPU seconds beside them (the box is shared: wall
time is what a user waits, CPU what the change costs).

Usage: python -m benchmarks.bench_bulk [N] [--answer-bytes B]   (default 1,000,000 examples
of ~130 bytes; `--answer-bytes 1000` pads each answer to the ~1.1 KB of bench_import's
generated conversations, the size of ordinary chat examples)
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.bulk_baseline import (
    old_set_status_where,
    old_undo_status_batch,
    open_wide_store,
    wide_insert,
    wide_status_counts,
)
from tuiapp.problems import Problem, Severity
from tuiapp.store import Store, open_store
from tuiapp.store.datasets import create_dataset
from tuiapp.store.examples import ExampleFilter, get_example, insert_examined, status_counts
from tuiapp.store.review import set_status, set_status_where, undo_last

BATCH = 50_000
BASELINE_SAMPLE = 2_000
ACC, PEN = "accepted", "pending"


@dataclass
class Row:
    """A generated example as the store keeps it."""

    line: int
    text: str
    problems: list[Problem] = field(default_factory=list)
    n_tokens: int = 40
    n_assistant_tokens: int = 12
    n_messages: int = 2
    preview: str = "hello"

    @property
    def severity(self) -> Severity:
        """The worst problem."""
        return max((p.severity for p in self.problems), default=Severity.OK)


def row(i: int, answer_bytes: int = 0) -> Row:
    """Example i: a short chat (its answer padded to `answer_bytes`), or (every 50th) a line
    that is not JSON."""
    if i % 50 == 0:
        return Row(i + 1, "{not json", [Problem("invalid_json", i + 1)])
    answer = f"answer {i}"
    answer += " and so on" * max(0, (answer_bytes - len(answer)) // 10)
    text = (
        f'{{"messages": [{{"role": "user", "content": "question {i}"}}, '
        f'{{"role": "assistant", "content": "{answer}"}}]}}'
    )
    return Row(i + 1, text)


def _new_undo(store: Store, dataset_id: int) -> int:
    """The bulk undo of today's store, returning how many examples it changed back."""
    undone = undo_last(store, dataset_id)
    assert undone is not None
    return undone.count


@dataclass
class Implementation:
    """One way of storing statuses: its store, its insert, its bulk change and undo."""

    name: str
    open: Callable[[Path], Store]
    insert: Callable[[Store, int, int, list[Row]], None]
    apply: Callable[..., int]
    undo: Callable[[Store, int], int]
    counts: Callable[[Store, int], dict[str, int]]


IMPLEMENTATIONS = [
    Implementation(
        "wide",
        open_wide_store,
        wide_insert,
        old_set_status_where,
        old_undo_status_batch,
        wide_status_counts,
    ),
    Implementation("now", open_store, insert_examined, set_status_where, _new_undo, status_counts),
]


def filled(impl: Implementation, folder: Path, n: int, answer_bytes: int) -> tuple[Store, int]:
    """A fresh store of this implementation holding n generated examples, and their dataset."""
    source = folder / "bulk.jsonl"
    source.write_text("{}\n")
    store = impl.open(folder / f"{impl.name}.db")
    dataset = create_dataset(store, source, "gpt-4o-mini", "chat")
    t0 = time.perf_counter()
    with store.conn:
        for start in range(0, n, BATCH):
            impl.insert(
                store,
                dataset.id,
                start,
                [row(i, answer_bytes) for i in range(start, min(n, start + BATCH))],
            )
    size = (folder / f"{impl.name}.db").stat().st_size / 2**20
    print(
        f"{impl.name}: {n:,} examples generated in {time.perf_counter() - t0:.1f} s, {size:,.0f} MB"
    )
    return store, dataset.id


def timed(run: Callable[..., int], *args: Any) -> tuple[tuple[float, float], int]:
    """(wall seconds, CPU seconds) of one call, and what it returned."""
    t0, c0 = time.perf_counter(), time.process_time()
    result = run(*args)
    return (time.perf_counter() - t0, time.process_time() - c0), result


def main() -> None:
    """Fill a store of each kind, then time bulk accept and undo on each, alternating, and the
    per-row baseline."""
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--answer-bytes", type=int, default=0)
    args = parser.parse_args()
    n = args.n
    with tempfile.TemporaryDirectory() as tmp:
        stores = {
            impl.name: filled(impl, Path(tmp), n, args.answer_bytes) for impl in IMPLEMENTATIONS
        }
        print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
        for label, flt, new, before in [
            ("accept status=pending (every example)", ExampleFilter(status="pending"), ACC, PEN),
            ("accept no errors (the clean shortcut)", ExampleFilter(max_severity=1), ACC, PEN),
            ("flag every accepted, after a kept bulk", ExampleFilter(status=ACC), "flagged", ACC),
        ]:
            print(f"bulk decision, {label}:")
            for impl in IMPLEMENTATIONS:
                store, dataset_id = stores[impl.name]
                if before == ACC:  # an earlier bulk decision, kept: its log rows stay in the log
                    impl.apply(store, dataset_id, ExampleFilter(), ACC)
                (t_apply, c_apply), changed = timed(impl.apply, store, dataset_id, flt, new)
                (t_undo, c_undo), _ = timed(impl.undo, store, dataset_id)
                assert impl.counts(store, dataset_id) == {before: n}
                print(
                    f"  {impl.name:9} {changed:,} examples: apply {t_apply:.2f} s "
                    f"({c_apply:.2f} s CPU), undo {t_undo:.2f} s ({c_undo:.2f} s CPU)"
                )
        for impl in IMPLEMENTATIONS:
            store, dataset_id = stores[impl.name]
            impl.undo(store, dataset_id)
        print(f"load average after: {os.getloadavg()[0]:.2f} (goal < 5 s each)")
        store, dataset_id = stores["now"]
        sample = min(BASELINE_SAMPLE, n)
        t0 = time.perf_counter()
        for i in range(sample):
            example = get_example(store, dataset_id, i)
            assert example is not None
            set_status(store, example, "accepted")
        per_row = (time.perf_counter() - t0) / sample
        print(f"baseline, one set_status per example: {per_row * 1e3:.2f} ms each")
        print(f"  = {per_row * n:.0f} s for {n:,} (and one undo per example)")
        for store, _ in stores.values():
            store.close()


if __name__ == "__main__":
    main()
