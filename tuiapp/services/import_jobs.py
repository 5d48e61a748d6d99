"""`import-jobs`: an account's fine-tuning jobs brought into the store, so that old work sits
in the experiments table beside new work. For each job: its training and validation files as
datasets and one version made of exactly them (see `import_job_files`), the job itself
(provider, remote id, base model, hyperparameters, status, fine-tuned model, times), its
events, checkpoints and metrics (the result file's CSV, plain or base64; else the metrics
events). Keyed by provider + remote job id: a second run updates the rows, never adds."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tuiapp.jobs.metrics import parse_result_file, point
from tuiapp.providers.base import Provider, ProviderError
from tuiapp.providers.job_listing import ListedJob, list_remote_jobs
from tuiapp.services.import_job_files import FetchedFile, FileProblem, Say, fetch_file, freeze_files
from tuiapp.store import Store
from tuiapp.store.imported_jobs import find_remote_job
from tuiapp.store.jobs import (
    add_checkpoints,
    add_events,
    add_metrics,
    get_job,
    insert_job,
    job_metrics,
    update_job,
)
from tuiapp.store.versions import get_version


@dataclass
class JobImport:
    """What importing one job did."""

    remote_id: str
    job_id: int
    status: str
    base_model: str
    fine_tuned_model: str | None
    new: bool
    version_id: int | None
    dataset_ids: list[int] = field(default_factory=list)
    metric_steps: int = 0
    problems: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    """What an import-jobs run did, job by job."""

    provider: str
    jobs: list[JobImport] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """True when every job came in with its version and nothing failed."""
        return all(j.version_id is not None and not j.problems for j in self.jobs)

    def to_json(self) -> dict[str, Any]:
        """The report as one JSON object (`--json`)."""
        return {
            "provider": self.provider,
            "jobs": [asdict(j) for j in self.jobs],
            "new_jobs": sum(j.new for j in self.jobs),
            "updated_jobs": sum(not j.new for j in self.jobs),
            "without_version": [j.remote_id for j in self.jobs if j.version_id is None],
        }


def _iso(seconds: int | None) -> str | None:
    """A Unix time as the store's ISO 8601 text."""
    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")


def _ignore(_line: str) -> None:
    """No progress wanted."""


async def list_jobs_to_import(provider: Provider, limit: int | None = None) -> list[ListedJob]:
    """The account's jobs, newest first (what a run would import)."""
    return await list_remote_jobs(provider, limit)


async def _files(
    store: Store, provider: Provider, folder: Path, listed: ListedJob, say: Say
) -> tuple[list[FetchedFile], list[FileProblem]]:
    """Download and import the job's training and validation files."""
    fetched: list[FetchedFile] = []
    problems: list[FileProblem] = []
    roles = (("training", listed.training_file), ("validation", listed.validation_file))
    for role, file_id in roles:
        if not file_id:
            if role == "training":
                problems.append(FileProblem(role, "-", "the provider names no training file"))
            continue
        got = await fetch_file(store, provider, folder, role, file_id, listed.job.model, say)
        (fetched if isinstance(got, FetchedFile) else problems).append(got)  # type: ignore[arg-type]
    return fetched, problems


async def _metrics(store: Store, provider: Provider, job_id: int, listed: ListedJob) -> list[str]:
    """Store the job's events, checkpoints and metrics; returns what could not be read."""
    problems: list[str] = []
    remote_id = listed.job.id
    events = []
    try:
        events = await provider.new_events(remote_id, None)
        add_events(store, job_id, events)
        add_metrics(
            store,
            job_id,
            [p for e in events if e.type == "metrics" and (p := point(e.data, e.created_at))],
        )
        if events:
            update_job(store, job_id, last_event_id=events[-1].id)
    except ProviderError as err:
        problems.append(f"events: {err}")
    if provider.capabilities.checkpoints:
        try:
            add_checkpoints(store, job_id, await provider.checkpoints(remote_id))
        except ProviderError as err:
            problems.append(f"checkpoints: {err}")
    for file_id in listed.job.result_files:
        try:
            add_metrics(store, job_id, parse_result_file(await provider.file_content(file_id)))
        except ProviderError as err:
            problems.append(f"result file {file_id}: {err}")
    return problems


