"""Map OpenAI's fine-tuning hyperparameters onto real LoRA training settings."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from tuiapp.data.stats import default_epochs

BASE_LEARNING_RATE = 1e-3  # LoRA learning rate for learning_rate_multiplier = 1
AUTO_LR_MULTIPLIER = 1.0
MAX_AUTO_BATCH = 256


class HyperparameterError(ValueError):
    """A hyperparameter has a value the API would refuse; `param` names it."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(message)
        self.param = param


@dataclass(frozen=True)
class TrainingSettings:
    """Concrete settings for one job."""

    n_epochs: int
    batch_size: int
    learning_rate_multiplier: float
    learning_rate: float
    seed: int
    lora_r: int = 8
    lora_alpha: int = 16

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return asdict(self)


def auto_batch_size(n_examples: int) -> int:
    """OpenAI's rule: about 0.2% of the training examples, at least 1, at most 256."""
    return max(1, min(MAX_AUTO_BATCH, math.ceil(n_examples * 0.002)))


def _value(hyper: dict[str, Any], key: str, kind: type, low: float, high: float) -> Any:
    """A hyperparameter, or None for "auto"/absent; range-checked."""
    value = hyper.get(key, "auto")
    if value in ("auto", None):
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or (kind is int and not float(value).is_integer())
    ):
        raise HyperparameterError(f"hyperparameters.{key}", f"{key} must be 'auto' or a number")
    if not low <= value <= high:
        raise HyperparameterError(f"hyperparameters.{key}", f"{key} must be in [{low}, {high}]")
    return kind(value)


def check_hyperparameters(hyper: dict[str, Any]) -> None:
    """Raise HyperparameterError for values the API would reject."""
    unknown = set(hyper) - {"n_epochs", "batch_size", "learning_rate_multiplier", "beta"}
    if unknown:
        name = sorted(unknown)[0]
        raise HyperparameterError(f"hyperparameters.{name}", f"unknown hyperparameter {name!r}")
    _value(hyper, "n_epochs", int, 1, 50)
    _value(hyper, "batch_size", int, 1, 256)
    _value(hyper, "learning_rate_multiplier", float, 1e-6, 100)
    _value(hyper, "beta", float, 1e-6, 2)


def resolve(hyper: dict[str, Any], n_examples: int, seed: int) -> TrainingSettings:
    """Turn "auto" values into the numbers OpenAI would choose for this data."""
    epochs = _value(hyper, "n_epochs", int, 1, 50) or default_epochs(n_examples)
    batch = _value(hyper, "batch_size", int, 1, 256) or auto_batch_size(n_examples)
    multiplier = _value(hyper, "learning_rate_multiplier", float, 1e-6, 100) or AUTO_LR_MULTIPLIER
    return TrainingSettings(
        epochs, min(batch, max(1, n_examples)), multiplier, BASE_LEARNING_RATE * multiplier, seed
    )
