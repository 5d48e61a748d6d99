"""Together AI through its official SDK (`together`, extra `tuiapp[together]`), mapped onto
the provider protocol. What Together lacks (pause/resume, a learning-rate multiplier) is
declared unavailable, not faked. Its events have no ids, so ids are derived from their content;
its loss curve comes from the metrics endpoint and is handed on as `metrics` events. Together
jobs carry no metadata, so the client token rides in the suffix (and so in the model name);
the create request is sent once (no SDK retry) and a lost one is found by that suffix."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from tuiapp.providers.adapter import Connection, adapter
from tuiapp.providers.base import (
    Capabilities,
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
    timed_out,
    token_in_suffix,
)
from tuiapp.providers.client_setup import base_url, transport_client
from tuiapp.providers.errors import connection_error, status_error
from tuiapp.providers.openai_shaped import OpenAIShapedChat

T = TypeVar("T")

CAPABILITIES = Capabilities(
    methods=("supervised", "dpo"),
    pause_resume=False,
    checkpoints=True,
    validation_file=True,
    metrics="metrics endpoint",
    learning_rate_multiplier=False,
)
STATUSES = {  # Together -> ours (unknown ones are kept as Together says them)
    "pending": "queued",
    "queued": "queued",
    "running": "running",
    "compressing": "running",
    "uploading": "running",
    "cancel_requested": "cancelling",
    "cancelled": "cancelled",
    "error": "failed",
    "completed": "succeeded",
}
EVALS = 10  # validation passes per job when a validation file is given
SUFFIX_LIMIT = 40  # characters Together accepts in a suffix


def _seconds(value: Any) -> int | None:
    """Unix seconds from an ISO string, a datetime or a number."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return int(value.timestamp())


def _first(row: dict[str, Any], *keys: str) -> Any:
    """The first of these keys the metrics row has (Together logs `train/loss`-style names)."""
    return next((row[k] for k in keys if row.get(k) is not None), None)


