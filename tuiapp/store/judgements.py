"""LLM judge runs in the store: the run (two evaluation runs, mode, judge model, the prompt
template it used, the cost estimate) and every judge call's reply, written as it arrives so an
interrupted run goes on where it stopped."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tuiapp.store.db import Store, now


@dataclass(frozen=True)
class JudgeRun:
    """One judge model over the items two evaluation runs both answered."""

    id: int
    run_a: int
    run_b: int
    mode: str  # pairwise | rubric
    provider: str
    model: str
    template: str
    params: dict[str, Any]
    estimate: dict[str, Any]
    status: str  # running | completed | incomplete
    total: int  # judge calls
    created_at: str
    finished_at: str | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> JudgeRun:
        """Build from a `judge_runs` row."""
        return cls(
            **{
                **row,
                "params": json.loads(row["params"]),
                "estimate": json.loads(row["estimate"]),
            }
        )


@dataclass(frozen=True)
class Judgement:
    """One judge call: pairwise 'ab' (run A shown first) or 'ba', rubric 'a' or 'b'."""

    position: int
    ask: str
    reply: str | None
    error: str | None
    verdict: str | None  # pairwise: a / b / tie as shown to the judge; None if unreadable
    score: int | None  # rubric: 1-10
    prompt_tokens: int | None
    completion_tokens: int | None


def create_judge_run(
    store: Store,
    run_a: int,
    run_b: int,
    mode: str,
    provider: str,
    model: str,
    template: str,
    total: int,
    *,
    params: dict[str, Any] | None = None,
    estimate: dict[str, Any] | None = None,
) -> JudgeRun:
    """Record a new judge run (no calls yet)."""
    with store.conn:
        cur = store.conn.execute(
            "INSERT INTO judge_runs(run_a, run_b, mode, provider, model, template, params, "
            "estimate, total, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                run_a,
                run_b,
                mode,
                provider,
                model,
                template,
                json.dumps(params or {}),
                json.dumps(estimate or {}),
                total,
                now(),
            ],
        )
    return get_judge_run(store, int(cur.lastrowid or 0))


def get_judge_run(store: Store, judge_id: int) -> JudgeRun:
    """One judge run (KeyError if there is none)."""
    rows = list(store.rows("SELECT * FROM judge_runs WHERE id = ?", [judge_id]))
    if not rows:
        raise KeyError(f"no judge run with id {judge_id}")
    return JudgeRun.from_row(rows[0])


def judge_runs(store: Store, run_a: int, run_b: int) -> list[JudgeRun]:
    """The judge runs over these two evaluation runs, newest first."""
    rows = store.rows(
        "SELECT * FROM judge_runs WHERE run_a = ? AND run_b = ? ORDER BY id DESC", [run_a, run_b]
    )
    return [JudgeRun.from_row(r) for r in rows]


def save_judgement(store: Store, judge_id: int, item: Judgement) -> None:
    """Store (or replace a failed) judge reply the moment it arrives."""
    with store.conn:
        store.conn.execute(
            "INSERT OR REPLACE INTO judgements(judge_run, position, ask, reply, error, verdict, "
            "score, prompt_tokens, completion_tokens) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                judge_id,
                item.position,
                item.ask,
                item.reply,
                item.error,
                item.verdict,
                item.score,
                item.prompt_tokens,
                item.completion_tokens,
            ],
        )


def judgements(store: Store, judge_id: int) -> dict[tuple[int, str], Judgement]:
    """Every stored judge reply of a run, by (position, ask)."""
    rows = store.conn.execute(
        "SELECT position, ask, reply, error, verdict, score, prompt_tokens, completion_tokens "
        "FROM judgements WHERE judge_run = ? ORDER BY position, ask",
        [judge_id],
    ).fetchall()
    return {(r[0], r[1]): Judgement(*r) for r in rows}


def finish_judge_run(store: Store, judge_id: int, status: str) -> None:
    """Mark the judge run done (completed, or incomplete when calls failed)."""
    with store.conn:
        store.conn.execute(
            "UPDATE judge_runs SET status = ?, finished_at = ? WHERE id = ?",
            [status, now(), judge_id],
        )


def human_verdicts(store: Store, run_a: int, run_b: int) -> list[tuple[int, str]]:
    """Every blind human rating of these two runs as (position, verdict), all raters."""
    rows = store.conn.execute(
        "SELECT position, verdict FROM ratings WHERE run_a = ? AND run_b = ? ORDER BY position",
        [run_a, run_b],
    ).fetchall()
    return [(int(p), str(v)) for p, v in rows]
