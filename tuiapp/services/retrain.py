"""Retrain elsewhere: an imported or finished job's frozen version and hyperparameters, mapped
to another provider (`data.retrain_map`), checked against the dated catalog and started through
the same create-once path as `tuiapp train`; the old model's answers on the holdout are
recorded first while it still answers, and the link old job -> new job is stored."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tuiapp.data.catalog import check_training, lookup, today
from tuiapp.data.retrain_map import MappingNote, RetrainMapping, Source, Target, map_job
from tuiapp.providers.adapter import find
from tuiapp.providers.base import Provider, ProviderError
from tuiapp.services.eval_run import run_eval, start_run
from tuiapp.services.launch import JobPlan, plan_job, start_job
from tuiapp.services.retrain_compare import Comparison, compare
from tuiapp.store import Store
from tuiapp.store.evals import EvalRun, get_run, list_runs
from tuiapp.store.jobs import Job, get_job
from tuiapp.store.retrains import (
    Retrain,
    add_retrain,
    get_retrain,
    job_started_since,
    retrain_into,
    retrains_of,
    set_retrain,
)

Connect = Callable[[str], Awaitable[Provider]]
EVAL_PARAMS: dict[str, Any] = {"temperature": 0, "max_tokens": 256}  # as `tuiapp eval`
NO_SEED = frozenset({"fireworks", "mistral"})  # their adapters send no seed
DPO_BETA = frozenset({"openai", "azure", "local"})  # method.dpo.hyperparameters.beta


class RetrainError(ValueError):
    """A move that cannot start: said plainly, with what to do instead."""


def _base_rate(provider: str) -> float | None:
    """What learning_rate_multiplier 1 means on a provider, where it is published."""
    if provider != "local":
        return None
    from tuiapp.local.hyperparams import BASE_LEARNING_RATE

    return BASE_LEARNING_RATE


def target_of(provider: str) -> Target:
    """The target as its adapter declares it (methods, the three, extra hyperparameters)."""
    spec = find(provider)
    if spec is None:
        raise RetrainError(f"unknown provider {provider!r}")
    caps = spec.capabilities
    extras = [e.name for e in caps.extra_hyperparameters]
    if provider == "fireworks":  # its create body takes these beyond the three
        from tuiapp.providers.fireworks_shapes import FIELDS

        extras += [name for name in FIELDS if name not in caps.hyperparameters]
    if provider in DPO_BETA:
        extras.append("beta")
    return Target(
        provider,
        caps.methods,
        caps.hyperparameters,
        tuple(dict.fromkeys(extras)),
        seed=provider not in NO_SEED,
        base_learning_rate=_base_rate(provider),
    )


def source_of(job: Job) -> Source:
    """What the old job really trained with: the provider's resolved values, overridden by
    the values the person asked for (never by 'auto')."""
    asked = {k: v for k, v in job.requested.items() if v not in (None, "", "auto")}
    return Source(
        job.provider,
        job.method or "supervised",
        {**job.hyperparameters, **asked},
        job.seed,
        _base_rate(job.provider),
    )


@dataclass
class RetrainPlan:
    """A move about to start: the mapping, the job plan with its cost, the catalog's warnings
    and the earlier move to the same target, if any."""

    old: Job
    mapping: RetrainMapping
    plan: JobPlan
    warnings: list[str] = field(default_factory=list)
    earlier: Retrain | None = None


def plan_retrain(store: Store, job_id: int, provider: str, model: str) -> RetrainPlan:
    """Map the job to the target and plan it (nothing is sent); RetrainError when it cannot
    go there (no version, closed model, unsupported method)."""
    old = get_job(store, job_id)
    if not old.finished:
        raise RetrainError(f"job {job_id} is {old.status}: move it once it has finished")
    if old.version_id is None:
        raise RetrainError(
            f"job {job_id} has no frozen version (its files were not imported): "
            f"run `tuiapp import-jobs --provider {old.provider}` again, or train from a version"
        )
    dated = check_training(model, provider)
    if dated.refused:
        raise RetrainError(dated.refused)
    mapping = map_job(source_of(old), target_of(provider))
    if mapping.refused:
        raise RetrainError(mapping.refused)
    holdout = not (provider == "fireworks" and mapping.method == "dpo")
    if not holdout:  # fireworks_shapes.create_body refuses an evaluation dataset for DPO
        why = "fireworks DPO jobs take no evaluation dataset: no validation loss there"
        mapping.notes.append(MappingNote("validation_file", "holdout", "dropped", why))
    plan = plan_job(
        store,
        provider,
        old.version_id,
        model,
        mapping.hyperparameters,
        method=mapping.method,
        seed=mapping.seed,
        extra_hyperparameters=mapping.extra_hyperparameters,
        use_holdout=holdout,
    )
    same = [r for r in retrains_of(store, job_id) if (r.provider, r.model) == (provider, model)]
    earlier = same[0] if same else None
    return RetrainPlan(old, mapping, plan, list(dated.warnings), earlier)


def plan_lines(rplan: RetrainPlan) -> list[str]:
    """The move, the cost line as `tuiapp train` shows its estimate, and each note."""
    plan, old = rplan.plan, rplan.old
    usd = "unknown" if plan.usd is None else f"${plan.usd:,.2f}"
    lines = [
        f"job {old.id} ({old.provider} · {old.base_model} · {old.method}) -> "
        f"{plan.provider} · {plan.base_model}",
        f"{plan.provider} · {plan.base_model} · {plan.train_examples:,} examples · "
        f"{plan.n_epochs} epochs · {plan.billed_tokens:,} billed tokens · {usd}",
    ]
    for note in rplan.mapping.notes:
        lines.append(f"  {note.fate:<9} {note.name} = {note.value}: {note.text}")
    if not rplan.mapping.notes:
        lines.append("  nothing to carry: every hyperparameter is left on auto")
    return lines


@dataclass(frozen=True)
class OldAnswers:
    """The old model's answers on the holdout: the run that holds them (None when they
    could not be recorded) and what happened, in a sentence."""

    run: EvalRun | None
    said: str


def _stored_run(store: Store, job: Job) -> EvalRun | None:
    """The newest holdout run of this job's own model, completed ones first."""
    runs = [
        r
        for r in list_runs(store, job.version_id)
        if r.job_id == job.id and r.model == job.fine_tuned_model and r.split == "holdout"
    ]
    return next((r for r in runs if r.status == "completed"), runs[0] if runs else None)


