"""Fireworks' REST shapes, mapped to ours: job states, the create body of a supervised or DPO
job, a job as a RemoteJob, its events and its metrics file.

Field names follow the resource types of the official SDK (fireworks-ai 1.2.30,
`fireworks/types/supervised_fine_tuning_job.py`, `dpo_job.py`, `shared/training_config.py`)
and https://docs.fireworks.ai/fine-tuning/fine-tuning-via-api (datasets)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import IO, TYPE_CHECKING, Any

from tuiapp.providers.base import (
    JobRequest,
    ProviderError,
    RemoteEvent,
    RemoteJob,
    derived_id,
    token_in_suffix,
)

if TYPE_CHECKING:
    import httpx

    from tuiapp.providers.base import Progress

SFT = "supervisedFineTuningJobs"
DPO = "dpoJobs"
STATES = {  # Fireworks JobState -> ours (unknown ones are kept as Fireworks says them)
    "JOB_STATE_UNSPECIFIED": "queued",
    "JOB_STATE_CREATING": "queued",
    "JOB_STATE_PENDING": "queued",
    "JOB_STATE_IDLE": "queued",
    "JOB_STATE_RE_QUEUEING": "queued",
    "JOB_STATE_VALIDATING": "validating_files",
    "JOB_STATE_CREATING_INPUT_DATASET": "validating_files",
    "JOB_STATE_RUNNING": "running",
    "JOB_STATE_WRITING_RESULTS": "running",
    "JOB_STATE_COMPLETED": "succeeded",
    "JOB_STATE_EARLY_STOPPED": "succeeded",
    "JOB_STATE_FAILED": "failed",
    "JOB_STATE_EXPIRED": "failed",
    "JOB_STATE_CANCELLING": "cancelling",
    "JOB_STATE_CANCELLED": "cancelled",
    "JOB_STATE_DELETING": "cancelled",
    "JOB_STATE_DELETING_CLEANING_UP": "cancelled",
    "JOB_STATE_PAUSED": "paused",
}
# our hyperparameter name -> Fireworks' field (the form's three, then Fireworks' own)
FIELDS = {
    "n_epochs": "epochs",
    "batch_size": "batchSize",
    "learning_rate": "learningRate",
    "lora_rank": "loraRank",
    "max_context_length": "maxContextLength",
}
FLOATS = {"learning_rate"}
UNSUPPORTED_METHODS = {
    "reinforcement": "reinforcement fine-tuning needs an evaluator Fireworks runs; tuiapp does "
    "not drive one yet: use supervised or dpo",
}
NAME_LIMIT = 63  # Fireworks resource ids: lowercase letters, digits and hyphens
FIREWORKS_MODELS = "accounts/fireworks/models/"


def seconds(value: Any) -> int | None:
    """Unix seconds from Fireworks' RFC 3339 times."""
    if not value:
        return None
    return int(datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp())


def model_name(model: str) -> str:
    """A full model resource name (a bare id is one of Fireworks' own models)."""
    return model if model.startswith("accounts/") else FIREWORKS_MODELS + model


def job_id_for(token: str | None) -> str | None:
    """The job id we choose, so that a lost create is found by its token."""
    return f"tuiapp-{token}".lower()[:NAME_LIMIT] if token else None


def create_body(request: JobRequest, account: str) -> dict[str, Any]:
    """The body of a supervised or DPO create request (hyperparameters by Fireworks' names)."""
    if request.method in UNSUPPORTED_METHODS:
        hint = UNSUPPORTED_METHODS[request.method]
        raise ProviderError(f"fireworks: no {request.method} jobs", hint)
    if request.method not in ("supervised", "dpo"):
        raise ProviderError(f"fireworks: unknown method {request.method!r}", "supervised or dpo")
    config: dict[str, Any] = {"baseModel": model_name(request.model)}
    for name, value in request.hyperparameters.items():
        if name not in FIELDS:
            hint = "Fireworks takes an absolute learning_rate; leave the multiplier on auto"
            raise ProviderError(f"fireworks: no {name}", hint if "learning" in name else "")
        if value != "auto":
            config[FIELDS[name]] = float(value) if name in FLOATS else int(value)
    shown = request.suffix
    if request.client_token:
        shown = token_in_suffix(request.suffix, request.client_token, NAME_LIMIT)
    dataset = f"accounts/{account}/datasets/{request.training_file}"
    body: dict[str, Any] = {"dataset": dataset, **({"displayName": shown} if shown else {})}
    if request.method == "dpo":
        if request.validation_file:
            raise ProviderError(
                "fireworks: DPO jobs take no evaluation dataset",
                "train without a holdout (--no-holdout), or evaluate it afterwards",
            )
        return {**body, "trainingConfig": config}
    if request.validation_file:
        body["evaluationDataset"] = f"accounts/{account}/datasets/{request.validation_file}"
    return {**body, **config}


