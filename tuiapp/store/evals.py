"""Evaluation runs in the store: the run, every output (written as it arrives, so a killed
run resumes where it stopped), and the scores."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tuiapp.store.db import Store, now


@dataclass(frozen=True)
class EvalRun:
    """One model over one side of a version."""

    id: int
    version_id: int
    split: str
    provider: str
    model: str
    job_id: int | None
    params: dict[str, Any]
    status: str  # running | completed | failed
    total: int
    scores: dict[str, Any]
    created_at: str
    finished_at: str | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> EvalRun:
        """Build from an `eval_runs` row."""
        return cls(
            **{**row, "params": json.loads(row["params"]), "scores": json.loads(row["scores"])}
        )


@dataclass(frozen=True)
class EvalOutput:
    """What the model answered for one item (or why it could not)."""

    position: int
    example_id: int
    output: str | None
    error: str | None
    latency_ms: float | None
    prompt_tokens: int | None
    completion_tokens: int | None


def create_run(
    store: Store,
    version_id: int,
    provider: str,
    model: str,
    total: int,
    *,
    split: str = "holdout",
    job_id: int | None = None,
    params: dict[str, Any] | None = None,
) -> EvalRun:
    """Record a new run."""
    with store.conn:
        cur = store.conn.execute(
            "INSERT INTO eval_runs(version_id, split, provider, model, job_id, params, total, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [version_id, split, provider, model, job_id, json.dumps(params or {}), total, now()],
        )
    return get_run(store, int(cur.lastrowid or 0))


def get_run(store: Store, run_id: int) -> EvalRun:
    """One run (KeyError if there is none)."""
    rows = list(store.rows("SELECT * FROM eval_runs WHERE id = ?", [run_id]))
    if not rows:
        raise KeyError(f"no evaluation run with id {run_id}")
    return EvalRun.from_row(rows[0])


def list_runs(store: Store, version_id: int | None = None) -> list[EvalRun]:
    """Runs, newest first."""
    sql, params = "SELECT * FROM eval_runs", []
    if version_id is not None:
        sql, params = sql + " WHERE version_id = ?", [version_id]
    return [EvalRun.from_row(r) for r in store.rows(sql + " ORDER BY id DESC", params)]


def save_output(store: Store, run_id: int, item: EvalOutput) -> None:
    """Store (or replace a failed) output the moment it arrives."""
    with store.conn:
        store.conn.execute(
            "INSERT OR REPLACE INTO eval_outputs(run_id, position, example_id, output, error, "
            "latency_ms, prompt_tokens, completion_tokens) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                run_id,
                item.position,
                item.example_id,
                item.output,
                item.error,
                item.latency_ms,
                item.prompt_tokens,
                item.completion_tokens,
            ],
        )


def outputs(store: Store, run_id: int) -> dict[int, EvalOutput]:
    """Every stored output of a run, by position."""
    rows = store.conn.execute(
        "SELECT position, example_id, output, error, latency_ms, prompt_tokens, "
        "completion_tokens FROM eval_outputs WHERE run_id = ? ORDER BY position",
        [run_id],
    ).fetchall()
    return {r[0]: EvalOutput(*r) for r in rows}


def finish_run(store: Store, run_id: int, status: str, scores: dict[str, Any]) -> None:
    """Mark the run done with its scores."""
    with store.conn:
        store.conn.execute(
            "UPDATE eval_runs SET status = ?, scores = ?, finished_at = ? WHERE id = ?",
            [status, json.dumps(scores), now(), run_id],
        )
