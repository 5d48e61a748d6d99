"""Creating a job exactly once: a client token goes with the create request, the request is
never retried blindly, and a create whose answer was lost (or a row left behind by an app that
was killed mid-create) is resolved by looking the job up by its token."""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime

from tuiapp.providers.base import JobRequest, Provider, ProviderError, RemoteJob, Timeouts
from tuiapp.store import Store
from tuiapp.store.jobs import Job, confirm_job, get_job, update_job

CREATE_TRIES = 3  # sends of one create at most, each after looking for the job by its token
CREATE_BACKOFF = 1.0  # seconds before the second send, doubled before the third
_IN_FLIGHT: set[str] = set()  # tokens this process is creating right now


def new_client_token() -> str:
    """A fresh client token: short enough for a provider's suffix (Mistral allows 18)."""
    return f"tt{secrets.token_hex(4)}"


async def create_once(provider: Provider, request: JobRequest) -> RemoteJob:
    """Create the job without ever making two: after an answer that leaves it unknown whether
    the job exists (timeout, reset, 5xx, 429), look for it by its client token, adopt it when
    found, and only send the create again when the provider has no such job."""
    token = request.client_token
    assert token, "a create needs its client token"
    _IN_FLIGHT.add(token)
    try:
        return await _create(provider, request, token)
    finally:
        _IN_FLIGHT.discard(token)


async def _create(provider: Provider, request: JobRequest, token: str) -> RemoteJob:
    """The sends and look-ups of `create_once`."""
    for attempt in range(CREATE_TRIES):
        try:
            return await provider.create_job(request)
        except ProviderError as err:
            if not err.retryable:
                raise
            last = err
        found = await provider.find_job(token)
        if found is not None:
            return found
        if attempt + 1 < CREATE_TRIES:
            await asyncio.sleep(max(last.retry_after or 0.0, CREATE_BACKOFF * 2**attempt))
    raise ProviderError(
        last.message,
        f"{last.hint}; if {provider.name} made the job anyway, `tuiapp watch` finds it by its "
        "token and shows it",
        status=last.status,
        retry_after=last.retry_after,
        retryable=True,
    )


def confirm(store: Store, job_id: int, remote: RemoteJob) -> Job:
    """The job row once the provider has the job (created or found by its token)."""
    return confirm_job(
        store,
        job_id,
        remote.id,
        remote.status,
        hyperparameters=remote.hyperparameters,
        error=remote.error,
    )


def _age(job: Job) -> float:
    """Seconds since the job row was written."""
    return (datetime.now(UTC) - datetime.fromisoformat(job.created_at)).total_seconds()


async def reconcile_pending(
    store: Store, provider: Provider, job: Job, min_age: float | None = None
) -> Job:
    """A row left `creating` (the app stopped before the provider answered): adopt the
    provider's job that carries its token, or mark it as never created. A create this process
    is still sending, or a row younger than one request can take (another process may be
    sending it), is left alone."""
    if not job.creating or not job.client_token or job.client_token in _IN_FLIGHT:
        return job
    if min_age is None:
        timeouts = getattr(provider, "timeouts", Timeouts())
        min_age = timeouts.connect + timeouts.read
    if _age(job) < min_age:
        return job
    found = await provider.find_job(job.client_token)
    if found is not None:
        return confirm(store, job.id, found)
    update_job(
        store,
        job.id,
        status="failed",
        error=f"never created: the app stopped before {provider.name} answered, and "
        f"{provider.name} has no job with its token ({job.client_token}); start it again",
    )
    return get_job(store, job.id)
