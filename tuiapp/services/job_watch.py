"""The watcher: polls every unfinished job on every provider and writes what is new to the
store (status, events, metrics, checkpoints, model id, result file). Each poll asks only for
events newer than the last one stored, so a job with 10,000 events costs one request a poll;
after a restart the same cursor fetches everything that happened meanwhile."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass

from tuiapp.data.eta import RECENT, Eta, estimate
from tuiapp.jobs.diagnosis import Context
from tuiapp.jobs.metrics import parse_result_file, point
from tuiapp.providers.base import Provider, ProviderError
from tuiapp.services.job_create import reconcile_pending
from tuiapp.store import Store
from tuiapp.store.jobs import (
    Job,
    MetricPoint,
    add_checkpoints,
    add_events,
    add_metrics,
    get_job,
    list_jobs,
    update_job,
)
from tuiapp.store.versions import get_version

MIN_INTERVAL = 2.0  # seconds between polls of a job that is changing
MAX_INTERVAL = 30.0  # ... of a quiet job
MAX_ERROR_INTERVAL = 120.0  # ... of a job whose provider keeps failing


@dataclass(frozen=True)
class Polled:
    """What one poll of one job found."""

    job: Job
    new_events: int = 0
    status_changed: bool = False
    finished_now: bool = False
    error: str | None = None


Connect = Callable[[str], Awaitable[Provider]]


def verdict_context(store: Store, job: Job) -> Context:
    """What the verdict needs beyond the curves: batch size, the version's leakage report."""
    try:
        version = get_version(store, job.version_id) if job.version_id else None
    except KeyError:  # the version was deleted
        version = None
    return Context.of(job, version.report if version else None, version.counts if version else None)


def job_eta(job: Job, points: Sequence[MetricPoint], now: float) -> Eta | None:
    """Time left from the job's measured step times (None unless it is running)."""
    recent = points[-(RECENT + 2) :]  # all the estimate looks at
    total = next((p.total_steps for p in reversed(recent) if p.total_steps), None)
    return estimate([(p.step, p.at) for p in recent], total, now, job.status)


class Watcher:
    """Polls jobs with a per-job backoff; call `run()` (or `poll()` for one job)."""

    def __init__(
        self,
        store: Store,
        connect: Connect,
        on_poll: Callable[[Polled], None] | None = None,
        min_interval: float = MIN_INTERVAL,
        max_interval: float = MAX_INTERVAL,
    ) -> None:
        self.store = store
        self.connect = connect
        self.on_poll = on_poll
        self.min_interval = min_interval
        self.max_interval = max_interval
        self._due: dict[int, float] = {}
        self._interval: dict[int, float] = {}

    async def poll(self, job: Job) -> Polled:
        """Bring one job up to date in the store."""
        provider = await self.connect(job.provider)
        if job.creating:  # left by an app that stopped mid-create: adopt it or say so
            job = await reconcile_pending(self.store, provider, job)
            if job.creating or job.finished:
                return Polled(job, status_changed=not job.creating)
        remote = await provider.job(job.remote_id)
        events = await provider.new_events(job.remote_id, job.last_event_id)
        add_events(self.store, job.id, events)
        points = [p for e in events if e.type == "metrics" and (p := point(e.data, e.created_at))]
        add_metrics(self.store, job.id, points)
        changed = remote.status != job.status
        fields: dict[str, object] = {
            "status": remote.status,
            "fine_tuned_model": remote.fine_tuned_model,
            "trained_tokens": remote.trained_tokens,
            "estimated_finish": remote.estimated_finish,
            "error": remote.error,
            "result_files": list(remote.result_files),
        }
        if remote.hyperparameters:
            fields["hyperparameters"] = remote.hyperparameters
        if events:
            fields["last_event_id"] = events[-1].id
        if provider.capabilities.checkpoints and (
            changed or remote.finished or any("checkpoint" in e.message.lower() for e in events)
        ):
            add_checkpoints(self.store, job.id, await provider.checkpoints(job.remote_id))
        if remote.finished:
            for file_id in remote.result_files:  # fills any step the events missed
                add_metrics(
                    self.store, job.id, parse_result_file(await provider.file_content(file_id))
                )
            fields["finished_at"] = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
        update_job(self.store, job.id, **fields)
        return Polled(
            get_job(self.store, job.id),
            new_events=len(events),
            status_changed=changed,
            finished_now=remote.finished,
        )

    def _backoff(self, job_id: int, polled: Polled, retry_after: float | None) -> None:
        """When to poll the job next: soon while it changes, slower while quiet or failing."""
        interval = self._interval.get(job_id, self.min_interval)
        if polled.error is not None:
            interval = max(retry_after or 0.0, min(MAX_ERROR_INTERVAL, interval * 2))
        elif polled.new_events or polled.status_changed:
            interval = self.min_interval
        else:
            interval = min(self.max_interval, interval * 1.5)
        self._interval[job_id] = interval
        self._due[job_id] = time.monotonic() + interval

    async def poll_due(self, job_ids: Collection[int] | None = None) -> list[Polled]:
        """Poll every unfinished job (of `job_ids`, when given) whose turn has come."""
        results = []
        for job in list_jobs(self.store, unfinished=True):
            if job_ids is not None and job.id not in job_ids:
                continue
            if self._due.get(job.id, 0.0) > time.monotonic():
                continue
            retry_after = None
            try:
                polled = await self.poll(job)
            except ProviderError as err:
                polled = Polled(job, error=str(err))
                retry_after = err.retry_after
            self._backoff(job.id, polled, retry_after)
            if self.on_poll is not None:
                self.on_poll(polled)
            results.append(polled)
        return results

    async def run(self, stop: asyncio.Event | None = None, idle: float = 1.0) -> None:
        """Poll until `stop` is set (forever without one); new jobs are picked up as they
        appear in the store."""
        while stop is None or not stop.is_set():
            await self.poll_due()
            if stop is None:
                await asyncio.sleep(idle)
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=idle)

    async def until_finished(self, job_id: int, timeout: float = 600.0) -> Job:
        """Poll until the job ends (for scripts and tests)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            await self.poll_due()
            job = get_job(self.store, job_id)
            if job.finished:
                return job
            await asyncio.sleep(0.2)
        raise TimeoutError(f"job {job_id} did not finish within {timeout:.0f} s")
