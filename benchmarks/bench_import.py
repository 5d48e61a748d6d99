"""Import of N examples into the store: time, rows/s and peak memory (RSS), in a child process.

Usage: python -m benchmarks.bench_import [N] [--file PATH]   (default 1,000,000)
Baseline in the same run: reading the file line by line with json.loads and nothing else.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.generate import write_dataset

CHILD = """
import resource, sys, time
from tuiapp.store import open_store
from tuiapp.services.importer import open_dataset, run_import
t0 = time.perf_counter()
store = open_store(sys.argv[1])
ds = open_dataset(store, sys.argv[2])
first = None
for p in run_import(store, ds.id):
    if first is None:
        first = time.perf_counter() - t0
print(p.examples, time.perf_counter() - t0, first,
      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""

BASELINE = """
import json, resource, sys, time
t0 = time.perf_counter()
n = 0
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        try:
            json.loads(line)
        except ValueError:
            pass
        n += 1
print(n, time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def main() -> None:
    """Generate (or take) a file, import it in a child process, print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int, nargs="?", default=1_000_000)
    parser.add_argument("--file", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.file or write_dataset(Path(tmp) / "bench.jsonl", args.n)
        base = subprocess.run(
            [sys.executable, "-c", BASELINE, str(path)], check=True, capture_output=True, text=True
        ).stdout.split()
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(Path(tmp) / "b.db"), str(path)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        db_mb = (Path(tmp) / "b.db").stat().st_size / 1e6
        file_mb = path.stat().st_size / 1e6
    n, seconds, first, rss = int(out[0]), float(out[1]), float(out[2]), float(out[3])
    print(f"file: {file_mb:.0f} MB, {n:,} examples")
    print(
        f"baseline (json.loads per line, no checks, no store): {float(base[1]):6.1f} s, "
        f"peak RSS {float(base[2]):.0f} MB"
    )
    print(
        f"tuiapp import (checks + tokens + SQLite):           {seconds:6.1f} s, "
        f"{n / seconds:,.0f} examples/s, peak RSS {rss:.0f} MB, database {db_mb:.0f} MB"
    )
    print(
        f"first batch stored after {first * 1000:.0f} ms; "
        f"import/baseline time ratio {seconds / float(base[1]):.1f}x"
    )


if __name__ == "__main__":
    main()