def short_id(name: str) -> str:
    """Our id of a job: `supervisedFineTuningJobs/x` or `dpoJobs/x` (its name less the account)."""
    parts = name.split("/")
    return "/".join(parts[-2:]) if len(parts) >= 2 else f"{SFT}/{name}"


def remote_job(job: dict[str, Any]) -> RemoteJob:
    """A Fireworks job (supervised or DPO) as a RemoteJob."""
    state = str(job.get("state") or "JOB_STATE_UNSPECIFIED")
    status = STATES.get(state, state)
    config = job.get("trainingConfig") or job  # DPO nests its settings, SFT keeps them flat
    hyper = {ours: config[theirs] for ours, theirs in FIELDS.items() if config.get(theirs)}
    message = (job.get("status") or {}).get("message")
    progress = job.get("jobProgress") or {}
    return RemoteJob(
        id=short_id(str(job.get("name", ""))),
        status=status,
        model=str(config.get("baseModel") or ""),
        fine_tuned_model=config.get("outputModel") if status == "succeeded" else None,
        trained_tokens=progress.get("inputTokens"),
        error=(message or "the job failed") if status == "failed" else None,
        hyperparameters=hyper,
        created_at=seconds(job.get("createTime")),
        finished_at=seconds(job.get("completedTime")),
    )


def job_events(job: dict[str, Any]) -> list[RemoteEvent]:
    """The events a job's own fields tell (Fireworks has no event list): created, its state
    now, completed; ids derived from their content, so a second poll adds nothing."""
    said: list[tuple[int, str, str]] = []
    if job.get("createTime"):
        said.append((seconds(job["createTime"]) or 0, "info", "job created"))
    state = str(job.get("state") or "")
    message = (job.get("status") or {}).get("message") or ""
    if state and job.get("updateTime"):
        level = "error" if STATES.get(state) == "failed" else "info"
        text = f"{state.removeprefix('JOB_STATE_').lower()}" + (f": {message}" if message else "")
        said.append((seconds(job["updateTime"]) or 0, level, text))
    if job.get("completedTime"):
        said.append((seconds(job["completedTime"]) or 0, "info", "job finished"))
    return [
        RemoteEvent(derived_id("fw", at, text), at, level, "message", text)
        for at, level, text in sorted(said)
    ]


def _first(row: dict[str, Any], *keys: str) -> Any:
    """The first of these keys the row has."""
    return next((row[k] for k in keys if row.get(k) is not None), None)


def metrics_events(text: str) -> list[RemoteEvent]:
    """Metrics events from a metrics file: JSON lines with a `step` and the values flat or
    under `data` (`train/loss`, `eval/loss`...); lines that are not that are skipped."""
    events: list[RemoteEvent] = []
    for line in text.splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if not isinstance(row, dict) or not isinstance(row.get("step"), int | float):
            continue
        values: dict[str, Any] = row["data"] if isinstance(row.get("data"), dict) else row
        step = int(row["step"])
        data = {
            "step": step,
            "train_loss": _first(values, "train/loss", "train_loss", "loss"),
            "valid_loss": _first(values, "eval/loss", "eval_loss", "valid_loss"),
        }
        at = seconds(row.get("timestamp")) if isinstance(row.get("timestamp"), str) else None
        eid = derived_id("fw", "metrics", step)
        events.append(RemoteEvent(eid, at or 0, "info", "metrics", f"step {step}", data))
    return events


class Counted:
    """A file read in chunks that reports the bytes read so far (httpx reads it to send)."""

    def __init__(self, handle: IO[bytes], total: int, progress: Progress | None) -> None:
        self.handle, self.total, self.progress, self.sent = handle, total, progress, 0

    def fileno(self) -> int:
        """The file's descriptor (so httpx knows the length and sends no chunked body)."""
        return self.handle.fileno()

    def seek(self, offset: int, whence: int = 0) -> int:
        """Move in the file; back to the start counts from zero again."""
        self.sent = self.handle.seek(offset, whence)
        return self.sent

    def tell(self) -> int:
        """Where in the file the next read starts."""
        return self.handle.tell()

    def read(self, size: int = -1) -> bytes:
        """The next chunk, counted."""
        chunk = self.handle.read(size)
        self.sent += len(chunk)
        if self.progress is not None and chunk:
            self.progress(self.sent, self.total)
        return chunk


def error_detail(response: httpx.Response) -> str:
    """The message of an error answer (`{"error": {"message"}}` or `{"message"}`)."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    inner = body.get("error", body) if isinstance(body, dict) else {}
    return str(inner.get("message") if isinstance(inner, dict) else inner) or response.reason_phrase
