"""Time left for a running job, from the step times it measured: the mean seconds a step over
the recent steps (the model load and the first step left out, pauses left out, validation
passes and checkpoint saves counted, since they recur), shown as a range (the 25th-75th
percentile of the rates of blocks of steps) when the blocks vary, and none at all while the
job is not running."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

RECENT = 200  # steps looked back on
BLOCK_STEPS, BLOCK_SECONDS = 25, 10.0  # a rate sample covers this many steps and seconds
MIN_BLOCKS = 4  # rate samples needed for a range
NOISY = 0.15  # a spread (p75 - p25) above this share of the mean is shown as a range
PAUSE = 20.0  # a gap this many times the median step (and over a minute) is a pause
MIN_MARKS = 3  # timed steps needed, the first one not counted


@dataclass(frozen=True)
class Eta:
    """Seconds left (low and high: the same when steady) and the mean seconds a step."""

    low: float
    high: float
    step_seconds: float
    steps_left: int

    @property
    def ranged(self) -> bool:
        """True when the steps vary too much for one number."""
        return self.high > self.low


def _quantile(sorted_values: Sequence[float], q: float) -> float:
    """Linear-interpolated quantile of sorted values."""
    at = q * (len(sorted_values) - 1)
    below = math.floor(at)
    above = min(below + 1, len(sorted_values) - 1)
    return sorted_values[below] + (sorted_values[above] - sorted_values[below]) * (at - below)


def work_gaps(marks: Sequence[tuple[int, float]]) -> list[tuple[int, float]]:
    """(steps, seconds) between consecutive marks, pauses left out."""
    gaps = [(b[0] - a[0], b[1] - a[1]) for a, b in zip(marks, marks[1:], strict=False)]
    gaps = [(steps, seconds) for steps, seconds in gaps if steps > 0]
    if not gaps:
        return []
    median = _quantile(sorted(seconds / steps for steps, seconds in gaps), 0.5)
    return [
        (steps, seconds)
        for steps, seconds in gaps
        if seconds <= 60 or seconds <= PAUSE * median * steps
    ]


def block_rates(gaps: Sequence[tuple[int, float]]) -> list[float]:
    """Seconds a step over consecutive blocks of BLOCK_STEPS steps and BLOCK_SECONDS or more."""
    rates, steps, seconds = [], 0, 0.0
    for gap_steps, gap_seconds in gaps:
        steps, seconds = steps + gap_steps, seconds + gap_seconds
        if steps >= BLOCK_STEPS and seconds >= BLOCK_SECONDS:
            rates.append(seconds / steps)
            steps, seconds = 0, 0.0
    return rates


def estimate(
    marks: Sequence[tuple[int, float | None]], total_steps: int | None, now: float, status: str
) -> Eta | None:
    """Time left from (step, finished-at) marks; None unless running with enough timed steps."""
    if status != "running" or not total_steps:
        return None
    timed = sorted({step: at for step, at in marks if at is not None}.items())
    if len(timed) < MIN_MARKS + 1:
        return None
    gaps = work_gaps(timed[1:][-(RECENT + 1) :])  # the first step carries start-up time
    steps = sum(s for s, _ in gaps)
    if not steps:
        return None
    mean = sum(t for _, t in gaps) / steps
    rates = sorted(block_rates(gaps))
    low_rate = high_rate = mean
    if len(rates) >= MIN_BLOCKS:
        low_rate = min(mean, _quantile(rates, 0.25))
        high_rate = max(mean, _quantile(rates, 0.75))
    if mean <= 0 or (high_rate - low_rate) / mean <= NOISY:
        low_rate = high_rate = mean
    last_step, last_at = timed[-1]
    left = max(0, total_steps - last_step)
    since = min(max(0.0, now - last_at), high_rate)  # the step under way, at most one step
    low, high = (max(0.0, left * rate - since) for rate in (low_rate, high_rate))
    return Eta(low, high, mean, left)


def duration(seconds: float) -> str:
    """1h02m, 4m05s, 12s."""
    seconds = int(max(0, round(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def describe(eta: Eta) -> str:
    """`ETA 6m10s-8m05s` when the steps vary, `ETA 7m05s` when steady."""
    if eta.ranged and duration(eta.low) != duration(eta.high):
        return f"ETA {duration(eta.low)}-{duration(eta.high)}"
    return f"ETA {duration((eta.low + eta.high) / 2)}"
