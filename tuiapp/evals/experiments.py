"""The experiments table: one row per job with its data, settings, losses, evaluation
scores, A/B win rate, cost and model id; exported as CSV or Markdown."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from tuiapp.evals.ratings import win_rate
from tuiapp.store import Store
from tuiapp.store.evals import list_runs
from tuiapp.store.jobs import holdout_loss, latest_metrics, list_jobs
from tuiapp.store.versions import get_version


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
    holdout_perplexity: float | None  # exp(loss on the holdout); see perplexity_source
    perplexity_source: str
    eval_run: int | None
    token_f1: float | None
    exact_match: float | None
    label_accuracy: float | None
    win_rate: float | None  # of this model over the base model, blind A/B
    cost_usd: float | None
    model_id: str | None


def _hyper(values: dict[str, Any]) -> str:
    """n_epochs=3 batch_size=8 ..."""
    return " ".join(f"{k}={v}" for k, v in sorted(values.items()) if k != "method")


def experiments(store: Store) -> list[Experiment]:
    """Every job, newest first, with its latest evaluation and A/B result."""
    runs = list_runs(store)
    rows = []
    for job in list_jobs(store):
        version = get_version(store, job.version_id) if job.version_id else None
        last, valid = latest_metrics(store, job.id)
        mine = [r for r in runs if r.job_id == job.id and r.status == "completed"]
        run = mine[0] if mine else None
        base = next(
            (
                r
                for r in runs
                if run and r.version_id == run.version_id and r.model == job.base_model
            ),
            None,
        )
        ab = win_rate(store, run.id, base.id) if run and base else None
        loss = holdout_loss(store, job.id)
        rows.append(
            Experiment(
                job_id=job.id,
                provider=job.provider,
                status=job.status,
                version=f"{version.name} ({version.short_hash[:8]})" if version else "-",
                train_examples=int(version.counts.get("train", 0)) if version else 0,
                base_model=job.base_model,
                method=job.method,
                hyperparameters=_hyper(job.hyperparameters or job.requested),
                train_loss=last.train_loss if last else None,
                valid_loss=valid,
                holdout_perplexity=math.exp(loss[0]) if loss else None,
                perplexity_source=loss[1] if loss else "",
                eval_run=run.id if run else None,
                token_f1=run.scores.get("token_f1") if run else None,
                exact_match=run.scores.get("exact_match") if run else None,
                label_accuracy=run.scores.get("label_accuracy") if run else None,
                win_rate=ab.rate if ab and ab.rated else None,
                cost_usd=job.estimate.get("usd"),
                model_id=job.fine_tuned_model,
            )
        )
    return rows


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
