"""Metrics as providers report them: in `metrics` events while a job runs, and in the result
file (CSV, sometimes base64-encoded) when it ends."""

from __future__ import annotations

import base64
import binascii
import csv
import io
from typing import Any

from tuiapp.store.jobs import MetricPoint

# event/CSV key -> our column (OpenAI's names; Together and Mistral adapters map onto these)
_KEYS = {
    "train_loss": "train_loss",
    "train_mean_token_accuracy": "train_accuracy",
    "train_accuracy": "train_accuracy",
    "valid_loss": "valid_loss",
    "valid_mean_token_accuracy": "valid_accuracy",
    "full_valid_loss": "full_valid_loss",
    "full_valid_mean_token_accuracy": "full_valid_accuracy",
    "total_steps": "total_steps",
}


def _number(value: Any) -> float | None:
    """A float, or None for blanks and junk."""
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def point(data: dict[str, Any], at: int | None = None) -> MetricPoint | None:
    """One metrics record (event data or CSV row) as a MetricPoint; None without a step."""
    step = _number(data.get("step"))
    if step is None:
        return None
    values: dict[str, Any] = {column: None for column in set(_KEYS.values())}
    for key, column in _KEYS.items():
        number = _number(data.get(key))
        if number is not None:
            values[column] = number
    total = values.pop("total_steps")
    return MetricPoint(
        step=int(step), total_steps=int(total) if total is not None else None, at=at, **values
    )


def parse_result_file(content: bytes) -> list[MetricPoint]:
    """The rows of a metrics CSV (plain or base64-encoded, as OpenAI sometimes sends it)."""
    text = content.decode("utf-8", errors="replace").lstrip("\ufeff")
    if not text.lstrip().startswith("step"):
        try:
            text = base64.b64decode(content, validate=False).decode("utf-8", errors="replace")
        except (binascii.Error, ValueError):
            return []
    rows = csv.DictReader(io.StringIO(text.strip()))
    return [p for row in rows if (p := point({k.strip(): v for k, v in row.items() if k}))]
