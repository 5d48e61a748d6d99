"""Near-duplicate detection on N generated conversations with planted near-duplicates:
time, peak memory, recall and precision. Baseline in the same run: exact-duplicate hashing
only (what a plain `sort | uniq` style check would find).

Usage: python -m benchmarks.bench_dedup [N]   (default 100,000)
"""

from __future__ import annotations

import random
import resource
import sys
import time

from benchmarks.generate import WORDS, example
from tuiapp.data.dedup import (
    DEFAULT_THRESHOLD,
    conversation_text,
    exact_key,
    find_duplicates,
    jaccard,
)

PLANTED_SHARE = 0.01


def make_texts(n: int, seed: int = 0) -> tuple[list[str], set[tuple[int, int]]]:
    """n conversation texts; 1% are near-copies (one word changed) of an earlier text."""
    rng = random.Random(seed)
    texts: list[str] = []
    planted: set[tuple[int, int]] = set()
    for i in range(n):
        if i > 10 and rng.random() < PLANTED_SHARE:
            source = rng.randrange(i)
            words = texts[source].split(" ")
            k = rng.randrange(len(words))
            words[k] = rng.choice(WORDS) + "x"
            texts.append(" ".join(words))
            planted.add((source, i))
        else:
            texts.append(conversation_text(example(rng)))
    return texts, planted


def main() -> None:
    """Run and print."""
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    texts, planted = make_texts(n)
    t0 = time.perf_counter()
    exact: dict[bytes, int] = {}
    for i, text in enumerate(texts):
        exact.setdefault(exact_key(text), i)
    t_exact = time.perf_counter() - t0
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    groups = find_duplicates(texts)
    t_near = time.perf_counter() - t0
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    reported = [(g.keep, m) for g in groups for m in g.drop]
    found = {frozenset(p) for g in groups for p in ((a, b) for a in g.members for b in g.members)}
    hit = [p for p in planted if frozenset(p) in found]

    sims = [jaccard(texts[a], texts[b]) for a, b in reported]
    at_threshold = sum(s >= DEFAULT_THRESHOLD for s in sims)
    within_error = sum(s >= DEFAULT_THRESHOLD - 0.1 for s in sims)
    print(f"{n:,} conversations, {len(planted):,} planted near-duplicates (one word changed)")
    print(f"baseline, exact hashing only: {t_exact:.1f} s, finds 0 of the planted pairs")
    print(
        f"MinHash/LSH near-duplicates: {t_near:.1f} s ({n / t_near:,.0f} examples/s), "
        f"peak RSS {rss_after:.0f} MB (+{rss_after - rss_before:.0f} MB)"
    )
    print(
        f"recall of planted pairs {len(hit) / len(planted):.3f} ({len(hit)}/{len(planted)}); "
        f"{len(groups):,} groups, {len(reported):,} reported (kept, dropped) pairs"
    )
    print(
        f"precision against the true Jaccard of word 3-shingles: "
        f"{at_threshold / max(1, len(sims)):.3f} at >= {DEFAULT_THRESHOLD}, "
        f"{within_error / max(1, len(sims)):.3f} at >= {DEFAULT_THRESHOLD - 0.1:.1f} "
        f"(candidate pairs are verified with the exact Jaccard)"
    )


if __name__ == "__main__":
    main()