class TogetherProvider(OpenAIShapedChat, NoPauseResume):
    """A provider over `together.AsyncTogether` (its chat API is OpenAI-shaped)."""

    name = "together"
    capabilities = CAPABILITIES

    def __init__(self, client: Any, timeouts: Timeouts | None = None) -> None:
        self.client = self.chat_client = client
        self.timeouts = timeouts or Timeouts()

    async def _call(self, call: Awaitable[T]) -> T:
        """Await an SDK call; its failures become ProviderErrors."""
        import together

        try:
            return await call
        except together.APITimeoutError as err:
            raise timed_out(self.name, self.timeouts, err) from err
        except together.APIStatusError as err:
            raise status_error(self.name, err.status_code, err.message) from err
        except together.APIConnectionError as err:
            raise connection_error(self.name, err) from err

    async def _chat_call(self, call: Awaitable[T]) -> T:
        """A chat call, its failures as ProviderErrors (the SDK's own exceptions)."""
        return await self._call(call)

    async def upload(self, path: Path, purpose: str, progress: Progress | None) -> RemoteFile:
        """Upload through the SDK's presigned-URL flow, reporting bytes sent."""
        report = None if progress is None else (lambda p: progress(p.uploaded_bytes, p.total_bytes))
        done = await self._call(
            self.client.files.upload(path, purpose=purpose, check=False, progress_callback=report)
        )
        return RemoteFile(done.id, done.filename, done.bytes, str(done.processing_status or ""))

    async def file(self, file_id: str) -> RemoteFile:
        """An uploaded file's state."""
        found = await self._call(self.client.files.retrieve(file_id))
        return RemoteFile(found.id, found.filename, found.bytes, str(found.processing_status or ""))

    async def create_job(self, request: JobRequest) -> RemoteJob:
        """Start a LoRA job; n_epochs and batch_size map across, the multiplier cannot."""
        hyper = request.hyperparameters
        if "learning_rate_multiplier" in hyper:
            raise ProviderError(
                "together: no learning_rate_multiplier",
                "Together takes an absolute learning rate; leave the multiplier on auto",
            )
        options: dict[str, Any] = {
            "training_file": request.training_file,
            "model": request.model,
            "n_epochs": int(hyper.get("n_epochs", 1)),
            "training_method": "dpo" if request.method == "dpo" else "sft",
        }
        if "batch_size" in hyper:
            options["batch_size"] = int(hyper["batch_size"])
        if request.validation_file:
            options["validation_file"] = request.validation_file
            options["n_evals"] = EVALS
        if request.client_token:
            options["suffix"] = token_in_suffix(request.suffix, request.client_token, SUFFIX_LIMIT)
        elif request.suffix:
            options["suffix"] = request.suffix
        if request.seed is not None:
            options["random_seed"] = request.seed
        once = self.client.with_options(max_retries=0)  # a retried POST could make two jobs
        return self._job(await self._call(once.fine_tuning.create(**options)))

    async def find_job(self, client_token: str) -> RemoteJob | None:
        """The job whose suffix (or output model name) ends with this token."""
        listed = await self._call(self.client.fine_tuning.list())
        for job in listed.data or []:
            names = (getattr(job, "suffix", None) or "", getattr(job, "x_model_output_name", ""))
            if any(client_token in (name or "") for name in names):
                return self._job(job)
        return None

    def _job(self, job: Any) -> RemoteJob:
        """A Together job as a RemoteJob."""
        status = str(job.status)
        hyper = {"n_epochs": job.n_epochs, "batch_size": job.batch_size}
        return RemoteJob(
            id=job.id,
            status=STATUSES.get(status, status),
            model=job.model or "",
            fine_tuned_model=job.x_model_output_name if status == "completed" else None,
            trained_tokens=getattr(job, "token_count", None),
            estimated_finish=None,
            error=None if status != "error" else "the job failed (see its events)",
            hyperparameters={k: v for k, v in hyper.items() if v is not None},
            created_at=_seconds(job.created_at),
        )

    async def job(self, job_id: str) -> RemoteJob:
        """A job's current state."""
        return self._job(await self._call(self.client.fine_tuning.retrieve(job_id)))

    async def new_events(self, job_id: str, known: str | None) -> list[RemoteEvent]:
        """Events and metrics after `known`, oldest first (Together returns them all)."""
        listed = await self._call(self.client.fine_tuning.list_events(job_id))
        events = [
            RemoteEvent(
                derived_id("tg", e.created_at, e.message, e.type),
                _seconds(e.created_at) or 0,
                str(e.level or "info"),
                "message",
                e.message,
            )
            for e in listed.data
        ]
        metrics = await self._call(self.client.fine_tuning.list_metrics(job_id))
        for row in metrics.metrics or []:
            step = _first(row, "train/global_step", "global_step", "step")
            if step is None:
                continue
            data = {
                "step": int(step),
                "train_loss": _first(row, "train/loss", "train_loss", "loss"),
                "valid_loss": _first(row, "eval/loss", "eval_loss", "valid_loss"),
            }
            at = int(_first(row, "timestamp", "logged_at") or 0)
            events.append(
                RemoteEvent(
                    derived_id("tg", "metrics", step), at, "info", "metrics", f"step {step}", data
                )
            )
        return events_after(events, known)

    async def checkpoints(self, job_id: str) -> list[RemoteCheckpoint]:
        """The job's checkpoints, oldest first."""
        listed = await self._call(self.client.fine_tuning.list_checkpoints(job_id))
        return sorted(
            (
                RemoteCheckpoint(
                    derived_id("tg", c.path),
                    c.step,
                    c.object_name or c.path,
                    {},
                    _seconds(c.created_at) or 0,
                )
                for c in listed.data
            ),
            key=lambda c: c.step,
        )

    async def cancel(self, job_id: str) -> RemoteJob:
        """Cancel a job."""
        await self._call(self.client.fine_tuning.cancel(job_id))
        return await self.job(job_id)

    async def file_content(self, file_id: str) -> bytes:
        """A file's bytes."""
        response = await self._call(self.client.files.content(file_id))
        return bytes(await response.read())

    async def models(self) -> list[str]:
        """Model ids, sorted."""
        import httpx

        response = await self._call(self.client.get("/v1/models", cast_to=httpx.Response))
        listed = response.json()
        rows = listed.get("data", []) if isinstance(listed, dict) else listed
        return sorted(str(m["id"]) for m in rows if isinstance(m, dict) and "id" in m)

    async def close(self) -> None:
        """Close the HTTP client."""
        await self.client.close()


@adapter(
    "together",
    "Together AI",
    default_base="meta-llama/Meta-Llama-3.1-8B-Instruct-Reference",
    extra="together",
    key_env="TOGETHER_API_KEY",
    env=("TOGETHER_BASE_URL",),
    capabilities=CAPABILITIES,
)
async def connect(link: Connection) -> TogetherProvider:
    """A client over `together.AsyncTogether` with the configured timeouts."""
    from together import AsyncTogether, Timeout

    timeout = Timeout(link.timeouts.read, connect=link.timeouts.connect)
    url = base_url(link, "TOGETHER_BASE_URL", "") or None  # None: the SDK's own address
    client = AsyncTogether(
        api_key=link.key, base_url=url, timeout=timeout, http_client=transport_client(link)
    )
    return TogetherProvider(client, link.timeouts)
