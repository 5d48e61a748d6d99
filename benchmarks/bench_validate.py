"""`tuiapp validate` on N generated examples vs the OpenAI cookbook's logic, in one run.

Usage: python -m benchmarks.bench_validate [N]   (default 100,000)
Prints both timings, the speed-up, and whether the counts agree.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from benchmarks.cookbook_baseline import run as cookbook_run
from benchmarks.generate import write_dataset
from tuiapp.data.tokens import encoding
from tuiapp.data.validate import validate_file


def main() -> None:
    """Generate, time both, compare."""
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        path = write_dataset(Path(tmp) / "bench.jsonl", n)
        size_mb = path.stat().st_size / 1e6
        encoding("o200k_base")  # both sides use the same already-loaded encoding
        t0 = time.perf_counter()
        base = cookbook_run(str(path))
        t_base = time.perf_counter() - t0
        t0 = time.perf_counter()
        ours = validate_file(path)
        t_ours = time.perf_counter() - t0
        t0 = time.perf_counter()
        ours_1 = validate_file(path, workers=1)
        t_ours_1 = time.perf_counter() - t0
    invalid_base = n - len(base["convo_lens"])
    same = (
        sum(base["convo_lens"]) == sum(ours.tokens) == sum(ours_1.tokens)
        and sorted(base["convo_lens"]) == sorted(ours.tokens)
        and sum(base["assistant_lens"]) == sum(ours.assistant_tokens)
        and invalid_base == ours.examples - ours.n_valid
    )
    print(f"file: {n:,} examples, {size_mb:.0f} MB")
    print(f"baseline (cookbook logic):   {t_base:6.2f} s")
    print(f"tuiapp validate (1 process): {t_ours_1:6.2f} s  {t_base / t_ours_1:4.1f}x")
    print(f"tuiapp validate (default):   {t_ours:6.2f} s  {t_base / t_ours:4.1f}x")
    print(
        f"tokens: {sum(ours.tokens):,}; invalid examples: {ours.examples - ours.n_valid}; "
        f"same counts as baseline: {same}"
    )


if __name__ == "__main__":
    main()
