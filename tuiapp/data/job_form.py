"""The job form's fields read as the labels say: "auto" or a number, a seed or nothing."""

from __future__ import annotations

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
