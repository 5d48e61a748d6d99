"""Map OpenAI's fine-tuning hyperparameters onto real training settings (LoRA, QLoRA or
full fine-tuning)."""

from __future__ import annotations

import importlib.util
import math
import os
from dataclasses import asdict, dataclass
from typing import Any

from tuiapp.data.job_form import ExtraHyperparameter
from tuiapp.data.stats import default_epochs
from tuiapp.local.model_fit import BYTES_PER_PARAM

BASE_LEARNING_RATE = 1e-3  # LoRA learning rate for learning_rate_multiplier = 1
FULL_BASE_LEARNING_RATE = 2e-5  # every weight trained: a far smaller step
FULL_BYTES_PER_PARAM = int(BYTES_PER_PARAM["full"])  # the fit estimate's own figure
AUTO_LR_MULTIPLIER = 1.0
MAX_AUTO_BATCH = 256
DEFAULT_MAX_SEQ_LEN = int(os.environ.get("TUIAPP_LOCAL_MAX_SEQ_LEN", "1024"))
BASE = ("n_epochs", "batch_size", "learning_rate_multiplier", "beta")

LOCAL_EXTRAS = (
    ExtraHyperparameter("lora_rank", "int", 8, 1, 256, "LoRA rank r"),
    ExtraHyperparameter("lora_alpha", "int", 16, 1, 4096, "LoRA scaling alpha"),
    ExtraHyperparameter("lora_dropout", "float", 0.0, 0, 0.5, "dropout on the LoRA input"),
    ExtraHyperparameter(
        "lora_target_modules", "modules", "all-linear", help="layers that get an adapter"
    ),
    ExtraHyperparameter(
        "gradient_checkpointing", "bool", False, help="recompute activations: less memory"
    ),
    ExtraHyperparameter(
        "packing", "bool", False, help="pack examples into full sequences", methods=("supervised",)
    ),
    ExtraHyperparameter(
        "max_seq_length", "int", DEFAULT_MAX_SEQ_LEN, 64, 32768, "longer examples are cut"
    ),
    ExtraHyperparameter("load_in_4bit", "bool", False, help="QLoRA (bitsandbytes + CUDA)"),
    ExtraHyperparameter(
        "full_finetune",
        "bool",
        False,
        help=f"train every weight, no LoRA: ~{FULL_BYTES_PER_PARAM} bytes/param with AdamW",
    ),
    ExtraHyperparameter(
        "early_stopping_patience", "int", None, 1, 1000, "evaluations without improvement"
    ),
    ExtraHyperparameter(
        "early_stopping_min_delta", "float", 0.0, 0, 100, "improvement that counts"
    ),
)
EXTRAS = {spec.name: spec for spec in LOCAL_EXTRAS}
LORA_ONLY = ("lora_rank", "lora_alpha", "lora_dropout", "lora_target_modules", "load_in_4bit")


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
    lora_dropout: float = 0.0
    lora_target_modules: str | tuple[str, ...] = "all-linear"
    gradient_checkpointing: bool = False
    packing: bool = False
    max_seq_length: int | None = None  # None: the trainer's default (TUIAPP_LOCAL_MAX_SEQ_LEN)
    load_in_4bit: bool = False
    full_finetune: bool = False  # every weight trained (no peft); the model is a whole folder
    early_stopping_patience: int | None = None  # None: no early stopping
    early_stopping_min_delta: float = 0.0

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


def _extra(hyper: dict[str, Any], key: str) -> Any:
    """An extra hyperparameter's value (its default when absent or "auto"), type- and
    range-checked."""
    spec = EXTRAS[key]
    value = hyper.get(key, "auto")
    if value in ("auto", None):
        return spec.default
    param = f"hyperparameters.{key}"
    if spec.kind == "bool":
        if not isinstance(value, bool):
            raise HyperparameterError(param, f"{key} must be true or false")
        return value
    if spec.kind == "modules":
        if value == "all-linear":
            return value
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(v, str) and v for v in value)
        ):
            raise HyperparameterError(
                param, f"{key} must be 'all-linear' or a list of module names"
            )
        return tuple(value)
    kind = int if spec.kind == "int" else float
    return _value(hyper, key, kind, float(spec.low or 0), float(spec.high or 0))


