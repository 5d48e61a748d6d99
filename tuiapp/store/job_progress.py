"""What the watcher brings back of a job, stored and read: its events, its metrics step by step,
its checkpoints, and the holdout loss read from them."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from tuiapp.store.db import Store


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
