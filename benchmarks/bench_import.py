"""Import of N examples into the store: time, rows/s and peak memory (RSS), in a child process.

Usage: python -m benchmarks.bench_import [N] [--file PATH] [--workers W]   (default 1,000,000)
Baselines in the same run: reading the file line by line with json.loads and nothing else, and
the import in one process (`workers=0`, what the import was before worker processes); then the
import with W worker processes (default: one per available core) examining line ranges while
the main process inserts. Peak RSS is the main process's; the largest worker's beside it.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.generate import write_dataset
from tuiapp.services.import_workers import available_cores, import_workers

CHILD = """
import resource, sys, time
from tuiapp.store import open_store
from tuiapp.services.importer import open_dataset, run_import
t0 = time.perf_counter()
store = open_store(sys.argv[1])
ds = open_dataset(store, sys.argv[2])
first = None
for p in run_import(store, ds.id, workers=int(sys.argv[3])):
    if first is None:
        first = time.perf_counter() - t0
me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print(p.examples, time.perf_counter() - t0, first, me.ru_maxrss / 1024, kids.ru_maxrss / 1024,
      me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime)
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


def _import(tmp: str, path: Path, workers: int) -> tuple[list[str], float]:
    """Import the file into a fresh database in a child process: its printed figures and the
    database's size in MB."""
    db = Path(tmp) / f"import-{workers}.db"
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(db), str(path), str(workers)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return out, db.stat().st_size / 1e6


def main() -> None:
    """Generate (or take) a file, import it in child processes, print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int, nargs="?", default=1_000_000)
    parser.add_argument("--file", type=Path)
    parser.add_argument("--workers", type=int, default=available_cores())
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.file or write_dataset(Path(tmp) / "bench.jsonl", args.n)
        file_mb = path.stat().st_size / 1e6
        print(f"load average {os.getloadavg()[0]:.2f} on {available_cores()} cores; the rule now")
        print(f"  picks {import_workers(path.stat().st_size)} worker(s) for this file")
        base = subprocess.run(
            [sys.executable, "-c", BASELINE, str(path)], check=True, capture_output=True, text=True
        ).stdout.split()
        print(
            f"baseline (json.loads per line, no checks, no store): {float(base[1]):6.1f} s, "
            f"peak RSS {float(base[2]):.0f} MB"
        )
        single_rate = 0.0
        for label, workers in [
            ("one process (baseline)", 0),
            (f"{args.workers} workers", args.workers),
        ]:
            out, db_mb = _import(tmp, path, workers)
            n, seconds, first = int(out[0]), float(out[1]), float(out[2])
            rss, child, cpu, cpu_workers = (float(x) for x in out[3:7])
            rate = n / seconds
            single_rate = single_rate or rate
            print(
                f"import, {label:22} {seconds:6.1f} s, {rate:,.0f} examples/s "
                f"({rate / single_rate:.2f}x), peak RSS {rss:.0f} MB main, {child:.0f} MB worker,"
                f" first batch after {first * 1000:.0f} ms, database {db_mb:.0f} MB"
            )
            print(f"  CPU: {cpu:.1f} s main process, {cpu_workers:.1f} s workers")
            (Path(tmp) / f"import-{workers}.db").unlink()
    print(f"file: {file_mb:.0f} MB, {n:,} examples; load average after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
