"""The numbers a job's diagnosis is read from: its loss curves smoothed (an exponential moving
average whose span grows as the batch shrinks, since batch-1 losses are noisy) and one reading
of them after every training step."""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass

from tuiapp.store.jobs import MetricPoint

RISE = 1.10  # smoothed validation loss 10% above its best
EXAMPLES_PER_WINDOW = 32  # a smoothing window sees at least this many training examples
MIN_WINDOW, MAX_WINDOW = 5, 64
UNKNOWN_BATCH = 4  # what the window assumes when the batch size is not known


@dataclass(frozen=True)
class Reading:
    """The smoothed numbers at one evaluation (a prefix of the curve)."""

    start: float
    end: float
    steps: int
    best: tuple[int, float] | None = None  # smoothed validation minimum (step, loss)
    last: tuple[int, float] | None = None  # latest smoothed validation (step, loss)
    train_at_best: float | None = None
    recent_valid: float | None = None  # mean of the last three smoothed validation values
    rise: float = RISE  # how far above its best validation must be to count as a rise


def smooth(values: Sequence[float], window: int) -> list[float]:
    """Trailing moving average (the first values average what exists so far)."""
    out, total = [], 0.0
    for i, value in enumerate(values):
        total += value
        if i >= window:
            total -= values[i - window]
        out.append(total / min(i + 1, window))
    return out


def ema(values: Sequence[float], span: int) -> list[float | None]:
    """Exponential moving average seeded with the mean of the first `span` values; None before
    that. Causal: the average of a prefix is the prefix of the average, so a value once shown
    never changes as more steps arrive."""
    alpha = 2.0 / (span + 1)
    out: list[float | None] = [None] * min(len(values), span - 1)
    if len(values) < span:
        return out
    current = sum(values[:span]) / span
    out.append(current)
    for value in values[span:]:
        current = alpha * value + (1 - alpha) * current
        out.append(current)
    return out


def window_for(batch_size: int | None) -> int:
    """Smoothing span in steps: enough steps to see EXAMPLES_PER_WINDOW examples."""
    batch = batch_size or UNKNOWN_BATCH
    return max(MIN_WINDOW, min(MAX_WINDOW, math.ceil(EXAMPLES_PER_WINDOW / batch)))


def _validation(points: Sequence[MetricPoint]) -> tuple[list[tuple[int, float]], bool]:
    """(step, loss) of validation measurements (the full pass when there is one), and whether
    they are full passes (exact) rather than a sampled batch (noisy)."""
    full = [(p.step, p.full_valid_loss) for p in points if p.full_valid_loss is not None]
    sampled = [(p.step, p.valid_loss) for p in points if p.valid_loss is not None]
    return (full, True) if len(full) >= 3 else (sampled, False)  # type: ignore[return-value]


def readings(points: Sequence[MetricPoint], window: int) -> list[Reading]:
    """One reading after each training step from the second full window on."""
    train = [(p.step, p.train_loss) for p in points if p.train_loss is not None]
    train_ema = ema([loss for _, loss in train], window)  # type: ignore[misc]
    steps = [s for s, _ in train]
    valid, exact = _validation(points)
    span = 1 if exact else max(3, round(window * len(valid) / max(1, len(train))))
    valid_ema = ema([v for _, v in valid], span) if valid else []
    smoothed_valid = [(s, v) for (s, _), v in zip(valid, valid_ema, strict=True) if v is not None]
    # the noise of one sampled validation value, from consecutive log-ratios (exact: none)
    jumps = [0.0] + [
        math.log(b / a) ** 2 if a > 0 and b > 0 else 0.0
        for (_, a), (_, b) in zip(valid, valid[1:], strict=False)
    ]
    shrink = math.sqrt((2 / (span + 1)) / (2 - 2 / (span + 1)))  # EMA std / sample std
    start = train_ema[window - 1] if len(train_ema) >= window else None
    out: list[Reading] = []
    i = j = 0
    best, squares = None, 0.0
    for m in range(2 * window, len(train) + 1):
        end = train_ema[m - 1]
        assert start is not None and end is not None
        while i < len(valid) and valid[i][0] <= steps[m - 1]:
            squares += jumps[i]
            i += 1
        while j < len(smoothed_valid) and smoothed_valid[j][0] <= steps[m - 1]:
            if best is None or smoothed_valid[j][1] < best[1]:
                best = smoothed_valid[j]
            j += 1
        sigma = 0.0 if exact or i < 2 else math.sqrt(squares / (i - 1) / 2)
        last = smoothed_valid[j - 1] if j >= 3 else None
        at_best = None
        if best is not None and last is not None:
            k = max(window, bisect_left(steps, best[0]) + 1)  # the train step at (or after) it
            at_best = train_ema[min(k, m) - 1]
        recent = [v for _, v in smoothed_valid[max(0, j - 3) : j]] if j >= 3 else []
        out.append(
            Reading(
                start,
                end,
                m,
                best if j >= 3 else None,
                last,
                at_best,
                sum(recent) / len(recent) if recent else None,
                max(RISE, math.exp(3 * sigma * shrink)),  # a 3-sigma rise, 10% at least
            )
        )
    return out
