"""LLM judge throughput and the position bias it removes.

1. A judge run over 80 holdout items in pairwise mode (160 calls: both orders) against a
   latency-bound stub judge (every reply takes 100 ms), through our runner: concurrency 16 vs
   a sequential loop (concurrency 1), both in this run; every reply must be stored.
2. Position bias on a seeded set of 200 items: the fine-tuned answer is better on a seeded 60%
   of them, the base answer on the rest; the stub judge picks the better answer 70% of the time
   and otherwise the one shown first (a judge with a strong first-position preference). One
   order per item (a random side first, as a single-order judge would ask) against both orders
   combined (a disagreement is a tie): how often the verdict is the first-shown answer though
   it is the worse one, and how often it picks the worse answer at all.

Usage: python -m benchmarks.bench_judge
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from pathlib import Path
from typing import Any, cast

from benchmarks.frozen_holdout import frozen_holdout
from tests.judge_stub import StubJudge, shown_answers
from tuiapp.evals.judge import combine, default_template, parse_verdict, render
from tuiapp.providers.base import Completion, Provider
from tuiapp.services.judge_run import run_judge, start_judge
from tuiapp.store.evals import EvalOutput, create_run, finish_run, save_output
from tuiapp.store.judgements import judgements

DELAY = 0.1
ITEMS = 80
BIAS_ITEMS = 200


async def throughput(folder: Path) -> None:
    """Concurrency 16 vs sequential on the stub judge."""
    store, version = frozen_holdout(folder, ITEMS)
    runs = []
    for name, text in (("tuned", "positive answer"), ("base", "an answer")):
        run = create_run(store, version.id, "stub", name, ITEMS)
        for position in range(run.total):
            save_output(store, run.id, EvalOutput(position, position, text, None, 1.0, 1, 1))
        finish_run(store, run.id, "completed", {})
        runs.append(run)
    results = {}
    for concurrency in (1, 16):
        stub = StubJudge(delay=DELAY)
        template = default_template("pairwise")
        judge = start_judge(store, runs[0].id, runs[1].id, "stub", "judge", "pairwise", template)
        t0 = time.perf_counter()
        summary = await run_judge(store, cast(Provider, stub), judge.id, concurrency)
        seconds = time.perf_counter() - t0
        results[concurrency] = (seconds, len(judgements(store, judge.id)), summary, judge.total)
    (s1, n1, sum1, total), (s16, n16, sum16, _) = results[1], results[16]
    print(f"1. pairwise judge of {total // 2} items ({total} calls), {DELAY * 1000:.0f} ms a reply")
    print(
        f"   sequential loop (concurrency 1): {s1:.1f} s, {n1} replies stored, {sum1.win.wins} wins"
    )
    print(
        f"   tuiapp, concurrency 16: {s16:.1f} s, {n16} replies stored, {sum16.win.wins} wins "
        f"-> {s1 / s16:.1f}x faster"
    )


class BiasedJudge:
    """Picks the better answer with probability `skill`, else the first one shown."""

    def __init__(self, better: dict[str, str], skill: float, seed: int) -> None:
        self.better, self.skill, self.rng = better, skill, random.Random(seed)

    async def complete(self, model: str, messages: list[dict[str, Any]], **_: Any) -> Completion:
        """[[A]] or [[B]]."""
        shown = shown_answers(str(messages[-1]["content"]))
        if self.rng.random() < self.skill:
            good = self.better[shown["Answer A"]] == "good"
            return Completion("[[A]]" if good else "[[B]]")
        return Completion("[[A]]")


async def position_bias() -> None:
    """Single-order verdicts vs both orders combined on a seeded set."""
    rng = random.Random(7)
    template = default_template("pairwise")
    better: dict[str, str] = {}
    items = []
    for i in range(BIAS_ITEMS):
        tuned_good = rng.random() < 0.6
        tuned, base = f"tuned answer {i}", f"base answer {i}"
        better[tuned], better[base] = ("good", "bad") if tuned_good else ("bad", "good")
        items.append((tuned, base, "a" if tuned_good else "b"))
    judge = BiasedJudge(better, skill=0.7, seed=11)

    async def verdict(first: str, second: str) -> str | None:
        reply = await judge.complete(
            "j", [{"role": "user", "content": render(template, "q", first, second)}]
        )
        return parse_verdict(reply.text)

    single_bias = single_wrong = both_wrong = ties = 0
    for tuned, base, truth in items:
        a_first = rng.random() < 0.5  # a single-order judge shows a random side first
        shown = await verdict(tuned, base) if a_first else await verdict(base, tuned)
        single = shown if a_first else {"a": "b", "b": "a"}.get(shown or "", shown)
        first_side = "a" if a_first else "b"
        if single != truth:
            single_wrong += 1
            single_bias += single == first_side  # it took the first-shown, worse answer
        combined = combine(await verdict(tuned, base), await verdict(base, tuned))
        ties += combined == "tie"
        if combined not in (truth, "tie"):
            both_wrong += 1  # only when it picked the worse answer in both orders
    n = len(items)
    print(
        f"2. position bias, {n} seeded items, a judge right 70% of the time, else picking the "
        "first answer shown"
    )
    print(
        f"   one order per item: {single_wrong} wrong verdicts ({100 * single_wrong / n:.0f}%), "
        f"{single_bias} of them the first-shown worse answer"
    )
    print(
        f"   both orders combined: {both_wrong} wrong verdicts ({100 * both_wrong / n:.0f}%), "
        f"{ties} disagreements turned into ties ({100 * ties / n:.0f}%)"
    )


async def main_async() -> None:
    """Both measurements."""
    with tempfile.TemporaryDirectory() as tmp:
        await throughput(Path(tmp))
    await position_bias()


if __name__ == "__main__":
    asyncio.run(main_async())