def missing_for_4bit() -> str | None:
    """What QLoRA lacks here (bitsandbytes, a CUDA GPU), or None when it can run."""
    if importlib.util.find_spec("bitsandbytes") is None:
        return "load_in_4bit needs bitsandbytes (pip install bitsandbytes), which is not installed"
    import torch

    if not torch.cuda.is_available():
        return "load_in_4bit needs a CUDA GPU, and torch sees none on this machine"
    return None


def check_hyperparameters(
    hyper: dict[str, Any], method: str = "supervised", has_validation: bool = True
) -> None:
    """Raise HyperparameterError for values the API would reject (for this method, with or
    without a validation file)."""
    unknown = set(hyper) - set(BASE) - set(EXTRAS)
    if unknown:
        name = sorted(unknown)[0]
        raise HyperparameterError(f"hyperparameters.{name}", f"unknown hyperparameter {name!r}")
    _value(hyper, "n_epochs", int, 1, 50)
    _value(hyper, "batch_size", int, 1, 256)
    _value(hyper, "learning_rate_multiplier", float, 1e-6, 100)
    _value(hyper, "beta", float, 1e-6, 2)
    values = {key: _extra(hyper, key) for key in EXTRAS}
    for key, spec in EXTRAS.items():
        if key in hyper and hyper[key] not in ("auto", None) and method not in spec.methods:
            raise HyperparameterError(
                f"hyperparameters.{key}", f"{key} is for {', '.join(spec.methods)} jobs only"
            )
    if values["full_finetune"]:
        for key in LORA_ONLY:
            if hyper.get(key) not in ("auto", None, False):
                raise HyperparameterError(
                    f"hyperparameters.{key}",
                    f"{key} shapes a LoRA adapter, and full_finetune trains every weight "
                    f"instead: drop one of the two",
                )
    if values["early_stopping_patience"] is not None and not has_validation:
        raise HyperparameterError(
            "hyperparameters.early_stopping_patience",
            "early_stopping_patience watches the validation loss: give a validation_file",
        )
    if values["load_in_4bit"] and (missing := missing_for_4bit()):
        raise HyperparameterError("hyperparameters.load_in_4bit", missing)


def extras_given(hyper: dict[str, Any]) -> dict[str, Any]:
    """The extra hyperparameters a request set (to store with the job and show back)."""
    return {k: hyper[k] for k in EXTRAS if hyper.get(k) not in (None, "auto")}


def resolve(hyper: dict[str, Any], n_examples: int, seed: int) -> TrainingSettings:
    """Turn "auto" values into the numbers OpenAI would choose for this data."""
    epochs = _value(hyper, "n_epochs", int, 1, 50) or default_epochs(n_examples)
    batch = _value(hyper, "batch_size", int, 1, 256) or auto_batch_size(n_examples)
    multiplier = _value(hyper, "learning_rate_multiplier", float, 1e-6, 100) or AUTO_LR_MULTIPLIER
    given = extras_given(hyper)
    full = bool(_extra(hyper, "full_finetune"))
    return TrainingSettings(
        epochs,
        min(batch, max(1, n_examples)),
        multiplier,
        (FULL_BASE_LEARNING_RATE if full else BASE_LEARNING_RATE) * multiplier,
        seed,
        lora_r=_extra(hyper, "lora_rank"),
        lora_alpha=_extra(hyper, "lora_alpha"),
        lora_dropout=float(_extra(hyper, "lora_dropout")),
        lora_target_modules=_extra(hyper, "lora_target_modules"),
        gradient_checkpointing=_extra(hyper, "gradient_checkpointing"),
        packing=_extra(hyper, "packing"),
        max_seq_length=_extra(hyper, "max_seq_length") if "max_seq_length" in given else None,
        load_in_4bit=_extra(hyper, "load_in_4bit"),
        full_finetune=full,
        early_stopping_patience=_extra(hyper, "early_stopping_patience"),
        early_stopping_min_delta=float(_extra(hyper, "early_stopping_min_delta")),
    )
