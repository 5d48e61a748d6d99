"""A plain-words verdict on a job's curves: learning well, overfitting, underfitting,
diverging, or a validation loss too good to be true (leakage)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from tuiapp.store.jobs import MetricPoint

MIN_POINTS = 5
RISE = 1.10  # validation loss 10% above its best
FLAT = 0.10  # training loss fell by less than 10%
HIGH_LOSS = 1.0  # ... and stays above this (mean token cross-entropy)
TOO_GOOD = 0.6  # validation loss under 60% of training loss


@dataclass(frozen=True)
class Diagnosis:
    """What the curves say, in words a person can act on."""

    verdict: str  # waiting | learning | overfitting | underfitting | diverging | leakage
    title: str
    detail: str
    best_step: int | None = None


def smooth(values: Sequence[float], window: int) -> list[float]:
    """Trailing moving average (the first values average what exists so far)."""
    out, total = [], 0.0
    for i, value in enumerate(values):
        total += value
        if i >= window:
            total -= values[i - window]
        out.append(total / min(i + 1, window))
    return out


def _validation(points: Sequence[MetricPoint]) -> list[tuple[int, float]]:
    """(step, loss) of validation measurements: the full pass when there is one."""
    full = [(p.step, p.full_valid_loss) for p in points if p.full_valid_loss is not None]
    sampled = [(p.step, p.valid_loss) for p in points if p.valid_loss is not None]
    return full if len(full) >= 3 else sampled  # type: ignore[return-value]


def diagnose(points: Sequence[MetricPoint], finished: bool = False) -> Diagnosis:
    """Read the curves."""
    train = [(p.step, p.train_loss) for p in points if p.train_loss is not None]
    if len(train) < MIN_POINTS:
        return Diagnosis("waiting", "Too early to tell", "A verdict needs a few more steps.")
    losses = [loss for _, loss in train]
    if any(math.isnan(x) or math.isinf(x) for x in losses):
        return Diagnosis(
            "diverging",
            "Training diverged",
            "The loss became NaN or infinite: lower learning_rate_multiplier and try again.",
        )
    window = max(1, len(losses) // 10)
    smoothed = smooth(losses, window)
    start, end = smoothed[window - 1], smoothed[-1]  # the first full window, the last
    valid = _validation(points)
    if end > start * 1.5:
        return Diagnosis(
            "diverging",
            "Training loss is rising",
            f"Smoothed training loss went from {start:.3f} to {end:.3f}: the learning rate is "
            "probably too high; lower learning_rate_multiplier.",
        )
    if len(valid) >= 3:
        best_step, best = min(valid, key=lambda sv: sv[1])
        last_step, last = valid[-1]
        train_at_best = next(
            (t for s, t in zip([s for s, _ in train], smoothed, strict=True) if s >= best_step), end
        )
        if last > best * RISE and end < train_at_best and last_step > best_step:
            return Diagnosis(
                "overfitting",
                "Overfitting",
                f"Validation loss was lowest ({best:.3f}) at step {best_step} and has risen to "
                f"{last:.3f} while training loss keeps falling: the model is memorising. Use "
                "fewer epochs (or the checkpoint nearest that step), or add more varied data.",
                best_step,
            )
        recent = [v for _, v in valid[-3:]]
        if sum(recent) / len(recent) < TOO_GOOD * end:
            return Diagnosis(
                "leakage",
                "Validation loss suspiciously low",
                f"Validation loss ({sum(recent) / len(recent):.3f}) is far below training loss "
                f"({end:.3f}). The holdout may contain copies of training examples, or be much "
                "easier: run the leakage check on the version.",
            )
    drop = (start - end) / start if start else 0.0
    if drop < FLAT and end > HIGH_LOSS and (finished or len(losses) >= 20):
        return Diagnosis(
            "underfitting",
            "Underfitting",
            f"Training loss is flat and high ({start:.3f} -> {end:.3f}): the model is not "
            "learning much. Try more epochs, a higher learning_rate_multiplier, or more (and "
            "more consistent) examples.",
        )
    validation = f"; validation {valid[-1][1]:.3f}" if valid else ""
    return Diagnosis(
        "learning",
        "Learning" if not finished else "Learned",
        f"Training loss fell {100 * drop:.0f}% ({start:.3f} -> {end:.3f}){validation}.",
    )
