"""Fine-tuning jobs in the store: uploaded files (reused by content hash), jobs, and what the
watcher brings back (events, metrics, checkpoints)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from tuiapp.store.db import Store, now

TERMINAL = ("succeeded", "failed", "cancelled")
CREATING = "creating"  # written before the create request is sent; not confirmed yet


@dataclass(frozen=True)
class Job:
    """A job as the app knows it."""

    id: int
    provider: str
    remote_id: str
    version_id: int | None
    base_model: str
    method: str
    requested: dict[str, Any]  # what the person asked for ("auto" or a value)
    hyperparameters: dict[str, Any]  # what the provider resolved them to
    suffix: str | None
    seed: int | None
    training_file: str
    validation_file: str | None
    status: str
    fine_tuned_model: str | None
    trained_tokens: int | None
    estimated_finish: int | None
    error: str | None
    estimate: dict[str, Any]
    result_files: list[str]
    last_event_id: str | None
    created_at: str
    updated_at: str
    finished_at: str | None
    client_token: str | None = None  # sent with the create request, to find the job again

    @property
    def creating(self) -> bool:
        """True while the provider has not confirmed the job (its remote id is not known)."""
        return self.status == CREATING

    @property
    def finished(self) -> bool:
        """True once the job can change no more."""
        return self.status in TERMINAL

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Job:
        """Build from a `jobs` row."""
        return cls(
            **{
                **row,
                "requested": json.loads(row["requested"]),
                "hyperparameters": json.loads(row["hyperparameters"]),
                "estimate": json.loads(row["estimate"]),
                "result_files": json.loads(row["result_files"]),
            }
        )


@dataclass(frozen=True)
class MetricPoint:
    """One step's metrics (None where the provider reported nothing)."""

    step: int
    total_steps: int | None
    train_loss: float | None
    train_accuracy: float | None
    valid_loss: float | None
    valid_accuracy: float | None
    full_valid_loss: float | None
    full_valid_accuracy: float | None
    at: int | None


METRIC_COLUMNS = (
    "step",
    "total_steps",
    "train_loss",
    "train_accuracy",
    "valid_loss",
    "valid_accuracy",
    "full_valid_loss",
    "full_valid_accuracy",
    "at",
)


# --- uploaded files -----------------------------------------------------------------------
def find_upload(store: Store, provider: str, content_hash: str, purpose: str) -> str | None:
    """The file id of content already uploaded to this provider, if any."""
    row = store.conn.execute(
        "SELECT file_id FROM provider_files WHERE provider = ? AND content_hash = ? "
        "AND purpose = ? AND status != 'error'",
        [provider, content_hash, purpose],
    ).fetchone()
    return row[0] if row else None


def record_upload(
    store: Store,
    provider: str,
    content_hash: str,
    purpose: str,
    file_id: str,
    filename: str,
    size: int,
    status: str,
) -> None:
    """Remember an uploaded file (replacing a failed one of the same content)."""
    with store.conn:
        store.conn.execute(
            "INSERT OR REPLACE INTO provider_files(provider, content_hash, purpose, file_id, "
            "filename, bytes, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [provider, content_hash, purpose, file_id, filename, size, status, now()],
        )


def upload_status(store: Store, provider: str, file_id: str) -> str | None:
    """The status the provider gave an uploaded file (its validation), if we uploaded it."""
    row = store.conn.execute(
        "SELECT status FROM provider_files WHERE provider = ? AND file_id = ?", [provider, file_id]
    ).fetchone()
    return row[0] if row else None


def forget_upload(store: Store, provider: str, file_id: str) -> None:
    """Drop a remembered file (the provider no longer has it)."""
    with store.conn:
        store.conn.execute(
            "DELETE FROM provider_files WHERE provider = ? AND file_id = ?", [provider, file_id]
        )


