"""Mistral through its official SDK (`mistralai` 1.x, extra `tuiapp[mistral]`: the jobs client
exists through 2.5.1, but 2.x moved the client to `mistralai.client`), mapped onto the protocol.

Mistral jobs carry their events and checkpoints inline; events have no ids (derived from
their content here) and metrics arrive with the checkpoints, so each checkpoint is handed on
as a `metrics` event too. No pause/resume, no batch size, an absolute learning rate. The client
token rides in the suffix (Mistral filters jobs by suffix); the SDK retries nothing unless
told to, so a create is sent once."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable
from pathlib import Path
from typing import Any, TypeVar

from tuiapp.providers.adapter import Connection, adapter
from tuiapp.providers.base import (
    Capabilities,
    Completion,
    JobRequest,
    NoPauseResume,
    Progress,
    ProviderError,
    RemoteCheckpoint,
    RemoteEvent,
    RemoteFile,
    RemoteJob,
    Timeouts,
    derived_id,
    events_after,
    token_in_suffix,
)
from tuiapp.providers.client_setup import http_client
from tuiapp.providers.errors import status_error, transport_error

T = TypeVar("T")

CAPABILITIES = Capabilities(
    methods=("supervised",),
    pause_resume=False,
    checkpoints=True,
    validation_file=True,
    metrics="checkpoints",
    batch_size=False,
    learning_rate_multiplier=False,
)
STATUSES = {
    "QUEUED": "queued",
    "STARTED": "running",
    "VALIDATING": "validating_files",
    "VALIDATED": "queued",
    "RUNNING": "running",
    "FAILED_VALIDATION": "failed",
    "FAILED": "failed",
    "SUCCESS": "succeeded",
    "CANCELLED": "cancelled",
    "CANCELLATION_REQUESTED": "cancelling",
}
SUFFIX_LIMIT = 18  # characters Mistral accepts in a suffix


def _value(value: Any) -> Any:
    """None for the SDK's UNSET markers."""
    return None if value is None or type(value).__name__ == "Unset" else value


