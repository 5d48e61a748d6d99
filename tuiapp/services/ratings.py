"""Blind A/B rating of two evaluation runs over the same items: pairs shown in a seeded random
order without model names, verdicts stored per rater and item, and A's win rate over B."""

from __future__ import annotations

import random

from tuiapp.evals.ratings import Pair, WinRate, run_verdict, win_rate_of
from tuiapp.store import Store
from tuiapp.store.evals import outputs
from tuiapp.store.ratings import Rating, rated_positions, save_rating, verdict_counts


def pairs(store: Store, run_a: int, run_b: int, rater: str, seed: int = 0) -> list[Pair]:
    """Items both runs answered and the rater has not rated yet, each side order random."""
    a, b = outputs(store, run_a), outputs(store, run_b)
    done = rated_positions(store, run_a, run_b, rater)
    rng = random.Random(f"{seed}:{run_a}:{run_b}:{rater}")
    out = []
    for position in sorted(a.keys() & b.keys()):
        left, right = a[position].output, b[position].output
        if position in done or left is None or right is None:
            continue
        first = rng.choice("ab")
        out.append(Pair(position, first, *((left, right) if first == "a" else (right, left))))
    return out


def rate(store: Store, run_a: int, run_b: int, rater: str, pair: Pair, choice: str) -> str:
    """Store a verdict given on screen sides (left / right / tie / both_bad); returns it as
    a run verdict (a / b / tie / both_bad)."""
    verdict = run_verdict(pair, choice)
    save_rating(store, Rating(run_a, run_b, pair.position, rater, verdict, pair.first))
    return verdict


def win_rate(store: Store, run_a: int, run_b: int, rater: str | None = None) -> WinRate:
    """Run A's win rate over B (every rater, or one)."""
    return win_rate_of(verdict_counts(store, run_a, run_b, rater))
