"""Import of N Alpaca records in one JSON array vs the same content as OpenAI chat JSONL:
time and peak RSS, each in its own child process (goal: within 1.5x of JSONL, memory flat).

Usage: python -m benchmarks.bench_formats [N]   (default 100,000)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROUNDS = 2
CHILD = """
import resource, sys, time
from tuiapp.store import open_store
from tuiapp.services.importer import open_dataset, run_import
t0 = time.perf_counter()
store = open_store(sys.argv[1])
ds = open_dataset(store, sys.argv[2])
for p in run_import(store, ds.id):
    pass
print(p.examples, time.perf_counter() - t0,
      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def records(n: int) -> list[dict[str, str]]:
    """n varied Alpaca records (some with an input), about 300 bytes each."""
    out = []
    for i in range(n):
        record = {
            "instruction": f"Rewrite sentence {i} in plain words, keeping its meaning.",
            "input": f"The committee, having deliberated at length, resolved item {i}." * (i % 2),
            "output": f"After a long talk the committee decided on item {i}. " * (1 + i % 3),
        }
        out.append(record)
    return out


def as_chat(record: dict[str, str]) -> dict[str, object]:
    """The chat example the Alpaca record converts to (the same content)."""
    user = record["instruction"] + (f"\n{record['input']}" if record["input"] else "")
    return {
        "messages": [
            {"role": "user", "content": user},
            {"role": "assistant", "content": record["output"]},
        ]
    }


def run(db: Path, path: Path) -> tuple[int, float, float]:
    """Import path into db in a child process: examples, seconds, peak RSS in MB."""
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(db), str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return int(out[0]), float(out[1]), float(out[2])


def main() -> None:
    """Write both files, import each, print the figures and the ratios."""
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int, nargs="?", default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows = records(args.n)
        array, jsonl = Path(tmp) / "alpaca.json", Path(tmp) / "chat.jsonl"
        array.write_text(json.dumps(rows, indent=2, ensure_ascii=False))
        jsonl.write_text("".join(json.dumps(as_chat(r)) + "\n" for r in rows))
        del rows
        mb = array.stat().st_size / 1e6, jsonl.stat().st_size / 1e6
        best: dict[Path, tuple[int, float, float]] = {}
        for i in range(ROUNDS):  # alternated, best of each: the box is shared
            for path in (jsonl, array):
                got = run(Path(tmp) / f"{path.stem}{i}.db", path)
                best[path] = min(best.get(path, got), got, key=lambda r: r[1])
        n_chat, t_chat, rss_chat = best[jsonl]
        n_arr, t_arr, rss_arr = best[array]
    for label, n, t, rss, size in (
        ("chat JSONL  ", n_chat, t_chat, rss_chat, mb[1]),
        ("Alpaca array", n_arr, t_arr, rss_arr, mb[0]),
    ):
        print(f"{label}: {n:,} examples in {t:.2f} s, peak RSS {rss:.0f} MB ({size:.0f} MB file)")
    print(f"ratio        : time {t_arr / t_chat:.2f}x, peak RSS {rss_arr / rss_chat:.2f}x")


if __name__ == "__main__":
    main()
