"""Early stopping on the validation loss: stop once it has not improved by `min_delta` for
`patience` evaluations in a row (decided from the losses reported so far, so a resumed job
decides exactly as it would have without the pause)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class EarlyStop:
    """Where and why a run stopped early."""

    step: int
    best_loss: float
    best_step: int
    patience: int
    min_delta: float

    @property
    def message(self) -> str:
        """The job event that says so."""
        return (
            f"Early stopping at step {self.step}: validation loss did not improve by "
            f"{self.min_delta:g} for {self.patience} evaluations "
            f"(best {self.best_loss:.4f} at step {self.best_step})"
        )

    def to_dict(self) -> dict[str, float | int]:
        """The event's data."""
        return {
            "stopped_at_step": self.step,
            "best_valid_loss": self.best_loss,
            "best_step": self.best_step,
            "patience": self.patience,
            "min_delta": self.min_delta,
        }


def early_stop(
    losses: Iterable[tuple[int, float]], patience: int, min_delta: float = 0.0
) -> EarlyStop | None:
    """The first evaluation (step, loss in step order) after which the loss had not dropped
    below the best so far minus `min_delta` for `patience` evaluations; None if none."""
    best, best_step, waited = math.inf, 0, 0
    for step, loss in losses:
        if loss < best - min_delta:
            best, best_step, waited = loss, step, 0
            continue
        waited += 1
        if waited >= patience:
            return EarlyStop(step, best, best_step, patience, min_delta)
    return None
