"""Fine-tuning jobs in the store: the job rows. Uploaded files live in job_uploads, and what the
watcher brings back (events, metrics, checkpoints) in job_progress; their names are imported
here too, so callers keep importing them from `tuiapp.store.jobs`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tuiapp.store.db import Store, now
from tuiapp.store.job_progress import (  # the public path of what moved out
    METRIC_COLUMNS,
    MetricPoint,
    add_checkpoints,
    add_events,
    add_metrics,
    holdout_loss,
    job_checkpoints,
    job_events,
    job_metrics,
    latest_metrics,
)
from tuiapp.store.job_uploads import find_upload, forget_upload, record_upload, upload_status

__all__ = [
    "CREATING",
    "METRIC_COLUMNS",
    "TERMINAL",
    "Job",
    "MetricPoint",
    "add_checkpoints",
    "add_events",
    "add_metrics",
    "confirm_job",
    "delete_job",
    "find_upload",
    "forget_upload",
    "get_job",
    "holdout_loss",
    "insert_job",
    "insert_pending_job",
    "job_checkpoints",
    "job_events",
    "job_metrics",
    "latest_metrics",
    "list_jobs",
    "record_upload",
    "update_job",
    "upload_status",
]
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
