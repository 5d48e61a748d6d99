"""The provider protocol: what the app needs from a fine-tuning backend, as plain dataclasses.

Every adapter (the OpenAI SDK for OpenAI, Azure, compatible services and the local backend;
Together; Mistral) maps its own objects onto these, and declares what it can do."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from tuiapp.data.job_form import ExtraHyperparameter

TERMINAL = frozenset({"succeeded", "failed", "cancelled"})
HYPERPARAMETERS = ("n_epochs", "batch_size", "learning_rate_multiplier")


@dataclass(frozen=True)
class Capabilities:
    """What a provider supports; screens hide or disable what it lacks."""

    methods: tuple[str, ...] = ("supervised",)
    pause_resume: bool = False
    checkpoints: bool = True
    validation_file: bool = True
    metrics: str = "events"  # events | result_file | none
    chat: bool = True
    n_epochs: bool = True
    batch_size: bool = True
    learning_rate_multiplier: bool = True
    # beyond OpenAI's three: LoRA shape, sequence length... (type, default, range each)
    extra_hyperparameters: tuple[ExtraHyperparameter, ...] = ()

    @property
    def hyperparameters(self) -> tuple[str, ...]:
        """The hyperparameters it takes, of those a job form offers."""
        return tuple(name for name in HYPERPARAMETERS if getattr(self, name))


@dataclass(frozen=True)
class RemoteFile:
    """An uploaded file."""

    id: str
    filename: str
    bytes: int
    status: str  # uploaded | processed | error | ...


@dataclass(frozen=True)
class RemoteJob:
    """A fine-tuning job as the provider reports it (status kept as the provider says it)."""

    id: str
    status: str
    model: str
    fine_tuned_model: str | None = None
    trained_tokens: int | None = None
    estimated_finish: int | None = None
    error: str | None = None
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    result_files: tuple[str, ...] = ()
    created_at: int | None = None
    finished_at: int | None = None

    @property
    def finished(self) -> bool:
        """True once the job can change no more."""
        return self.status in TERMINAL


@dataclass(frozen=True)
class RemoteEvent:
    """One event of a job; `data` holds the metrics of a metrics event."""

    id: str
    created_at: int
    level: str
    type: str
    message: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RemoteCheckpoint:
    """A saved checkpoint of a job, usable as a model."""

    id: str
    step: int
    model_id: str
    metrics: dict[str, Any]
    created_at: int


@dataclass(frozen=True)
class JobRequest:
    """What a new job is made of (hyperparameter values: 'auto' or a number)."""

    model: str
    training_file: str
    validation_file: str | None = None
    method: str = "supervised"
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    suffix: str | None = None
    seed: int | None = None
    client_token: str | None = None  # carried by the job so that it can be found again


@dataclass(frozen=True)
class Timeouts:
    """How long a provider call may wait, in seconds (`[timeouts]` in config.toml)."""

    connect: float = 10.0
    read: float = 120.0


@dataclass(frozen=True)
class Completion:
    """One non-streamed answer with its token usage (None where the provider gives none)."""

    text: str
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


class ProviderError(Exception):
    """A failed call, said plainly: what happened, and what to do about it."""

    def __init__(
        self,
        message: str,
        hint: str = "",
        *,
        status: int | None = None,
        retry_after: float | None = None,
        retryable: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.status = status
        self.retry_after = retry_after
        self.retryable = retryable

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


Progress = Callable[[int, int], None]  # bytes sent, total bytes
TOKEN_METADATA_KEY = "tuiapp_token"  # where OpenAI-shaped providers carry the client token


def timed_out(provider: str, timeouts: Timeouts, err: BaseException) -> ProviderError:
    """The ProviderError for a call that got no answer in time: after how long, and which
    setting gives it longer."""
    cause = f"{type(err).__name__} {type(err.__cause__).__name__}"
    connecting = "Connect" in cause
    which = "connect" if connecting else "read"
    seconds = timeouts.connect if connecting else timeouts.read
    return ProviderError(
        f"{provider}: the request timed out after {seconds:g} s (no {which} answer)",
        f"the service is slow or unreachable; raise `{which}` under [timeouts] in config.toml",
        retryable=True,
    )


def token_in_suffix(suffix: str | None, token: str, limit: int) -> str:
    """A job suffix that carries the client token (for providers without metadata), cut to
    the provider's length limit."""
    if not suffix:
        return token
    kept = suffix[: max(0, limit - len(token) - 1)].rstrip("-_ ")
    return f"{kept}-{token}" if kept else token


def derived_id(prefix: str, *parts: Any) -> str:
    """A stable id for an event or checkpoint a provider gives none (from its content)."""
    return f"{prefix}-" + hashlib.blake2b(repr(parts).encode(), digest_size=8).hexdigest()


def events_after(events: list[RemoteEvent], known: str | None) -> list[RemoteEvent]:
    """The events after the one whose id is `known` (all of them when it is not among them),
    for providers that list a job's whole timeline on every poll."""
    ids = [event.id for event in events]
    return events[ids.index(known) + 1 :] if known in ids else events


class NoPauseResume:
    """For providers that cannot pause or resume a job: say so plainly."""

    name: str

    async def pause(self, job_id: str) -> RemoteJob:
        """Refuse: the provider cannot pause."""
        raise ProviderError(f"{self.name}: jobs cannot be paused", "cancel it, or let it finish")

    async def resume(self, job_id: str) -> RemoteJob:
        """Refuse: the provider cannot resume."""
        raise ProviderError(f"{self.name}: jobs cannot be resumed", "start a new job")


class Provider(Protocol):
    """One fine-tuning backend."""

    name: str
    capabilities: Capabilities

    async def upload(self, path: Path, purpose: str, progress: Progress | None) -> RemoteFile:
        """Upload a JSONL file."""
        ...

    async def file(self, file_id: str) -> RemoteFile:
        """An uploaded file's state (validation status)."""
        ...

    async def create_job(self, request: JobRequest) -> RemoteJob:
        """Start a job, sent once (never retried blindly: the caller looks for it by token)."""
        ...

    async def find_job(self, client_token: str) -> RemoteJob | None:
        """The recent job created with this client token, if the provider has one."""
        ...

    async def job(self, job_id: str) -> RemoteJob:
        """A job's current state."""
        ...

    async def new_events(self, job_id: str, known: str | None) -> list[RemoteEvent]:
        """Events newer than the event `known` (all when None), oldest first."""
        ...

    async def checkpoints(self, job_id: str) -> list[RemoteCheckpoint]:
        """The job's checkpoints, oldest first."""
        ...

    async def cancel(self, job_id: str) -> RemoteJob:
        """Cancel a job."""
        ...

    async def pause(self, job_id: str) -> RemoteJob:
        """Pause a job (when capabilities.pause_resume)."""
        ...

    async def resume(self, job_id: str) -> RemoteJob:
        """Resume a paused job."""
        ...

    async def file_content(self, file_id: str) -> bytes:
        """A file's bytes (result files)."""
        ...

    async def models(self) -> list[str]:
        """Model ids the provider offers (base and fine-tuned)."""
        ...

    def chat(
        self,
        model: str,
        messages: list[dict[str, Any]],
        usage: dict[str, int] | None = None,
        **options: Any,
    ) -> AsyncIterator[str]:
        """Stream a chat completion's text; token counts go into `usage` when the provider
        reports them (prompt_tokens, completion_tokens)."""
        ...

    async def complete(
        self, model: str, messages: list[dict[str, Any]], **options: Any
    ) -> Completion:
        """One whole answer with its token usage (evaluation uses this)."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...
