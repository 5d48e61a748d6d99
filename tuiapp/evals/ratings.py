"""Blind A/B rating, the pure part: a pair as the rater sees it, the verdict a screen choice
means, and the win rate of A with a Wilson 95% interval (ties count half, 'both bad' is left
out of the rate). Reading and storing ratings is `tuiapp.services.ratings`."""

from __future__ import annotations

import math
from dataclasses import dataclass

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


def wilson(successes: float, n: int) -> tuple[float, float]:
    """Wilson score interval (95%) for a proportion."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    centre = (p + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / (1 + Z95**2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def run_verdict(pair: Pair, choice: str) -> str:
    """The run verdict (a / b / tie / both_bad) of a choice given on screen sides
    (left / right / tie / both_bad)."""
    if choice in ("left", "right"):
        shown_left_is_a = pair.first == "a"
        return "a" if (choice == "left") == shown_left_is_a else "b"
    if choice in ("tie", "both_bad"):
        return choice
    raise ValueError(f"unknown choice {choice!r}")


def win_rate_of(counts: dict[str, int]) -> WinRate:
    """Run A's win rate from how many items got each verdict."""
    wins, losses, ties = counts.get("a", 0), counts.get("b", 0), counts.get("tie", 0)
    rated = wins + losses + ties
    score = wins + ties / 2
    low, high = wilson(score, rated)
    return WinRate(
        wins, losses, ties, counts.get("both_bad", 0), score / rated if rated else 0.0, low, high
    )
