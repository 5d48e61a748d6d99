"""From a frozen dataset version to a running job: the plan a person confirms (tokens, cost,
the epochs "auto" picks, warnings), the upload (reusing files the provider already has), and
the job row that ties it all together. A job is created once: its row and client token are
stored before the request is sent, and a create whose answer is lost is looked up by that
token before it is ever sent again."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from tuiapp.data.base_models import BaseModel, base_model
from tuiapp.data.examine import token_counts
from tuiapp.data.stats import default_epochs, estimate_cost
from tuiapp.data.tokens import TokenCounter
from tuiapp.providers.base import JobRequest, Progress, Provider, ProviderError
from tuiapp.services.export import export_for_upload
from tuiapp.services.job_create import confirm, create_once, new_client_token
from tuiapp.store import Store
from tuiapp.store.datasets import get_dataset
from tuiapp.store.job_plans import earlier_jobs, train_tokens
from tuiapp.store.jobs import (
    Job,
    delete_job,
    find_upload,
    forget_upload,
    insert_pending_job,
    record_upload,
)
from tuiapp.store.versions import Version, get_version, iter_entries

HYPERPARAMETERS = ("n_epochs", "batch_size", "learning_rate_multiplier")
MIN_EXAMPLES = 10
FREE_PROVIDERS = frozenset({"local"})


@dataclass
class JobPlan:
    """A job about to be started, with what it will cost."""

    provider: str
    version: Version
    base_model: str
    method: str = "supervised"
    hyperparameters: dict[str, Any] = field(default_factory=dict)  # name -> "auto" | number
    suffix: str | None = None
    seed: int | None = None
    use_holdout: bool = True
    train_examples: int = 0
    n_epochs: int = 0
    tokens_per_epoch: int = 0
    billed_tokens: int = 0
    usd: float | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def needs_confirmation(self) -> bool:
        """True when the data still holds personal data (asked again before upload)."""
        return bool(self.version.report.get("pii_examples"))

    def estimate(self) -> dict[str, Any]:
        """What the job row keeps of the estimate."""
        return {
            "n_epochs": self.n_epochs,
            "tokens_per_epoch": self.tokens_per_epoch,
            "billed_tokens": self.billed_tokens,
            "usd": self.usd,
            "warnings": self.warnings,
        }


def _auto(value: Any) -> bool:
    """True for 'auto' (or no value)."""
    return value in (None, "", "auto")


_RECOUNTED: dict[tuple[str, str], list[int]] = {}  # (content hash, encoding) -> counts


def train_counts(store: Store, version: Version, model: BaseModel) -> list[int]:
    """Token counts of the version's training examples in the job model's encoding: the
    stored counts when the dataset was counted with the same one, else counted again (once
    per version and encoding: the form asks on every key)."""
    counted_with = base_model(get_dataset(store, version.dataset_id).base_model).encoding
    if counted_with == model.encoding:
        return train_tokens(store, version.id)
    key = (version.content_hash, model.encoding)
    if key not in _RECOUNTED:
        counter = TokenCounter(model.encoding)
        _RECOUNTED[key] = [
            token_counts(orjson.loads(entry.text), counter)[0]
            for entry in iter_entries(store, version.id, "train")
        ]
    return _RECOUNTED[key]


def plan_job(
    store: Store,
    provider: str,
    version_id: int,
    base: str,
    hyperparameters: dict[str, Any] | None = None,
    *,
    method: str = "supervised",
    suffix: str | None = None,
    seed: int | None = None,
    use_holdout: bool = True,
    extra_hyperparameters: dict[str, Any] | None = None,
) -> JobPlan:
    """Work out tokens, epochs, cost and warnings before anything is uploaded or paid
    (`extra_hyperparameters`: those the provider declares beyond OpenAI's, sent as given)."""
    version = get_version(store, version_id)
    hyper = {k: v for k, v in (hyperparameters or {}).items() if k in HYPERPARAMETERS}
    hyper |= {k: v for k, v in (extra_hyperparameters or {}).items() if v is not None}
    model = base_model(base)
    tokens = train_counts(store, version, model)
    epochs = None if _auto(hyper.get("n_epochs")) else int(hyper["n_epochs"])
    cost = estimate_cost(tokens, model, epochs)
    plan = JobPlan(
        provider=provider,
        version=version,
        base_model=base,
        method=method,
        hyperparameters=hyper,
        suffix=suffix,
        seed=seed,
        use_holdout=use_holdout and bool(version.counts.get("holdout")),
        train_examples=len(tokens),
        n_epochs=cost.n_epochs,
        tokens_per_epoch=cost.tokens_per_epoch,
        billed_tokens=cost.billing_tokens,
        usd=0.0 if provider in FREE_PROVIDERS else cost.usd,
    )
    if len(tokens) < MIN_EXAMPLES:
        plan.warnings.append(f"only {len(tokens)} training examples: the API needs {MIN_EXAMPLES}")
    over = sum(n > model.token_limit for n in tokens)
    if over:
        plan.warnings.append(
            f"{over} example(s) over the {model.token_limit:,}-token limit: they get cut off"
        )
    if not plan.use_holdout:
        plan.warnings.append("no holdout: validation loss and overfitting will not show")
    if plan.needs_confirmation:
        plan.warnings.append(f"{version.report['pii_examples']} example(s) hold personal data")
    if _auto(hyper.get("n_epochs")):
        plan.warnings.append(f"n_epochs auto: {default_epochs(len(tokens))} for this many examples")
    same = _same_job(store, plan)
    if same is not None:
        plan.warnings.append(f"the same data and settings were trained before (job {same})")
    return plan


def _same_job(store: Store, plan: JobPlan) -> int | None:
    """An earlier job on the same content, base model, method and hyperparameters."""
    wanted = {k: v for k, v in plan.hyperparameters.items() if not _auto(v)}
    for job in earlier_jobs(store, plan.version.content_hash, plan.base_model, plan.provider):
        asked = {k: v for k, v in job.requested.items() if not _auto(v)}
        if job.method == plan.method and asked == wanted:
            return job.id
    return None


def file_hash(path: Path) -> str:
    """SHA-256 of a file's bytes: the key that lets a second upload reuse the first."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


async def upload_file(
    store: Store, provider: Provider, path: Path, progress: Progress | None = None
) -> str:
    """The provider's id for this file's content: reused when it was uploaded before (and
    the provider still has it), uploaded otherwise."""
    digest = file_hash(path)
    known = find_upload(store, provider.name, digest, "fine-tune")
    if known is not None:
        try:
            found = await provider.file(known)
        except ProviderError as err:
            if err.status != 404:
                raise
            forget_upload(store, provider.name, known)
        else:
            if progress is not None:
                progress(found.bytes, found.bytes)
            return known
    uploaded = await provider.upload(path, "fine-tune", progress)
    record_upload(
        store,
        provider.name,
        digest,
        "fine-tune",
        uploaded.id,
        uploaded.filename,
        uploaded.bytes,
        uploaded.status,
    )
    return uploaded.id


async def start_job(
    store: Store,
    provider: Provider,
    plan: JobPlan,
    folder: Path,
    progress: Progress | None = None,
) -> Job:
    """Upload the version's files (or reuse them), then create the job exactly once: its row
    and client token are stored before the request is sent."""
    export_for_upload(store, plan.version.id, folder)  # refuses files unlike the manifest
    training = await upload_file(store, provider, folder / "train.jsonl", progress)
    validation = None
    if plan.use_holdout and provider.capabilities.validation_file:
        validation = await upload_file(store, provider, folder / "holdout.jsonl", progress)
    hyper = {k: v for k, v in plan.hyperparameters.items() if not _auto(v)}
    token = new_client_token()
    pending = insert_pending_job(
        store,
        token,
        provider=provider.name,
        version_id=plan.version.id,
        base_model=plan.base_model,
        method=plan.method,
        requested=plan.hyperparameters,
        suffix=plan.suffix,
        seed=plan.seed,
        training_file=training,
        validation_file=validation,
        estimate=plan.estimate(),
    )
    request = JobRequest(
        model=plan.base_model,
        training_file=training,
        validation_file=validation,
        method=plan.method,
        hyperparameters=hyper,
        suffix=plan.suffix,
        seed=plan.seed,
        client_token=token,
    )
    try:
        remote = await create_once(provider, request)
    except ProviderError as err:
        if not err.retryable:  # refused outright: no job exists, so no row either
            delete_job(store, pending.id)
        raise
    return confirm(store, pending.id, remote)
