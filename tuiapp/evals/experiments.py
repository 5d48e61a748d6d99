"""The experiments table's rows (one per job with its data, settings, losses, evaluation
scores, A/B win rate, cost, model id and the LLM judge's win rate, rubric score and agreement
with the human ratings) and their CSV and Markdown forms; the rows are
read from the store by `tuiapp.services.experiments`."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Experiment:
    """One job and what is known about how it did."""

    job_id: int
    provider: str
    status: str
    version: str
    train_examples: int
    base_model: str
    method: str
    hyperparameters: str
    train_loss: float | None
    valid_loss: float | None
    stopped_early_at: int | None  # the step early stopping ended the job at
    holdout_perplexity: float | None  # exp(loss on the holdout); see perplexity_source
    perplexity_source: str
    eval_run: int | None
    token_f1: float | None
    exact_match: float | None
    label_accuracy: float | None
    win_rate: float | None  # of this model over the base model, blind A/B
    cost_usd: float | None
    model_id: str | None
    judge_win_rate: float | None = None  # of this model over the base model, LLM judge pairwise
    judge_score: float | None = None  # this model's mean 1-10 rubric score from the LLM judge
    judge_kappa: float | None = None  # Cohen's kappa of the pairwise judge vs blind human ratings


def hyper_text(values: dict[str, Any]) -> str:
    """n_epochs=3 batch_size=8 ..."""
    return " ".join(f"{k}={v}" for k, v in sorted(values.items()) if k != "method")


def _cell(value: Any) -> str:
    """A value as table text."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def to_csv(rows: Sequence[Experiment]) -> str:
    """The rows as CSV with a header."""
    out = io.StringIO()
    fields = list(Experiment.__dataclass_fields__)
    writer = csv.DictWriter(out, fieldnames=fields)
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in asdict(row).items()})
    return out.getvalue()


def to_markdown(rows: Sequence[Experiment]) -> str:
    """The rows as a Markdown table."""
    fields = list(Experiment.__dataclass_fields__)
    lines = ["| " + " | ".join(fields) + " |", "|" + " --- |" * len(fields)]
    for row in rows:
        cells = [_cell(v).replace("|", "\\|") for v in asdict(row).values()]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
