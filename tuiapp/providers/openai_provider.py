"""The reference adapter: the official `openai` SDK (`AsyncOpenAI` / `AsyncAzureOpenAI`) for
OpenAI, Azure OpenAI, any OpenAI-compatible service and tuiapp's local backend.

Retries are the SDK's own policy (2 retries with exponential backoff on connection errors,
408, 409, 429 and 5xx, honouring Retry-After), except for creating a job: that request is sent
once and carries a client token in `metadata`, so that after a lost answer the job is found
again (`find_job`) instead of created twice. What still fails becomes a ProviderError."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Awaitable
from pathlib import Path
from typing import Any, TypeVar

import openai

from tuiapp.providers.base import (
    TOKEN_METADATA_KEY,
    Capabilities,
    Completion,
    JobRequest,
    Progress,
    RemoteCheckpoint,
    RemoteEvent,
    RemoteFile,
    RemoteJob,
    Timeouts,
)
from tuiapp.providers.errors import openai_call, translate
from tuiapp.providers.openai_adapters import LOCAL_CAPABILITIES, OPENAI_CAPABILITIES
from tuiapp.providers.openai_shaped import chat_completion

__all__ = ["LOCAL_CAPABILITIES", "OPENAI_CAPABILITIES", "OpenAIProvider"]

T = TypeVar("T")
EVENT_PAGE = 100
RECENT_JOBS = 100  # how far back a lost create is looked for


class _ProgressReader(io.BufferedReader):
    """A file whose reads report how far the upload got (httpx reads it in chunks, and seeks
    back to the start if the SDK retries)."""

    def __init__(self, path: Path, progress: Progress | None) -> None:
        super().__init__(io.FileIO(path, "rb"))
        self._total = path.stat().st_size
        self._progress = progress

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        if self._progress is not None:
            self._progress(self.tell(), self._total)
        return chunk


def _job(job: Any) -> RemoteJob:
    """An SDK job object as a RemoteJob (unknown statuses, such as `paused`, kept as text)."""
    hyper = job.hyperparameters.model_dump() if job.hyperparameters is not None else {}
    method = getattr(job, "method", None)
    if method is not None and getattr(method, "type", None):
        detail = getattr(method, method.type, None)
        if detail is not None and getattr(detail, "hyperparameters", None) is not None:
            hyper = detail.hyperparameters.model_dump()
    error = None
    if job.error is not None and (job.error.message or job.error.code):
        error = job.error.message or job.error.code
        if job.error.param:
            error += f" (param: {job.error.param})"
    return RemoteJob(
        id=job.id,
        status=str(job.status),
        model=job.model,
        fine_tuned_model=job.fine_tuned_model,
        trained_tokens=job.trained_tokens,
        estimated_finish=job.estimated_finish,
        error=error,
        hyperparameters={k: v for k, v in hyper.items() if v is not None},
        result_files=tuple(job.result_files or ()),
        created_at=job.created_at,
        finished_at=job.finished_at,
    )


def client_timeouts(client: openai.AsyncOpenAI) -> Timeouts:
    """The connect and read timeouts an SDK client was made with (for the error message)."""
    timeout = client.timeout
    if isinstance(timeout, int | float):
        return Timeouts(float(timeout), float(timeout))
    connect = getattr(timeout, "connect", None)
    read = getattr(timeout, "read", None)
    default = Timeouts()
    return Timeouts(float(connect or default.connect), float(read or default.read))


class OpenAIProvider:
    """A provider over an `openai` SDK client."""

    def __init__(
        self,
        name: str,
        client: openai.AsyncOpenAI,
        capabilities: Capabilities = OPENAI_CAPABILITIES,
    ) -> None:
        self.name = name
        self.client = client
        self.capabilities = capabilities
        self.timeouts = client_timeouts(client)

    async def _call(self, call: Awaitable[T]) -> T:
        """Await an SDK call; its failures become ProviderErrors."""
        return await openai_call(self.name, self.timeouts, call)

    async def upload(self, path: Path, purpose: str, progress: Progress | None) -> RemoteFile:
        """Upload a JSONL file for fine-tuning."""
        with _ProgressReader(path, progress) as handle:
            created = await self._call(
                self.client.files.create(file=(path.name, handle), purpose=purpose)  # type: ignore[arg-type]
            )
        return RemoteFile(created.id, created.filename, created.bytes, str(created.status))

    async def file(self, file_id: str) -> RemoteFile:
        """An uploaded file's state."""
        found = await self._call(self.client.files.retrieve(file_id))
        return RemoteFile(found.id, found.filename, found.bytes, str(found.status))

    async def create_job(self, request: JobRequest) -> RemoteJob:
        """Start a job, hyperparameters given through `method` as the API now prefers."""
        hyper = {k: v for k, v in request.hyperparameters.items() if v is not None}
        method: dict[str, Any] = {"type": request.method}
        method[request.method] = {"hyperparameters": hyper}
        extra: dict[str, Any] = {}
        if request.validation_file:
            extra["validation_file"] = request.validation_file
        if request.suffix:
            extra["suffix"] = request.suffix
        if request.seed is not None:
            extra["seed"] = request.seed
        if request.client_token:
            extra["metadata"] = {TOKEN_METADATA_KEY: request.client_token}
        once = self.client.with_options(max_retries=0)  # a retried POST could make two jobs
        job = await self._call(
            once.fine_tuning.jobs.create(
                model=request.model,
                training_file=request.training_file,
                method=method,  # type: ignore[arg-type]
                **extra,
            )
        )
        return _job(job)

    async def find_job(self, client_token: str) -> RemoteJob | None:
        """The recent job whose metadata carries this token (asked with the API's metadata
        filter, and checked here too, for servers that ignore the filter)."""
        page = await self._call(
            self.client.fine_tuning.jobs.list(
                limit=RECENT_JOBS, metadata={TOKEN_METADATA_KEY: client_token}
            )
        )
        for job in page.data:
            if (job.metadata or {}).get(TOKEN_METADATA_KEY) == client_token:
                return _job(job)
        return None

    async def job(self, job_id: str) -> RemoteJob:
        """A job's current state."""
        return _job(await self._call(self.client.fine_tuning.jobs.retrieve(job_id)))

    async def new_events(self, job_id: str, known: str | None) -> list[RemoteEvent]:
        """Events newer than `known`, oldest first. The API lists newest first, so one page
        (one request) usually holds everything new; older pages are read only when more than
        a page arrived since the last poll."""
        found: list[RemoteEvent] = []
        after: str | None = None
        while True:
            options: dict[str, Any] = {"limit": EVENT_PAGE}
            if after:
                options["after"] = after
            page = await self._call(self.client.fine_tuning.jobs.list_events(job_id, **options))
            for event in page.data:
                if event.id == known:
                    return found[::-1]
                found.append(
                    RemoteEvent(
                        event.id,
                        event.created_at,
                        str(event.level),
                        str(event.type or "message"),
                        event.message,
                        event.data if isinstance(event.data, dict) else {},
                    )
                )
            if not page.has_more or not page.data:
                return found[::-1]
            after = page.data[-1].id

    async def checkpoints(self, job_id: str) -> list[RemoteCheckpoint]:
        """The job's checkpoints, oldest first."""
        page = await self._call(self.client.fine_tuning.jobs.checkpoints.list(job_id, limit=100))
        return [
            RemoteCheckpoint(
                c.id,
                c.step_number,
                c.fine_tuned_model_checkpoint,
                {k: v for k, v in c.metrics.model_dump().items() if v is not None},
                c.created_at,
            )
            for c in reversed(page.data)
        ]

    async def cancel(self, job_id: str) -> RemoteJob:
        """Cancel a job."""
        return _job(await self._call(self.client.fine_tuning.jobs.cancel(job_id)))

    async def pause(self, job_id: str) -> RemoteJob:
        """Pause a running job."""
        return _job(await self._call(self.client.fine_tuning.jobs.pause(job_id)))

    async def resume(self, job_id: str) -> RemoteJob:
        """Resume a paused job."""
        return _job(await self._call(self.client.fine_tuning.jobs.resume(job_id)))

    async def file_content(self, file_id: str) -> bytes:
        """A file's bytes (OpenAI's result file is CSV, sometimes base64-encoded)."""
        response = await self._call(self.client.files.content(file_id))
        return response.content

    async def models(self) -> list[str]:
        """Model ids, sorted."""
        page = await self._call(self.client.models.list())
        return sorted(m.id for m in page.data)

    async def chat(
        self,
        model: str,
        messages: list[dict[str, Any]],
        usage: dict[str, int] | None = None,
        **options: Any,
    ) -> AsyncIterator[str]:
        """Stream the reply's text as it is generated (usage arrives in the last chunk)."""
        stream = await self._call(
            self.client.chat.completions.create(  # type: ignore[call-overload]
                model=model,
                messages=messages,
                stream=True,
                stream_options={"include_usage": True},
                **options,
            )
        )
        try:
            async for chunk in stream:  # type: ignore[union-attr]
                if chunk.usage is not None and usage is not None:
                    usage["prompt_tokens"] = chunk.usage.prompt_tokens
                    usage["completion_tokens"] = chunk.usage.completion_tokens
                if chunk.choices and chunk.choices[0].delta.content:
                    yield chunk.choices[0].delta.content
        except openai.OpenAIError as err:
            raise translate(err, self.name) from err

    async def complete(
        self, model: str, messages: list[dict[str, Any]], **options: Any
    ) -> Completion:
        """One whole answer and its usage."""
        response = await self._call(
            self.client.chat.completions.create(
                model=model,
                messages=messages,  # type: ignore[arg-type]
                **options,
            )
        )
        return chat_completion(response)

    async def close(self) -> None:
        """Close the HTTP client."""
        await self.client.close()
