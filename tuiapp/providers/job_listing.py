"""Listing an account's fine-tuning jobs with the files they trained on, for importing old work.

A provider that has a `list_jobs(limit)` method returning ListedJobs is asked through it (the
way for new adapters); the OpenAI-shaped adapters (OpenAI, Azure, the local backend), Together
and Fireworks are listed here through their clients until they grow one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, cast

from tuiapp.providers.base import Provider, ProviderError, RemoteJob

PAGE = 100  # jobs asked for per page (the API's most)


@dataclass(frozen=True)
class ListedJob:
    """A job as listed, with what it trained on (file ids) and how."""

    job: RemoteJob
    training_file: str | None
    validation_file: str | None
    method: str = "supervised"
    suffix: str | None = None
    seed: int | None = None


async def list_remote_jobs(provider: Provider, limit: int | None = None) -> list[ListedJob]:
    """The account's jobs, newest first (every page, or the first `limit`)."""
    own = getattr(provider, "list_jobs", None)
    if callable(own):
        listing = cast(Callable[[int | None], Awaitable[list[ListedJob]]], own)
        return await listing(limit)
    from tuiapp.providers.openai_provider import OpenAIProvider

    if isinstance(provider, OpenAIProvider):
        return await _openai_jobs(provider, limit)
    kind = type(provider).__name__
    if kind == "TogetherProvider":
        return await _together_jobs(provider, limit)
    if kind == "FireworksProvider":
        return await _fireworks_jobs(provider, limit)
    raise ProviderError(
        f"{provider.name}: listing its jobs is not supported yet",
        "import from openai, azure, together, fireworks or local",
    )


def _openai_method(job: Any) -> str:
    """The job's method type (supervised when the API gives none)."""
    method = getattr(job, "method", None)
    return str(getattr(method, "type", None) or "supervised")


async def _openai_jobs(provider: Any, limit: int | None) -> list[ListedJob]:
    """Every page of `GET /fine_tuning/jobs` (the SDK follows `has_more` and `after`)."""
    from tuiapp.providers.openai_provider import _job

    listed: list[ListedJob] = []
    page = await provider._call(
        provider.client.fine_tuning.jobs.list(limit=min(PAGE, limit or PAGE))
    )
    while True:
        for job in page.data:
            listed.append(
                ListedJob(
                    _job(job),
                    job.training_file or None,
                    job.validation_file or None,
                    _openai_method(job),
                    getattr(job, "suffix", None),
                    getattr(job, "seed", None),
                )
            )
            if limit is not None and len(listed) >= limit:
                return listed
        if not page.has_next_page():
            return listed
        page = await provider._call(page.get_next_page())


async def _together_jobs(provider: Any, limit: int | None) -> list[ListedJob]:
    """Together's job list (one answer holds them all), newest first."""
    answer = await provider._call(provider.client.fine_tuning.list())
    jobs = sorted(answer.data or [], key=lambda j: str(j.created_at or ""), reverse=True)
    listed = [
        ListedJob(
            provider._job(job),
            getattr(job, "training_file", None) or None,
            getattr(job, "validation_file", None) or None,
            "dpo" if "dpo" in str(getattr(job, "training_method", "")).lower() else "supervised",
            getattr(job, "suffix", None),
        )
        for job in jobs
    ]
    return listed[:limit] if limit is not None else listed


def _dataset_id(name: object) -> str | None:
    """A Fireworks dataset's id from its resource name (`accounts/a/datasets/ID`)."""
    return str(name).rsplit("/", 1)[-1] if name else None


async def _fireworks_jobs(provider: Any, limit: int | None) -> list[ListedJob]:
    """Fireworks' supervised and DPO jobs (pages followed by `nextPageToken`), newest first;
    their datasets stand for the files."""
    from tuiapp.providers.fireworks_shapes import DPO, SFT, remote_job

    listed: list[ListedJob] = []
    for kind in (SFT, DPO):
        token = ""
        while True:
            page = await provider._get(
                f"{kind}?pageSize=200" + (f"&pageToken={token}" if token else "")
            )
            for raw in page.get(kind, []):
                config = raw.get("trainingConfig") or raw
                listed.append(
                    ListedJob(
                        remote_job(raw),
                        _dataset_id(raw.get("dataset") or config.get("dataset")),
                        _dataset_id(raw.get("evaluationDataset")),
                        "dpo" if kind == DPO else "supervised",
                    )
                )
            token = page.get("nextPageToken") or ""
            if not token:
                break
    listed.sort(key=lambda j: j.job.created_at or 0, reverse=True)
    return listed[:limit] if limit is not None else listed