# --- jobs ---------------------------------------------------------------------------------
def insert_job(store: Store, **fields: Any) -> Job:
    """Record a job the provider just created."""
    fields = {
        **fields,
        "requested": json.dumps(fields.get("requested", {})),
        "hyperparameters": json.dumps(fields.get("hyperparameters", {})),
        "estimate": json.dumps(fields.get("estimate", {})),
        "created_at": now(),
        "updated_at": now(),
    }
    columns = ", ".join(fields)
    marks = ", ".join("?" * len(fields))
    with store.conn:
        cur = store.conn.execute(
            f"INSERT INTO jobs({columns}) VALUES ({marks})", list(fields.values())
        )
    return get_job(store, int(cur.lastrowid or 0))


def insert_pending_job(store: Store, client_token: str, **fields: Any) -> Job:
    """Record a job about to be created, before the request is sent (remote id unknown yet)."""
    return insert_job(
        store,
        **fields,
        remote_id=f"pending:{client_token}",
        client_token=client_token,
        status=CREATING,
    )


def confirm_job(store: Store, job_id: int, remote_id: str, status: str, **fields: Any) -> Job:
    """A pending job the provider created (or that was found there by its token)."""
    update_job(store, job_id, remote_id=remote_id, status=status, **fields)
    return get_job(store, job_id)


def delete_job(store: Store, job_id: int) -> None:
    """Drop a job row (a create the provider refused: no job exists)."""
    with store.conn:
        store.conn.execute("DELETE FROM jobs WHERE id = ?", [job_id])


def update_job(store: Store, job_id: int, **fields: Any) -> None:
    """Change some columns of a job."""
    if "result_files" in fields:
        fields["result_files"] = json.dumps(fields["result_files"])
    if "hyperparameters" in fields:
        fields["hyperparameters"] = json.dumps(fields["hyperparameters"])
    fields["updated_at"] = now()
    sets = ", ".join(f"{name} = ?" for name in fields)
    with store.conn:
        store.conn.execute(f"UPDATE jobs SET {sets} WHERE id = ?", [*fields.values(), job_id])


def get_job(store: Store, job_id: int) -> Job:
    """One job (KeyError if there is none)."""
    rows = list(store.rows("SELECT * FROM jobs WHERE id = ?", [job_id]))
    if not rows:
        raise KeyError(f"no job with id {job_id}")
    return Job.from_row(rows[0])


def list_jobs(store: Store, unfinished: bool = False) -> list[Job]:
    """Jobs, newest first (only those still running, when asked)."""
    sql = "SELECT * FROM jobs"
    if unfinished:
        sql += f" WHERE status NOT IN {TERMINAL!r}"
    return [Job.from_row(r) for r in store.rows(sql + " ORDER BY id DESC")]


# --- what the watcher brings back ---------------------------------------------------------
def add_events(store: Store, job_id: int, events: Sequence[Any]) -> int:
    """Store events (RemoteEvent-like, oldest first), ignoring ones already stored; they keep
    the order they arrived in (events of the same second included). Returns how many."""
    with store.conn:
        start = store.conn.execute(
            "SELECT COALESCE(MAX(seq), 0) FROM job_events WHERE job_id = ?", [job_id]
        ).fetchone()[0]
        before = store.conn.total_changes
        store.conn.executemany(
            "INSERT OR IGNORE INTO job_events(job_id, event_id, seq, created_at, level, type, "
            "message, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    job_id,
                    e.id,
                    start + i,
                    e.created_at,
                    e.level,
                    e.type,
                    e.message,
                    json.dumps(e.data),
                )
                for i, e in enumerate(events, start=1)
            ],
        )
        return store.conn.total_changes - before