def _store_job(
    store: Store, provider: str, listed: ListedJob, version_id: int | None
) -> tuple[int, bool]:
    """Insert or update the job row (keyed by provider + remote id); returns (id, new)."""
    remote = listed.job
    found = find_remote_job(store, provider, remote.id)
    fields: dict[str, Any] = {
        "base_model": remote.model,
        "method": listed.method,
        "hyperparameters": remote.hyperparameters,
        "suffix": listed.suffix,
        "seed": listed.seed,
        "training_file": listed.training_file or "",
        "validation_file": listed.validation_file,
        "status": remote.status,
        "fine_tuned_model": remote.fine_tuned_model,
        "trained_tokens": remote.trained_tokens,
        "estimated_finish": remote.estimated_finish,
        "error": remote.error,
        "result_files": list(remote.result_files),
    }
    if version_id is not None or found is None:
        fields["version_id"] = version_id
    if found is None:
        job_id = insert_job(
            store,
            provider=provider,
            remote_id=remote.id,
            base_model=remote.model,
            training_file=fields["training_file"],
            status=remote.status,
        ).id
    else:
        job_id = found.id
    times = {"created_at": _iso(remote.created_at), "finished_at": _iso(remote.finished_at)}
    update_job(store, job_id, **fields, **{k: v for k, v in times.items() if v is not None})
    return job_id, found is None


async def import_job(
    store: Store, provider: Provider, folder: Path, listed: ListedJob, say: Say = _ignore
) -> JobImport:
    """Import (or bring up to date) one listed job with its files, version and metrics; a job
    the store already has with its version (started from tuiapp, or imported before) keeps it
    and its files are not downloaded again."""
    remote = listed.job
    say(f"{provider.name} {remote.id}: {remote.status}, {remote.model}")
    known = find_remote_job(store, provider.name, remote.id)
    fetched: list[FetchedFile] = []
    problems: list[FileProblem] = []
    version_id = known.version_id if known is not None else None
    datasets: set[int] = set()
    if version_id is not None:
        version = get_version(store, version_id)
        datasets = {
            version.dataset_id,
            version.report.get("holdout_dataset_id") or version.dataset_id,
        }
        say(f"  files: version {version_id} holds them already")
    else:
        fetched, problems = await _files(store, provider, folder, listed, say)
        datasets = {f.dataset_id for f in fetched}
        if not problems:
            by_role = {f.role: f for f in fetched}
            version_id = freeze_files(
                store, provider.name, remote.id, by_role["training"], by_role.get("validation")
            )
    job_id, new = _store_job(store, provider.name, listed, version_id)
    notes = [str(p) for p in problems] + await _metrics(store, provider, job_id, listed)
    job = get_job(store, job_id)
    for note in notes:
        say(f"  problem: {note}")
    return JobImport(
        remote.id,
        job_id,
        job.status,
        job.base_model,
        job.fine_tuned_model,
        new,
        version_id,
        sorted(datasets),
        len(job_metrics(store, job_id)),
        notes,
    )


async def import_jobs(
    store: Store,
    provider: Provider,
    folder: Path,
    limit: int | None = None,
    say: Say = _ignore,
    listed: list[ListedJob] | None = None,
) -> ImportReport:
    """Import the account's jobs (or the `listed` ones, newest first as listed) oldest first,
    so that their ids follow the order they ran in; files go under `folder/<provider>/`."""
    jobs = listed if listed is not None else await list_remote_jobs(provider, limit)
    report = ImportReport(provider.name)
    for one in reversed(jobs):
        report.jobs.append(await import_job(store, provider, folder / provider.name, one, say))
    return report