class MistralProvider(NoPauseResume):
    """A provider over `mistralai.Mistral` (its `*_async` methods)."""

    name = "mistral"
    capabilities = CAPABILITIES

    def __init__(self, client: Any, timeouts: Timeouts | None = None, http: Any = None) -> None:
        self.client = client
        self.timeouts = timeouts or Timeouts()
        self._http = http  # the httpx client made for the SDK (closed with this provider)

    async def _call(self, call: Awaitable[T]) -> T:
        """Await an SDK call; its failures become ProviderErrors."""
        import httpx
        from mistralai import models

        try:
            return await call
        except (models.SDKError, models.HTTPValidationError) as err:
            status = int(getattr(err, "status_code", 0) or 0)
            raise status_error(self.name, status, str(err).splitlines()[0][:300]) from err
        except httpx.HTTPError as err:
            raise transport_error(self.name, self.timeouts, err) from err

    async def upload(self, path: Path, purpose: str, progress: Progress | None) -> RemoteFile:
        """Upload a JSONL file."""
        size = path.stat().st_size
        with open(path, "rb") as handle:
            done = await self._call(
                self.client.files.upload_async(
                    file={"file_name": path.name, "content": handle}, purpose="fine-tune"
                )
            )
        if progress is not None:
            progress(size, size)
        return RemoteFile(done.id, done.filename, done.size_bytes, "processed")

    async def file(self, file_id: str) -> RemoteFile:
        """An uploaded file's state."""
        found = await self._call(self.client.files.retrieve_async(file_id=file_id))
        return RemoteFile(found.id, found.filename, found.size_bytes, "processed")

    async def create_job(self, request: JobRequest) -> RemoteJob:
        """Start a job (started at once: auto_start)."""
        hyper = request.hyperparameters
        for unsupported in ("batch_size", "learning_rate_multiplier"):
            if unsupported in hyper:
                raise ProviderError(
                    f"mistral: no {unsupported}", "Mistral sets it itself; leave it on auto"
                )
        options: dict[str, Any] = {
            "model": request.model,
            "training_files": [{"file_id": request.training_file, "weight": 1}],
            "hyperparameters": {"epochs": float(hyper["n_epochs"])} if "n_epochs" in hyper else {},
            "auto_start": True,
        }
        if request.validation_file:
            options["validation_files"] = [request.validation_file]
        if request.client_token:
            options["suffix"] = token_in_suffix(request.suffix, request.client_token, SUFFIX_LIMIT)
        elif request.suffix:
            options["suffix"] = request.suffix
        created = await self._call(self.client.fine_tuning.jobs.create_async(**options))
        return await self.job(created.id)

    async def find_job(self, client_token: str) -> RemoteJob | None:
        """The recent job whose suffix carries this token."""
        listed = await self._call(self.client.fine_tuning.jobs.list_async(page_size=100))
        for job in listed.data or []:
            if client_token in (_value(getattr(job, "suffix", None)) or ""):
                return await self.job(job.id)
        return None

    async def _detailed(self, job_id: str) -> Any:
        """The job with its events and checkpoints."""
        return await self._call(self.client.fine_tuning.jobs.get_async(job_id=job_id))

    async def job(self, job_id: str) -> RemoteJob:
        """A job's current state."""
        job = await self._detailed(job_id)
        status = str(job.status)
        epochs = _value(job.hyperparameters.epochs)
        return RemoteJob(
            id=job.id,
            status=STATUSES.get(status, status.lower()),
            model=job.model,
            fine_tuned_model=_value(job.fine_tuned_model),
            trained_tokens=_value(job.trained_tokens),
            error="the job failed (see its events)" if status.startswith("FAILED") else None,
            hyperparameters={"n_epochs": epochs} if epochs is not None else {},
            created_at=job.created_at,
        )

    async def new_events(self, job_id: str, known: str | None) -> list[RemoteEvent]:
        """Events, and a metrics event per checkpoint, after `known`, oldest first."""
        job = await self._detailed(job_id)
        timeline: list[RemoteEvent] = []
        for event in job.events or []:
            data = _value(event.data) or {}
            timeline.append(
                RemoteEvent(
                    derived_id(
                        "ms", event.name, event.created_at, json.dumps(data, sort_keys=True)
                    ),
                    event.created_at,
                    "error" if "fail" in event.name else "info",
                    "message",
                    event.name.replace("_", " ").replace("status ", "status: "),
                    data,
                )
            )
        for checkpoint in job.checkpoints or []:
            metrics = {k: _value(v) for k, v in checkpoint.metrics.model_dump().items()}
            data = {
                "step": checkpoint.step_number,
                **{k: v for k, v in metrics.items() if v is not None},
            }
            timeline.append(
                RemoteEvent(
                    derived_id("ms", "metrics", checkpoint.step_number),
                    checkpoint.created_at,
                    "info",
                    "metrics",
                    f"checkpoint at step {checkpoint.step_number}",
                    data,
                )
            )
        timeline.sort(key=lambda e: e.created_at)
        return events_after(timeline, known)

    async def checkpoints(self, job_id: str) -> list[RemoteCheckpoint]:
        """The job's checkpoints, oldest first."""
        job = await self._detailed(job_id)
        return sorted(
            (
                RemoteCheckpoint(
                    derived_id("ms", "checkpoint", c.step_number),
                    c.step_number,
                    _value(job.fine_tuned_model) or "",
                    {k: v for k, v in c.metrics.model_dump().items() if _value(v) is not None},
                    c.created_at,
                )
                for c in job.checkpoints or []
            ),
            key=lambda c: c.step,
        )

    async def cancel(self, job_id: str) -> RemoteJob:
        """Cancel a job."""
        await self._call(self.client.fine_tuning.jobs.cancel_async(job_id=job_id))
        return await self.job(job_id)

    async def file_content(self, file_id: str) -> bytes:
        """A file's bytes."""
        response = await self._call(self.client.files.download_async(file_id=file_id))
        return bytes(await response.aread())

    async def models(self) -> list[str]:
        """Model ids, sorted."""
        listed = await self._call(self.client.models.list_async())
        return sorted(m.id for m in listed.data or [])

    async def chat(
        self,
        model: str,
        messages: list[dict[str, Any]],
        usage: dict[str, int] | None = None,
        **options: Any,
    ) -> AsyncIterator[str]:
        """Stream the reply's text."""
        stream = await self._call(
            self.client.chat.stream_async(model=model, messages=messages, **options)
        )
        async for event in stream:
            delta = event.data.choices[0].delta.content if event.data.choices else None
            if isinstance(delta, str) and delta:
                yield delta

    async def complete(
        self, model: str, messages: list[dict[str, Any]], **options: Any
    ) -> Completion:
        """One whole answer and its usage."""
        response = await self._call(
            self.client.chat.complete_async(model=model, messages=messages, **options)
        )
        content = response.choices[0].message.content if response.choices else ""
        usage = response.usage
        return Completion(
            content if isinstance(content, str) else "",
            _value(usage.prompt_tokens) if usage else None,
            _value(usage.completion_tokens) if usage else None,
        )

    async def close(self) -> None:
        """Close the HTTP client made for the SDK, if there is one."""
        if self._http is not None:
            await self._http.aclose()


@adapter(
    "mistral",
    "Mistral",
    default_base="open-mistral-nemo",
    extra="mistral",
    key_env="MISTRAL_API_KEY",
    capabilities=CAPABILITIES,
)
async def connect(link: Connection) -> MistralProvider:
    """A client over `mistralai.Mistral` (1.x: the one with a fine-tuning client)."""
    from mistralai import Mistral

    http = http_client(link)
    client = Mistral(api_key=link.key, async_client=http)
    if not hasattr(client, "fine_tuning"):
        await http.aclose()
        raise ProviderError(
            "mistral: this mistralai SDK has no fine-tuning client",
            "pip install 'mistralai>=1.9,<2' (tuiapp[mistral])",
        )
    return MistralProvider(client, link.timeouts, http)
