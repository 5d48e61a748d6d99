"""Token statistics, the API's default epoch rule, billing tokens and cost."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from tuiapp.data.base_models import BaseModel

MIN_TARGET_EXAMPLES = 100  # the API's default-epoch constants
MAX_TARGET_EXAMPLES = 25_000
TARGET_EPOCHS = 3
MIN_DEFAULT_EPOCHS = 1
MAX_DEFAULT_EPOCHS = 25


@dataclass(frozen=True)
class Distribution:
    """Summary of a list of counts; percentiles are true order statistics, not binned."""

    count: int
    min: int
    max: int
    mean: float
    median: float
    p5: float
    p95: float

    def to_dict(self) -> dict[str, float]:
        """A JSON-ready dict."""
        return asdict(self)


def percentile(ordered: Sequence[int], q: float) -> float:
    """The q-th percentile (0..100) of sorted values, linear between ranks (numpy's default)."""
    if not ordered:
        return 0.0
    pos = (len(ordered) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def distribution(values: Sequence[int]) -> Distribution:
    """min, max, mean, median, p5 and p95 of the values."""
    ordered = sorted(values)
    if not ordered:
        return Distribution(0, 0, 0, 0.0, 0.0, 0.0, 0.0)
    return Distribution(
        count=len(ordered),
        min=ordered[0],
        max=ordered[-1],
        mean=sum(ordered) / len(ordered),
        median=percentile(ordered, 50),
        p5=percentile(ordered, 5),
        p95=percentile(ordered, 95),
    )


def histogram(values: Sequence[int], bins: int = 20) -> list[tuple[int, int, int]]:
    """(low, high, count) buckets of equal width covering the values."""
    if not values:
        return []
    lo, hi = min(values), max(values)
    width = max(1, math.ceil((hi - lo + 1) / bins))
    counts = [0] * bins
    for v in values:
        counts[min(bins - 1, (v - lo) // width)] += 1
    return [(lo + i * width, lo + (i + 1) * width - 1, c) for i, c in enumerate(counts)]


def default_epochs(n_examples: int) -> int:
    """Epochs the API picks for `n_epochs="auto"`."""
    if n_examples <= 0:
        return TARGET_EPOCHS
    if n_examples * TARGET_EPOCHS < MIN_TARGET_EXAMPLES:
        return min(MAX_DEFAULT_EPOCHS, MIN_TARGET_EXAMPLES // n_examples)
    if n_examples * TARGET_EPOCHS > MAX_TARGET_EXAMPLES:
        return max(MIN_DEFAULT_EPOCHS, MAX_TARGET_EXAMPLES // n_examples)
    return TARGET_EPOCHS


@dataclass(frozen=True)
class CostEstimate:
    """What training on a dataset will bill, for one base model."""

    model: str
    n_epochs: int
    tokens_per_epoch: int  # each example capped at the model's token limit
    billing_tokens: int
    usd: float | None  # None when the price is unknown
    counted_with: str = ""  # the tokenizer the counts come from; "(estimate)" when not its own


def estimate_cost(
    token_counts: Sequence[int],
    model: BaseModel,
    n_epochs: int | None = None,
    counted_with: str | None = None,
) -> CostEstimate:
    """Billing tokens (tokens x epochs, each example capped at the limit) and price;
    `counted_with` names the tokenizer (default: the model's encoding, marked estimate when
    it is not the model's own)."""
    epochs = n_epochs or default_epochs(len(token_counts))
    per_epoch = sum(min(model.token_limit, n) for n in token_counts)
    billing = per_epoch * epochs
    usd = None if model.price_per_million is None else billing * model.price_per_million / 1e6
    if counted_with is None:
        counted_with = model.encoding if model.exact else f"{model.encoding} (estimate)"
    return CostEstimate(model.name, epochs, per_epoch, billing, usd, counted_with)
