"""A plain-words verdict on a job's curves: learning well, overfitting, underfitting,
diverging, or a validation loss too good to be true (leakage, or something else when the
version's leakage check found nothing). The curves are smoothed and read after every step by
tuiapp.jobs.curve_readings; the verdict is re-read from each reading with hysteresis: a new
state is shown only once it has held for `hold_for(window)` readings in a row, so noise does
not flip it back and forth."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tuiapp.jobs.curve_readings import Reading, readings, window_for
from tuiapp.store.jobs import Job, MetricPoint

FLAT = 0.10  # training loss fell by less than 10%
HIGH_LOSS = 1.0  # ... and stays above this (mean token cross-entropy)
TOO_GOOD = 0.6  # validation loss under 60% of training loss


@dataclass(frozen=True)
class Diagnosis:
    """What the curves say, in words a person can act on."""

    verdict: (
        str  # waiting | learning | overfitting | underfitting | diverging | leakage | low-valid
    )
    title: str
    detail: str
    best_step: int | None = None


@dataclass(frozen=True)
class Context:
    """What the curves alone do not tell: the batch size and what the version's split found."""

    batch_size: int | None = None
    leakage_clean: bool | None = None  # True: the leakage check of the version found nothing
    holdout_examples: int | None = None

    @classmethod
    def of(cls, job: Job, report: dict[str, Any] | None, counts: dict[str, Any] | None) -> Context:
        """From a job (resolved batch size, else the requested one) and its version's report."""
        batch = job.hyperparameters.get("batch_size", job.requested.get("batch_size"))
        leaks = (report or {}).get("leaks")
        holdout = (counts or {}).get("holdout")
        return cls(
            batch_size=int(batch) if isinstance(batch, int | float) and batch >= 1 else None,
            leakage_clean=leaks == 0 if isinstance(leaks, int) else None,
            holdout_examples=holdout if isinstance(holdout, int) else None,
        )


def hold_for(window: int) -> int:
    """Consecutive evaluations a new state must hold before it is shown."""
    return max(3, window)


def _raw(reading: Reading) -> str:
    """The state these numbers alone would show."""
    if reading.end > reading.start * 1.5:
        return "diverging"
    best, last, at_best = reading.best, reading.last, reading.train_at_best
    if (
        best is not None
        and last is not None
        and at_best is not None
        and last[1] > best[1] * reading.rise
        and reading.end < at_best
        and last[0] > best[0]
    ):
        return "overfitting"
    if reading.recent_valid is not None and reading.recent_valid < TOO_GOOD * reading.end:
        return "leakage"
    drop = (reading.start - reading.end) / reading.start if reading.start else 0.0
    if drop < FLAT and reading.end > HIGH_LOSS:
        return "underfitting"
    return "learning"


def verdict_history(
    points: Sequence[MetricPoint], finished: bool = False, context: Context | None = None
) -> tuple[list[str], Reading | None, int]:
    """The shown state after each evaluation (with hysteresis), the last reading and the
    window used: what `diagnose` reads its verdict from."""
    context = context or Context()
    n_train = sum(1 for p in points if p.train_loss is not None)
    window = window_for(context.batch_size)
    if finished and n_train < 2 * window:  # the job is over: judge on what it has
        window = max(2, n_train // 2)
    found = readings(points, window)
    shown: list[str] = []
    held, candidate, run = "", "", 0
    for reading in found:
        raw = _raw(reading)
        if not held:
            held = raw
        elif raw == held:
            candidate, run = "", 0
        else:
            run = run + 1 if raw == candidate else 1
            candidate = raw
            if run >= hold_for(window):
                held, candidate, run = raw, "", 0
        shown.append(held)
    return shown, found[-1] if found else None, window


def diagnose(
    points: Sequence[MetricPoint], finished: bool = False, context: Context | None = None
) -> Diagnosis:
    """Read the curves."""
    context = context or Context()
    losses = [p.train_loss for p in points if p.train_loss is not None]
    if any(math.isnan(x) or math.isinf(x) for x in losses):
        return Diagnosis(
            "diverging",
            "Training diverged",
            "The loss became NaN or infinite: lower learning_rate_multiplier and try again.",
        )
    shown, reading, window = verdict_history(points, finished, context)
    if reading is None:
        need = 2 * window_for(context.batch_size)
        batch = f"batch size {context.batch_size}" if context.batch_size else "batch size unknown"
        return Diagnosis(
            "waiting",
            "Not enough data yet",
            f"A verdict needs {need} training steps ({batch}: the loss is smoothed over "
            f"{need // 2} steps); {len(losses)} so far.",
        )
    return _describe(shown[-1], reading, finished, context)


def _describe(state: str, r: Reading, finished: bool, context: Context) -> Diagnosis:
    """The words for a state, from the latest reading."""
    if state == "diverging":
        return Diagnosis(
            "diverging",
            "Training loss is rising",
            f"Smoothed training loss went from {r.start:.3f} to {r.end:.3f}: the learning rate is "
            "probably too high; lower learning_rate_multiplier.",
        )
    if state == "overfitting" and r.best is not None and r.last is not None:
        return Diagnosis(
            "overfitting",
            "Overfitting",
            f"Smoothed validation loss was lowest ({r.best[1]:.3f}) at step {r.best[0]} and is "
            f"{r.last[1]:.3f} now while training loss keeps falling: the model is memorising. "
            "Use fewer epochs (or the checkpoint nearest that step), or add more varied data.",
            r.best[0],
        )
    if state == "leakage" and r.recent_valid is not None:
        return _too_good(r.recent_valid, r.end, context)
    drop = (r.start - r.end) / r.start if r.start else 0.0
    if state == "underfitting":
        return Diagnosis(
            "underfitting",
            "Underfitting",
            f"Training loss is flat and high ({r.start:.3f} -> {r.end:.3f}): the model is not "
            "learning much. Try more epochs, a higher learning_rate_multiplier, or more (and "
            "more consistent) examples.",
        )
    validation = f"; validation {r.last[1]:.3f}" if r.last else ""
    return Diagnosis(
        "learning",
        "Learning" if not finished else "Learned",
        f"Smoothed training loss fell {100 * drop:.0f}% ({r.start:.3f} -> {r.end:.3f})"
        f"{validation}.",
    )


def _too_good(valid: float, train: float, context: Context) -> Diagnosis:
    """Validation far below training: leakage, unless the version's check ruled it out."""
    head = f"Validation loss ({valid:.3f}) is far below training loss ({train:.3f})."
    if context.leakage_clean:
        few = (
            f" ({context.holdout_examples} in this holdout)"
            if context.holdout_examples is not None
            else ""
        )
        return Diagnosis(
            "low-valid",
            "Validation far below training",
            f"{head} The version's leakage check found no copies of training examples in the "
            "holdout, so look elsewhere: dropout or other regularisation active in training but "
            "off when validating, a holdout easier than the training data, or too few "
            f"validation examples{few} for the number to mean much.",
        )
    return Diagnosis(
        "leakage",
        "Validation loss suspiciously low",
        f"{head} The holdout may contain copies of training examples, or be much easier: run "
        "the leakage check on the version.",
    )
