"""What planning a job reads: a version's training token counts and earlier jobs on the same
content (so the plan can say the same thing was trained before)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tuiapp.store.db import Store


@dataclass(frozen=True)
class EarlierJob:
    """A job that trained on the same content, base model and provider."""

    id: int
    requested: dict[str, Any]
    method: str


def train_tokens(store: Store, version_id: int) -> list[int]:
    """Token counts of the version's training examples."""
    rows = store.conn.execute(
        "SELECT e.n_tokens FROM version_examples v JOIN example_rows e ON e.id = v.example_id "
        "WHERE v.version_id = ? AND v.split = 'train'",
        [version_id],
    )
    return [int(r[0]) for r in rows]


def earlier_jobs(
    store: Store, content_hash: str, base_model: str, provider: str
) -> list[EarlierJob]:
    """Jobs (not failed or cancelled) on a version with this content hash, newest first."""
    rows = store.conn.execute(
        "SELECT j.id, j.requested, j.method FROM jobs j "
        "JOIN dataset_versions v ON v.id = j.version_id "
        "WHERE v.content_hash = ? AND j.base_model = ? AND j.provider = ? "
        "AND j.status NOT IN ('failed', 'cancelled') ORDER BY j.id DESC",
        [content_hash, base_model, provider],
    ).fetchall()
    return [EarlierJob(int(i), json.loads(requested), method) for i, requested, method in rows]
