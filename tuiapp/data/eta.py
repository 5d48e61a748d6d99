"""Time left for a running job, from the step times it measured: the recent steps only (so
the model load before the first step and a pause long ago do not count), as a range (the
25th-75th percentile of the recent seconds per step) when the steps vary, and none at all
while the job is not running."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

RECENT = 30  # steps looked back on
SPAN_SECONDS = 10.0  # each sample spans this long at least (event times are whole seconds)
NOISY = 0.15  # a spread (p75 - p25) above this share of the median is shown as a range
MIN_MARKS = 3  # timed steps needed, the first one not counted


@dataclass(frozen=True)
class Eta:
    """Seconds left (low and high: the same when steady) and the median seconds a step."""

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


def seconds_per_step(marks: Sequence[tuple[int, float]]) -> list[float]:
    """Seconds a step over the recent marks, each sample spanning SPAN_SECONDS or more."""
    recent = list(marks[-(RECENT + 1) :])
    steps = recent[-1][0] - recent[0][0]
    if steps <= 0:
        return []
    rough = max(1e-9, (recent[-1][1] - recent[0][1]) / steps)
    k = max(1, min(len(recent) // 2, math.ceil(SPAN_SECONDS / rough)))
    return [
        (recent[j][1] - recent[j - k][1]) / (recent[j][0] - recent[j - k][0])
        for j in range(k, len(recent))
    ]


def estimate(
    marks: Sequence[tuple[int, float | None]], total_steps: int | None, now: float, status: str
) -> Eta | None:
    """Time left from (step, finished-at) marks; None unless running with enough timed steps."""
    if status != "running" or not total_steps:
        return None
    timed = sorted({step: at for step, at in marks if at is not None}.items())
    if len(timed) < MIN_MARKS + 1:
        return None
    samples = sorted(seconds_per_step(timed[1:]))  # the first step carries start-up time
    if not samples:
        return None
    last_step, last_at = timed[-1]
    left = max(0, total_steps - last_step)
    p25, p50, p75 = (_quantile(samples, q) for q in (0.25, 0.5, 0.75))
    since = min(max(0.0, now - last_at), p75)  # the step under way, at most one step's time
    if p50 <= 0 or (p75 - p25) / p50 <= NOISY:
        p25 = p75 = p50
    low, high = (max(0.0, left * value - since) for value in (p25, p75))
    return Eta(low, high, p50, left)


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
