"""The whole quality scan (consistency, personal data, duplicates, results stored) on N
imported examples: time and peak memory (RSS) in a child process, after an import that is
not timed. Baseline in the same run, same store: reading every example back and parsing it
(the least any scan must do).

Usage: python -m benchmarks.bench_quality [N]   (default 100,000)
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.generate import write_dataset

IMPORT = """
import sys
from tuiapp.store import open_store
from tuiapp.services.importer import open_dataset, run_import
store = open_store(sys.argv[1])
ds = open_dataset(store, sys.argv[2])
for _ in run_import(store, ds.id):
    pass
print(ds.id)
"""

BASELINE = """
import resource, sys, time, orjson
from tuiapp.store import open_store
store = open_store(sys.argv[1])
t0 = time.perf_counter()
n = 0
rows = store.conn.execute("SELECT COALESCE(edited, original) FROM example_rows ORDER BY idx")
for (text,) in rows:
    try:
        orjson.loads(text)
    except orjson.JSONDecodeError:
        pass
    n += 1
print(n, time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""

SCAN = """
import resource, sys, time
from tuiapp.store import open_store
from tuiapp.services.quality import scan_quality
store = open_store(sys.argv[1])
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
t0 = time.perf_counter()
report = scan_quality(store, int(sys.argv[2]))
print(report.examples, time.perf_counter() - t0, before,
      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, report.duplicates.groups,
      report.pii_total, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
"""


def run(code: str, *args: str) -> list[str]:
    """Run code in a fresh interpreter; its printed words."""
    done = subprocess.run(
        [sys.executable, "-c", code, *args], check=True, capture_output=True, text=True
    )
    return done.stdout.split()


def main() -> None:
    """Generate, import, then time the baseline and the scan."""
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int, nargs="?", default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = write_dataset(Path(tmp) / "bench.jsonl", args.n)
        db = str(Path(tmp) / "b.db")
        dataset_id = run(IMPORT, db, str(path))[0]
        n, base_s, base_mb = run(BASELINE, db)
        _, scan_s, start_mb, peak_mb, groups, pii, worker_mb = run(SCAN, db, dataset_id)
    print(f"quality scan of {int(n):,} examples")
    print(
        f"  baseline (read + parse every example): {float(base_s):.1f} s, {float(base_mb):.0f} MB"
    )
    print(
        f"  tuiapp scan: {float(scan_s):.1f} s ({float(scan_s) / float(base_s):.1f}x the baseline)"
        f", peak RSS {float(peak_mb):.0f} MB (+{float(peak_mb) - float(start_mb):.0f} MB); "
        f"largest worker process {float(worker_mb):.0f} MB"
    )
    print(f"  found: {int(groups):,} duplicate groups, {int(pii):,} examples with personal data")


if __name__ == "__main__":
    main()