def _retired(model: str) -> str:
    """Why the model answers no more ('' while it does, as far as the catalog knows)."""
    entry = lookup(model)
    if entry is None or entry.retires is None or entry.retires > today():
        return ""
    source = f"; {entry.source}" if entry.source else ""
    return f"{model} was retired on {entry.retires.isoformat()}{source}"


async def record_old_answers(
    store: Store,
    connect: Connect,
    job: Job,
    concurrency: int = 8,
    params: dict[str, Any] | None = None,
) -> OldAnswers:
    """Evaluate the old fine-tuned model on the version's holdout (or reuse the stored run,
    finishing it where it stopped) while it still answers; say why not when it cannot."""
    if not job.fine_tuned_model or job.version_id is None:
        return OldAnswers(None, f"job {job.id} made no model: no old answers to record")
    stored = _stored_run(store, job)
    if stored is not None and stored.status == "completed":
        return OldAnswers(stored, f"old answers: kept from evaluation run {stored.id}")
    if why := _retired(job.fine_tuned_model):
        kept = f" (run {stored.id} keeps what it answered)" if stored else ""
        return OldAnswers(stored, f"{why}: its answers cannot be recorded now{kept}")
    try:
        provider = await connect(job.provider)
    except ProviderError as err:
        return OldAnswers(stored, f"the old model cannot be asked ({err}): going on without")
    run = stored or start_run(
        store,
        job.version_id,
        job.provider,
        job.fine_tuned_model,
        job_id=job.id,
        params=params or EVAL_PARAMS,
    )
    done = await run_eval(store, provider, run.id, concurrency)
    answered = done.scores.get("items", 0) - done.scores.get("failed", 0)
    if not answered:
        return OldAnswers(done, f"the old model answered none of {done.total} holdout prompts")
    return OldAnswers(done, f"old answers: {answered} of {done.total} recorded in run {done.id}")


async def start_retrain(
    store: Store, provider: Provider, rplan: RetrainPlan, folder: Path, old_run: int | None
) -> tuple[Retrain, Job]:
    """Start the new job once: a move to the same target that already has its job returns
    that job; one left unlinked by an app that stopped mid-create adopts the job it made."""
    plan = rplan.plan
    earlier = rplan.earlier
    if earlier is not None and earlier.new_job is not None:
        return earlier, get_job(store, earlier.new_job)
    link = earlier or add_retrain(
        store, rplan.old.id, plan.provider, plan.base_model, rplan.mapping.to_json()
    )
    if old_run is not None:
        link = set_retrain(store, link.id, old_run=old_run)
    left = job_started_since(
        store, plan.version.id, plan.provider, plan.base_model, link.last_job_before
    )
    if left is not None:
        return set_retrain(store, link.id, new_job=left), get_job(store, left)
    job = await start_job(store, provider, plan, folder)
    return set_retrain(store, link.id, new_job=job.id), job


async def evaluate_new(
    store: Store, connect: Connect, link: Retrain, concurrency: int = 8
) -> EvalRun:
    """Evaluate the new model on the same holdout with the old run's settings (reused when
    done); RetrainError while the new job has no model."""
    if link.new_job is None:
        raise RetrainError(f"retrain {link.id} has no job yet: run `tuiapp retrain` again")
    job = get_job(store, link.new_job)
    if job.status != "succeeded" or not job.fine_tuned_model or job.version_id is None:
        raise RetrainError(f"job {job.id} is {job.status}: compare once it has succeeded")
    if link.new_run is not None:
        run = get_run(store, link.new_run)
        if run.status == "completed":
            return run
    else:
        params = get_run(store, link.old_run).params if link.old_run else EVAL_PARAMS
        run = start_run(
            store, job.version_id, job.provider, job.fine_tuned_model, job_id=job.id, params=params
        )
        set_retrain(store, link.id, new_run=run.id)
    return await run_eval(store, await connect(job.provider), run.id, concurrency)


async def compare_when_done(
    store: Store, connect: Connect, job_id: int, concurrency: int = 8
) -> Comparison | None:
    """A job that has just succeeded, if a move made it: its model evaluated on the holdout
    (as `tuiapp retrain --wait` does) and compared with the old one. None for a job no move
    made, or one that did not succeed."""
    link = retrain_into(store, job_id)
    if link is None or get_job(store, job_id).status != "succeeded":
        return None
    await evaluate_new(store, connect, link, concurrency)
    return compare(store, get_retrain(store, link.id))
