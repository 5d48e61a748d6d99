"""The experiments table read from the store: every job with its data, settings, losses,
latest evaluation, A/B win rate, cost, model id and the latest LLM judge results."""

from __future__ import annotations

import math

from tuiapp.evals.experiments import Experiment, hyper_text
from tuiapp.services.judge_run import latest_summary
from tuiapp.services.ratings import win_rate
from tuiapp.store import Store
from tuiapp.store.evals import list_runs
from tuiapp.store.job_resources import stopped_early_at
from tuiapp.store.jobs import holdout_loss, latest_metrics, list_jobs
from tuiapp.store.versions import get_version


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
        pairwise = latest_summary(store, run.id, base.id, "pairwise") if run and base else None
        rubric = latest_summary(store, run.id, base.id, "rubric") if run and base else None
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
                hyperparameters=hyper_text(job.hyperparameters or job.requested),
                train_loss=last.train_loss if last else None,
                valid_loss=valid,
                stopped_early_at=stopped_early_at(store, job.id),
                holdout_perplexity=math.exp(loss[0]) if loss else None,
                perplexity_source=loss[1] if loss else "",
                eval_run=run.id if run else None,
                token_f1=run.scores.get("token_f1") if run else None,
                exact_match=run.scores.get("exact_match") if run else None,
                label_accuracy=run.scores.get("label_accuracy") if run else None,
                win_rate=ab.rate if ab and ab.rated else None,
                cost_usd=job.estimate.get("usd"),
                model_id=job.fine_tuned_model,
                judge_win_rate=pairwise.win.rate if pairwise and pairwise.win.rated else None,
                judge_score=rubric.mean_score_a if rubric else None,
                judge_kappa=pairwise.human.kappa if pairwise else None,
            )
        )
    return rows
