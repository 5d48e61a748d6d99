"""Bulk decisions at scale: accept N examples through a filter as one batch, then undo it.
Rows are generated straight into a fresh store (no file import); 2% of them carry an error.
Baseline in the same run: the per-example path (`set_status` one row at a time) on a sample,
scaled to N.

Usage: python -m benchmarks.bench_bulk [N]   (default 1,000,000)
"""

from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tuiapp.problems import Problem, Severity
from tuiapp.store import open_store
from tuiapp.store.datasets import create_dataset
from tuiapp.store.examples import ExampleFilter, get_example, insert_examined, status_counts
from tuiapp.store.review import set_status, set_status_where, undo_last

BATCH = 50_000
BASELINE_SAMPLE = 2_000


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


def row(i: int) -> Row:
    """Example i: a short chat, or (every 50th) a line that is not JSON."""
    if i % 50 == 0:
        return Row(i + 1, "{not json", [Problem("invalid_json", i + 1)])
    text = (
        f'{{"messages": [{{"role": "user", "content": "question {i}"}}, '
        f'{{"role": "assistant", "content": "answer {i}"}}]}}'
    )
    return Row(i + 1, text)


def main() -> None:
    """Fill a store, then time bulk accept, undo, and the per-row baseline."""
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "bulk.jsonl"
        source.write_text("{}\n")
        store = open_store(Path(tmp) / "bench.db")
        dataset = create_dataset(store, source, "gpt-4o-mini", "chat")
        t0 = time.perf_counter()
        with store.conn:
            for start in range(0, n, BATCH):
                batch = [row(i) for i in range(start, min(n, start + BATCH))]
                insert_examined(store, dataset.id, start, batch)
        print(f"generated {n:,} examples in {time.perf_counter() - t0:.1f} s")
        for label, flt in [
            ("status=pending (every example)", ExampleFilter(status="pending")),
            ("no errors (the clean shortcut)", ExampleFilter(max_severity=1)),
        ]:
            t0 = time.perf_counter()
            changed = set_status_where(store, dataset.id, flt, "accepted")
            t_apply = time.perf_counter() - t0
            t0 = time.perf_counter()
            undone = undo_last(store, dataset.id)
            t_undo = time.perf_counter() - t0
            assert undone is not None and len(undone[2]) == changed
            assert status_counts(store, dataset.id) == {"pending": n}
            print(f"bulk accept, {label}: {changed:,} examples")
            print(f"  apply {t_apply:.2f} s, undo {t_undo:.2f} s (goal < 5 s each)")
        sample = min(BASELINE_SAMPLE, n)
        t0 = time.perf_counter()
        for i in range(sample):
            example = get_example(store, dataset.id, i)
            assert example is not None
            set_status(store, example, "accepted")
        per_row = (time.perf_counter() - t0) / sample
        print(f"baseline, one set_status per example: {per_row * 1e3:.2f} ms each")
        print(f"  = {per_row * n:.0f} s for {n:,} (and one undo per example)")
        store.close()


if __name__ == "__main__":
    main()
