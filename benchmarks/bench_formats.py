"""Import of N Alpaca records in one JSON array, as ShareGPT conversations in one JSON array
(from / value, as LLaMA-Factory writes them), as CSV rows (instruction / input / output
columns) or as Parquet, vs the same content as OpenAI chat JSONL: time and peak RSS, each in
its own child process (goal: within 1.5x of JSONL, memory flat).

Usage: python -m benchmarks.bench_formats [N] [--formats alpaca,sharegpt,csv,parquet]
(default 100,000; alpaca, sharegpt and csv; parquet needs pyarrow)
"""

from __future__ import annotations

import argparse
import csv
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


def user_text(record: dict[str, str]) -> str:
    """The user's message an Alpaca record converts to: instruction, a newline, input."""
    return record["instruction"] + (f"\n{record['input']}" if record["input"] else "")


def as_chat(record: dict[str, str]) -> dict[str, object]:
    """The chat example the Alpaca record converts to (the same content)."""
    user = user_text(record)
    return {
        "messages": [
            {"role": "user", "content": user},
            {"role": "assistant", "content": record["output"]},
        ]
    }


def as_sharegpt(record: dict[str, str]) -> dict[str, object]:
    """The same content as a ShareGPT record."""
    user = user_text(record)
    return {
        "conversations": [
            {"from": "human", "value": user},
            {"from": "gpt", "value": record["output"]},
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


def write_files(tmp: Path, rows: list[dict[str, str]], formats: list[str]) -> dict[str, Path]:
    """The same records as chat JSONL and in each format asked: label -> file."""
    files = {"chat JSONL": tmp / "chat.jsonl"}
    files["chat JSONL"].write_text("".join(json.dumps(as_chat(r)) + "\n" for r in rows))
    if "alpaca" in formats:
        files["Alpaca array"] = tmp / "alpaca.json"
        files["Alpaca array"].write_text(json.dumps(rows, indent=2, ensure_ascii=False))
    if "sharegpt" in formats:
        files["ShareGPT"] = tmp / "sharegpt.json"
        files["ShareGPT"].write_text(
            json.dumps([as_sharegpt(r) for r in rows], indent=2, ensure_ascii=False)
        )
    if "csv" in formats:
        files["CSV"] = tmp / "alpaca.csv"
        with open(files["CSV"], "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=["instruction", "input", "output"])
            writer.writeheader()
            writer.writerows(rows)
    if "parquet" in formats:
        import pyarrow as pa
        import pyarrow.parquet as pq

        files["Parquet"] = tmp / "alpaca.parquet"
        pq.write_table(pa.Table.from_pylist(rows), files["Parquet"])
    return files


def main() -> None:
    """Write the files, import each, print the figures and the ratios to chat JSONL."""
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int, nargs="?", default=100_000)
    parser.add_argument(
        "--formats", default="alpaca,sharegpt,csv", help="alpaca, sharegpt, csv, parquet"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        files = write_files(Path(tmp), records(args.n), args.formats.split(","))
        best: dict[str, tuple[int, float, float]] = {}
        for i in range(ROUNDS):  # alternated, best of each: the box is shared
            for label, path in files.items():
                got = run(Path(tmp) / f"{path.stem}{path.suffix[1:]}{i}.db", path)
                best[label] = min(best.get(label, got), got, key=lambda r: r[1])
        sizes = {label: path.stat().st_size / 1e6 for label, path in files.items()}
    _, t_chat, rss_chat = best["chat JSONL"]
    for label, (n, t, rss) in best.items():
        ratio = (
            "" if label == "chat JSONL" else f"; {t / t_chat:.2f}x time, {rss / rss_chat:.2f}x RSS"
        )
        print(
            f"{label:12}: {n:,} examples in {t:.2f} s, peak RSS {rss:.0f} MB "
            f"({sizes[label]:.0f} MB file){ratio}"
        )


if __name__ == "__main__":
    main()
