"""`tuiapp validate` on N generated examples vs the OpenAI cookbook's logic, in one run.

Usage: python -m benchmarks.bench_validate [N] [--tool-calls]   (default 100,000)
Prints both timings, the speed-up, and whether the counts agree. `--tool-calls` makes every
valid example a tool-calling one whose calls tuiapp checks against the tools' JSON Schemas
(the cookbook checks none); tuiapp counts tool calls as assistant tokens, the cookbook does not,
so its assistant tokens are the cookbook's plus the calls (both sums printed).
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
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    tool_calls = "--tool-calls" in sys.argv
    n = int(args[0]) if args else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        path = write_dataset(Path(tmp) / "bench.jsonl", n, tool_calls=tool_calls)
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
        and sum(base["assistant_lens"]) <= sum(ours.assistant_tokens)  # + the tool calls
        and invalid_base == ours.examples - ours.n_valid
    )
    kind = "tool-calling " if tool_calls else ""
    print(f"file: {n:,} {kind}examples, {size_mb:.0f} MB")
    print(f"baseline (cookbook logic):   {t_base:6.2f} s")
    print(f"tuiapp validate (1 process): {t_ours_1:6.2f} s  {t_base / t_ours_1:4.1f}x")
    print(f"tuiapp validate (default):   {t_ours:6.2f} s  {t_base / t_ours:4.1f}x")
    print(
        f"assistant tokens: {sum(ours.assistant_tokens):,} (tool calls included), "
        f"cookbook {sum(base['assistant_lens']):,} (content only)"
    )
    print(
        f"tokens: {sum(ours.tokens):,}; invalid examples: {ours.examples - ours.n_valid}; "
        f"same counts as baseline: {same}"
    )


if __name__ == "__main__":
    main()
