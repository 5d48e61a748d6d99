"""The experiments table read from the store: every job with its data, settings, losses,
latest evaluation, A/B win rate, cost, model id, the latest LLM judge results, and its
version's lineage with the score deltas against a job of the parent version."""

from __future__ import annotations

import math
from dataclasses import replace

from tuiapp.evals.experiments import DELTAS, Experiment, delta_text, hyper_text
from tuiapp.services.judge_run import latest_summary
from tuiapp.services.ratings import win_rate
from tuiapp.services.untrained_holdout import untrained_scores
from tuiapp.store import Store
from tuiapp.store.evals import EvalRun, list_runs
from tuiapp.store.job_resources import stopped_early_at
from tuiapp.store.jobs import Job, holdout_loss, latest_metrics, list_jobs
from tuiapp.store.targeted import targeted_added
from tuiapp.store.versions import Version, get_version


def experiments(store: Store) -> list[Experiment]:
    """Every job, newest first, with its latest evaluation and A/B result."""
    runs = list_runs(store)
    rows = []
    jobs = {job.id: job for job in list_jobs(store)}
    tuned: dict[int, EvalRun] = {}  # job id -> its latest completed run
    for job in jobs.values():
        version = get_version(store, job.version_id) if job.version_id else None
        last, valid = latest_metrics(store, job.id)
        mine = [r for r in runs if r.job_id == job.id and r.status == "completed"]
        run = mine[0] if mine else None
        if run:
            tuned[job.id] = run
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
    return [_lineage(store, row, jobs, tuned) for row in rows]


def _lineage(
    store: Store, row: Experiment, jobs: dict[int, Job], tuned: dict[int, EvalRun]
) -> Experiment:
    """The row with its version's parent, the targeted examples added since, and the score
    deltas against the newest evaluated job of the parent version on the same base model."""
    job = jobs[row.job_id]
    version = get_version(store, job.version_id) if job.version_id else None
    if version is None or version.parent_id is None:
        return row
    parent: Version = get_version(store, version.parent_id)
    added = targeted_added(store, version.id, parent.id)
    row = replace(
        row,
        parent_version=f"{parent.name} ({parent.short_hash[:8]})",
        targeted_added=added,
        lineage=f"{parent.name} +{added} targeted" if added else f"from {parent.name}",
    )
    before = [
        (jobs[other], run)
        for other, run in tuned.items()
        if jobs[other].version_id == parent.id and jobs[other].base_model == job.base_model
    ]
    if row.job_id not in tuned or not before:
        return row
    other, old = max(before, key=lambda pair: pair[1].id)  # the newest run of the parent
    new = tuned[row.job_id]
    new_scores, old_scores, on = new.scores, old.scores, ""
    untrained = untrained_scores(store, new, old)
    if untrained is not None:  # the child trained on some holdout prompts: compare on the rest
        new_scores, old_scores = untrained.new, untrained.old
        on = (
            f" (on the {untrained.compared} of {untrained.holdout} holdout items it did not "
            "train on)"
        )
    deltas = {
        key: new_scores[key] - old_scores[key]
        for key, _short in DELTAS
        if isinstance(new_scores.get(key), int | float)
        and isinstance(old_scores.get(key), int | float)
    }
    return replace(
        row,
        compared_job=other.id,
        delta_exact_match=deltas.get("exact_match"),
        delta_token_f1=deltas.get("token_f1"),
        delta_label_accuracy=deltas.get("label_accuracy"),
        deltas=delta_text(dict(deltas), other.id) + (on if deltas else ""),
    )
