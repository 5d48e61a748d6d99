"""The experiments table's rows (one per job with its data, settings, losses, evaluation
scores, A/B win rate, cost, model id, the LLM judge's win rate, rubric score and agreement
with the human ratings, and the version's lineage: its parent, the targeted examples it added
and the score deltas against a run of the parent) and their CSV and Markdown forms; the rows
are read from the store by `tuiapp.services.experiments`."""

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
    parent_version: str | None = None  # the version this one was frozen after, `v1 (abcd1234)`
    targeted_added: int = 0  # targeted examples the version holds that its parent did not
    lineage: str = ""  # `v1 +3 targeted`
    compared_job: int | None = None  # the job on the parent version the deltas are against
    delta_exact_match: float | None = None  # this run's score minus the parent job's run's
    delta_token_f1: float | None = None
    delta_label_accuracy: float | None = None
    deltas: str = ""  # `+0.12 exact, +0.05 F1 vs job 3`


def hyper_text(values: dict[str, Any]) -> str:
    """n_epochs=3 batch_size=8 ..."""
    return " ".join(f"{k}={v}" for k, v in sorted(values.items()) if k != "method")


DELTAS = (("exact_match", "exact"), ("token_f1", "F1"), ("label_accuracy", "label acc"))


def delta_text(deltas: dict[str, float | None], against: int) -> str:
    """`+0.12 exact, -0.03 F1 vs job 3` (the scores both runs have), '' when none."""
    parts = [f"{deltas[k]:+.2f} {short}" for k, short in DELTAS if deltas.get(k) is not None]
    return f"{', '.join(parts)} vs job {against}" if parts else ""


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
