"""Axis ticks and limits people can read: whole-number steps and counts, round loss values,
log-scale labels, and a y range that the first steps' loss does not dominate."""

from __future__ import annotations

import math
from collections.abc import Sequence

NICE = (1.0, 2.0, 2.5, 5.0, 10.0)
INTEGER_NICE = (1, 2, 5, 10)
LABEL_STEPS = (1, 2, 5)  # label every 1, 2, 5, 10, 20, 50... bars: bin starts stay round


def integer_ticks(lo: float, hi: float, max_ticks: int = 6) -> list[int]:
    """Whole-number ticks (1, 2 or 5 times a power of ten apart) inside [lo, hi], at most
    `max_ticks` of them; never a fraction, whatever the range."""
    low, high = math.ceil(min(lo, hi)), math.floor(max(lo, hi))
    if high < low:
        return [round((lo + hi) / 2)]
    if high == low:
        return [low]
    max_ticks = max(2, max_ticks)
    magnitude = 1
    while magnitude <= (high - low) * 10:
        for base in INTEGER_NICE:
            step = base * magnitude
            first = math.ceil(low / step) * step
            count = (high - first) // step + 1
            if count < 2:
                return [low, high]  # no round step fits twice: the ends
            if count <= max_ticks:
                return list(range(first, high + 1, step))
        magnitude *= 10
    return [low, high]


def label_every(bars: int, label_width: int, columns: int) -> int:
    """Every how many bars an x label goes so that no two labels compete for room.

    plotext drops a label that would touch one already drawn, and it draws them in the order
    of a set of (tick, label) pairs, which changes with the process's string hash seed: where
    labels collide, which of them survive changed from run to run. Spaced this far apart
    (room for two labels and their margins, whichever way plotext nudges them), none collide,
    and the axis is the same on every run."""
    if bars <= 1:
        return 1
    per_bar = max(0.0, (columns - 1) / (bars + 1))
    magnitude = 1
    while True:
        for step in LABEL_STEPS:
            every = step * magnitude
            if every >= bars or every * per_bar >= 2 * label_width + 2:
                return every
        magnitude *= 10


def count_ticks(max_count: int, max_ticks: int = 5) -> list[int]:
    """Whole-number ticks for a count axis from 0 to `max_count` (a histogram's bars)."""
    return integer_ticks(0, max(1, max_count), max_ticks)


def value_ticks(lo: float, hi: float, max_ticks: int = 5) -> list[float]:
    """Round ticks (1, 2, 2.5 or 5 times a power of ten apart) for a value axis (loss,
    accuracy) inside [lo, hi]: the most that fit in `max_ticks`."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo] if math.isfinite(lo) else []
    magnitude = 10 ** (math.floor(math.log10((hi - lo) / max(1, max_ticks))) - 1)
    for _ in range(4):
        for base in NICE[:-1]:
            step = base * magnitude
            first = math.ceil(lo / step - 1e-9)
            last = math.floor(hi / step + 1e-9)
            if last - first + 1 <= max(1, max_ticks):
                return [round(i * step, 12) for i in range(first, last + 1)]
        magnitude *= 10
    return [lo, hi]


def tick_label(value: float, ticks: Sequence[float]) -> str:
    """A tick as short text with as many decimals as the ticks' spacing needs."""
    gaps = [abs(b - a) for a, b in zip(ticks, ticks[1:], strict=False) if b != a]
    spacing = min(gaps) if gaps else abs(value) or 1.0
    decimals = max(0, min(6, -math.floor(math.log10(spacing) + 1e-9) + 1))
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def log_ticks(lo: float, hi: float, max_ticks: int = 6) -> list[float]:
    """Ticks for a log axis: 1, 2, 5 x 10^k inside [lo, hi] (every digit x 10^k when those
    are fewer than three; thinned to `max_ticks`), or the ends when the range is narrower
    than one such gap; values must be positive."""
    if lo <= 0 or hi <= lo:
        return [hi] if hi > 0 else []
    found: list[float] = []
    for bases in ((1.0, 2.0, 5.0), tuple(float(d) for d in range(1, 10))):
        found = [
            float(f"{base * 10.0**power:.12g}")
            for power in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)
            for base in bases
            if lo * (1 - 1e-9) <= base * 10.0**power <= hi * (1 + 1e-9)
        ]
        if len(found) >= 3:
            break
    if len(found) < 2:
        return [float(f"{lo:.3g}"), float(f"{hi:.3g}")]
    if len(found) > max_ticks:
        decades = [v for v in found if f"{v:e}".startswith("1")]
        found = decades if len(decades) >= 2 else found[:: math.ceil(len(found) / max_ticks)]
    return found


def robust_limits(values: Sequence[float], *, pad: float = 0.05) -> tuple[float, float]:
    """A y range from the data's quartiles: the low end at the minimum, the high end cut at
    Q3 + 3 x IQR (the first steps' loss, far above the rest, runs off the top instead of
    squeezing every later step into the bottom rows)."""
    finite = sorted(v for v in values if math.isfinite(v))
    if not finite:
        return 0.0, 1.0
    low, high = finite[0], finite[-1]
    if len(finite) >= 8:
        q1 = finite[len(finite) // 4]
        q3 = finite[(3 * len(finite)) // 4]
        high = min(high, q3 + 3 * (q3 - q1))
    if high <= low:
        return low - 0.5 * (abs(low) or 1.0) * pad * 2, high + 0.5 * (abs(high) or 1.0) * pad * 2
    margin = (high - low) * pad
    return low - margin, high + margin
