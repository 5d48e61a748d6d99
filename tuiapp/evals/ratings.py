"""Blind A/B rating of two evaluation runs over the same items: pairs shown in a seeded random
order without model names, verdicts stored per rater and item, and the win rate of A with a
Wilson 95% interval (ties count half, 'both bad' is left out of the rate)."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from tuiapp.store import Store
from tuiapp.store.db import now
from tuiapp.store.evals import outputs

VERDICTS = ("a", "b", "tie", "both_bad")  # a/b name the runs, never the screen sides
Z95 = 1.959964


@dataclass(frozen=True)
class Pair:
    """One item to rate: the two answers, in the order the rater sees them."""

    position: int
    first: str  # "a" or "b": which run is shown on the left
    left: str
    right: str


@dataclass(frozen=True)
class WinRate:
    """How often run A beat run B."""

    wins: int
    losses: int
    ties: int
    both_bad: int
    rate: float  # (wins + ties / 2) / (wins + losses + ties)
    low: float
    high: float

    @property
    def rated(self) -> int:
        """Pairs that count towards the rate."""
        return self.wins + self.losses + self.ties


def pairs(store: Store, run_a: int, run_b: int, rater: str, seed: int = 0) -> list[Pair]:
    """Items both runs answered and the rater has not rated yet, each side order random."""
    a, b = outputs(store, run_a), outputs(store, run_b)
    done = {
        r[0]
        for r in store.conn.execute(
            "SELECT position FROM ratings WHERE run_a = ? AND run_b = ? AND rater = ?",
            [run_a, run_b, rater],
        )
    }
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
    if choice in ("left", "right"):
        shown_left_is_a = pair.first == "a"
        verdict = "a" if (choice == "left") == shown_left_is_a else "b"
    elif choice in ("tie", "both_bad"):
        verdict = choice
    else:
        raise ValueError(f"unknown choice {choice!r}")
    with store.conn:
        store.conn.execute(
            "INSERT OR REPLACE INTO ratings(run_a, run_b, position, rater, verdict, shown_first,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [run_a, run_b, pair.position, rater, verdict, pair.first, now()],
        )
    return verdict


def wilson(successes: float, n: int) -> tuple[float, float]:
    """Wilson score interval (95%) for a proportion."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    centre = (p + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / (1 + Z95**2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def win_rate(store: Store, run_a: int, run_b: int, rater: str | None = None) -> WinRate:
    """Run A's win rate over B (every rater, or one)."""
    sql = "SELECT verdict, COUNT(*) FROM ratings WHERE run_a = ? AND run_b = ?"
    params: list[object] = [run_a, run_b]
    if rater is not None:
        sql += " AND rater = ?"
        params.append(rater)
    counts = dict(store.conn.execute(sql + " GROUP BY verdict", params).fetchall())
    wins, losses, ties = counts.get("a", 0), counts.get("b", 0), counts.get("tie", 0)
    rated = wins + losses + ties
    score = wins + ties / 2
    low, high = wilson(score, rated)
    return WinRate(
        wins, losses, ties, counts.get("both_bad", 0), score / rated if rated else 0.0, low, high
    )
