"""Jobs moved to another provider: the link from the old job to the new one, the mapping it
was started with, and the evaluation runs of both models on the same holdout."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tuiapp.store.db import Store, now


@dataclass(frozen=True)
class Retrain:
    """One move of a job to a provider and model."""

    id: int
    old_job: int
    new_job: int | None  # None until the new job's row exists
    provider: str
    model: str
    mapping: dict[str, Any]
    old_run: int | None
    new_run: int | None
    created_at: str
    last_job_before: int  # every job after this id was created since the move was recorded

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Retrain:
        """Build from a `retrains` row."""
        return cls(**{**row, "mapping": json.loads(row["mapping"])})


def add_retrain(
    store: Store, old_job: int, provider: str, model: str, mapping: dict[str, Any]
) -> Retrain:
    """Record a move before its job is created (the new job is linked once it exists)."""
    with store.conn:
        cur = store.conn.execute(
            "INSERT INTO retrains(old_job, provider, model, mapping, created_at, last_job_before) "
            "VALUES (?, ?, ?, ?, ?, (SELECT COALESCE(MAX(id), 0) FROM jobs))",
            [old_job, provider, model, json.dumps(mapping), now()],
        )
    return get_retrain(store, int(cur.lastrowid or 0))


def get_retrain(store: Store, retrain_id: int) -> Retrain:
    """One move (KeyError if there is none)."""
    rows = list(store.rows("SELECT * FROM retrains WHERE id = ?", [retrain_id]))
    if not rows:
        raise KeyError(f"no retrain with id {retrain_id}")
    return Retrain.from_row(rows[0])


def retrains_of(store: Store, old_job: int) -> list[Retrain]:
    """Every move of a job, newest first."""
    rows = store.rows("SELECT * FROM retrains WHERE old_job = ? ORDER BY id DESC", [old_job])
    return [Retrain.from_row(r) for r in rows]


def retrain_into(store: Store, new_job: int) -> Retrain | None:
    """The move that made this job, if one did."""
    rows = list(store.rows("SELECT * FROM retrains WHERE new_job = ?", [new_job]))
    return Retrain.from_row(rows[0]) if rows else None


def comparisons_left(store: Store) -> list[int]:
    """The new jobs of moves whose job has succeeded but whose new model's evaluation was
    never finished (the app stopped before or while it ran), oldest first."""
    rows = store.rows(
        "SELECT r.new_job FROM retrains r JOIN jobs j ON j.id = r.new_job "
        "LEFT JOIN eval_runs e ON e.id = r.new_run "
        "WHERE j.status = 'succeeded' AND (e.id IS NULL OR e.status != 'completed') "
        "ORDER BY r.id",
    )
    return [int(r["new_job"]) for r in rows]


def set_retrain(store: Store, retrain_id: int, **fields: int | None) -> Retrain:
    """Link the new job or an evaluation run (new_job, old_run, new_run)."""
    allowed = {"new_job", "old_run", "new_run"}
    assert set(fields) <= allowed, f"unknown retrain fields {set(fields) - allowed}"
    if fields:
        sets = ", ".join(f"{name} = ?" for name in fields)
        with store.conn:
            store.conn.execute(
                f"UPDATE retrains SET {sets} WHERE id = ?", [*fields.values(), retrain_id]
            )
    return get_retrain(store, retrain_id)


def job_started_since(
    store: Store, version_id: int, provider: str, model: str, after_job: int
) -> int | None:
    """A job on this version, provider and base model created after job `after_job` (the one
    a move left unlinked when the app stopped mid-create), if any. By id, not by time: the
    old job, made in the same second as the move, was adopted as its own retrain."""
    row = store.conn.execute(
        "SELECT id FROM jobs WHERE version_id = ? AND provider = ? AND base_model = ? "
        "AND id > ? ORDER BY id LIMIT 1",
        [version_id, provider, model, after_job],
    ).fetchone()
    return int(row[0]) if row else None