def add_metrics(store: Store, job_id: int, points: Iterable[MetricPoint]) -> None:
    """Store metric points; a step already stored keeps its values and gains missing ones."""
    with store.conn:
        for p in points:
            values = [getattr(p, c) for c in METRIC_COLUMNS]
            store.conn.execute(
                f"INSERT INTO job_metrics(job_id, {', '.join(METRIC_COLUMNS)}) "
                f"VALUES (?, {', '.join('?' * len(METRIC_COLUMNS))}) "
                "ON CONFLICT(job_id, step) DO UPDATE SET "
                + ", ".join(
                    f"{c} = COALESCE(job_metrics.{c}, excluded.{c})" for c in METRIC_COLUMNS[1:]
                ),
                [job_id, *values],
            )


def add_checkpoints(store: Store, job_id: int, checkpoints: Iterable[Any]) -> None:
    """Store checkpoints (RemoteCheckpoint-like), ignoring ones already stored."""
    with store.conn:
        store.conn.executemany(
            "INSERT OR IGNORE INTO job_checkpoints(job_id, checkpoint_id, step, model_id, "
            "metrics, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            [
                (job_id, c.id, c.step, c.model_id, json.dumps(c.metrics), c.created_at)
                for c in checkpoints
            ],
        )


def job_metrics(store: Store, job_id: int, since_step: int = -1) -> list[MetricPoint]:
    """A job's metrics in step order (after `since_step`)."""
    rows = store.conn.execute(
        f"SELECT {', '.join(METRIC_COLUMNS)} FROM job_metrics WHERE job_id = ? AND step > ? "
        "ORDER BY step",
        [job_id, since_step],
    ).fetchall()
    return [MetricPoint(*r) for r in rows]


def latest_metrics(store: Store, job_id: int) -> tuple[MetricPoint | None, float | None]:
    """The last step's metrics and the last validation loss (two indexed lookups, whatever
    the number of steps: the jobs list calls this for every job on every poll)."""
    row = store.conn.execute(
        f"SELECT {', '.join(METRIC_COLUMNS)} FROM job_metrics WHERE job_id = ? "
        "ORDER BY step DESC LIMIT 1",
        [job_id],
    ).fetchone()
    valid = store.conn.execute(
        "SELECT valid_loss FROM job_metrics WHERE job_id = ? AND valid_loss IS NOT NULL "
        "ORDER BY step DESC LIMIT 1",
        [job_id],
    ).fetchone()
    return (MetricPoint(*row) if row else None), (valid[0] if valid else None)


def holdout_loss(store: Store, job_id: int) -> tuple[float, str] | None:
    """The job's loss on its holdout: the last full validation pass when the provider ran one
    (the local backend does, over the whole validation file, at every epoch), else the last
    sampled validation loss; with which of the two it is."""
    for checkpoint in reversed(job_checkpoints(store, job_id)):  # OpenAI-style checkpoints
        full = checkpoint["metrics"].get("full_valid_loss")
        if isinstance(full, int | float):
            return float(full), "full holdout"
    for column, source in (("full_valid_loss", "full holdout"), ("valid_loss", "validation batch")):
        row = store.conn.execute(
            f"SELECT {column} FROM job_metrics WHERE job_id = ? AND {column} IS NOT NULL "
            "ORDER BY step DESC LIMIT 1",
            [job_id],
        ).fetchone()
        if row:
            return float(row[0]), source
    return None


def job_events(store: Store, job_id: int, limit: int = 200) -> list[dict[str, Any]]:
    """A job's newest events, oldest of them first."""
    rows = list(
        store.rows(
            "SELECT event_id, created_at, level, type, message FROM job_events WHERE job_id = ? "
            "ORDER BY seq DESC LIMIT ?",
            [job_id, limit],
        )
    )
    return rows[::-1]


def job_checkpoints(store: Store, job_id: int) -> list[dict[str, Any]]:
    """A job's checkpoints in step order."""
    rows = store.rows(
        "SELECT checkpoint_id, step, model_id, metrics, created_at FROM job_checkpoints "
        "WHERE job_id = ? ORDER BY step",
        [job_id],
    )
    return [{**r, "metrics": json.loads(r["metrics"])} for r in rows]
