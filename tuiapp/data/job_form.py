"""The job form's fields read as the labels say: "auto" or a number, a seed or nothing, and
a provider's extra hyperparameters (blank: the default the label names)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

NUMBER_FIELDS = ("n_epochs", "batch_size", "learning_rate_multiplier")
KINDS = {
    "n_epochs": "whole number",
    "batch_size": "whole number",
    "learning_rate_multiplier": "number",
}


class FieldError(ValueError):
    """A form field that does not hold what its label asks for."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def form_number(name: str, raw: str) -> int | float | str:
    """A hyperparameter field: "auto", or a number above 0 (whole where the label says so);
    blank is refused, not read as auto (the label asks for one or the other)."""
    if raw.lower() == "auto":
        return "auto"
    if not raw:
        raise FieldError(name, f"{name} is empty: type auto or a {KINDS[name]}.")
    try:
        number = float(raw)
    except ValueError:
        raise FieldError(
            name, f"{name}: {raw!r} is not a number (auto or a {KINDS[name]})."
        ) from None
    if not number > 0:
        raise FieldError(name, f"{name} must be above 0 (got {raw}).")
    if KINDS[name] == "whole number":
        if not number.is_integer():
            raise FieldError(name, f"{name}: {raw} is not a whole number.")
        return int(number)
    return number


def form_seed(raw: str) -> int | None:
    """The seed field: empty lets the provider pick; anything else must be a whole number."""
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise FieldError(
            "seed", f"seed: {raw!r} is not a whole number (empty: the provider picks)."
        ) from None


TRUE_WORDS = ("yes", "true", "on", "1")
FALSE_WORDS = ("no", "false", "off", "0")


@dataclass(frozen=True)
class ExtraHyperparameter:
    """A hyperparameter a provider takes beyond OpenAI's three: its type ("int", "float",
    "bool" or "modules": "all-linear" or a list of layer names), default and range."""

    name: str
    kind: str
    default: Any
    low: float | None = None
    high: float | None = None
    help: str = ""
    methods: tuple[str, ...] = ("supervised", "dpo")

    @property
    def label(self) -> str:
        """The form's label: name, what to type, and what blank means."""
        if self.kind == "bool":
            what = "yes/no"
        elif self.kind == "modules":
            what = "all-linear or names, comma-separated"
        else:
            what = f"{self.low:g}-{self.high:g}"
        return f"{self.name} ({what}; blank: {default_text(self.default)})"


def default_text(value: Any) -> str:
    """A default as the form writes it."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "off"
    return str(value)


def form_extra(spec: ExtraHyperparameter, raw: str) -> Any:
    """An extra hyperparameter field: None when blank (the provider's default), else the
    value, checked against the spec's type and range."""
    text = raw.strip()
    if not text:
        return None
    if spec.kind == "bool":
        if text.lower() in TRUE_WORDS:
            return True
        if text.lower() in FALSE_WORDS:
            return False
        raise FieldError(spec.name, f"{spec.name}: type yes or no (got {raw!r}).")
    if spec.kind == "modules":
        names = [n.strip() for n in text.split(",") if n.strip()]
        return "all-linear" if names == ["all-linear"] else names
    try:
        number = float(text)
    except ValueError:
        raise FieldError(spec.name, f"{spec.name}: {raw!r} is not a number.") from None
    if spec.kind == "int" and not number.is_integer():
        raise FieldError(spec.name, f"{spec.name}: {raw} is not a whole number.")
    low = spec.low if spec.low is not None else -math.inf
    high = spec.high if spec.high is not None else math.inf
    if not low <= number <= high:
        raise FieldError(spec.name, f"{spec.name} must be in [{low:g}, {high:g}] (got {raw}).")
    return int(number) if spec.kind == "int" else number
