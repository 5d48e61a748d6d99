"""What a job's events say beyond its losses: the device, throughput and memory of its
newest metrics event, and where early stopping ended it."""

from __future__ import annotations

from dataclasses import dataclass

from tuiapp.store.db import Store


@dataclass(frozen=True)
class Resources:
    """What a job's newest metrics event says about the machine: device, throughput, memory
    (peak GPU memory on a GPU, peak RSS otherwise), at which step."""

    step: int
    device: str | None
    tokens_per_second: float | None
    memory_mb: float | None


def latest_resources(store: Store, job_id: int) -> Resources | None:
    """The device, tokens/s and memory of the newest metrics event (None when it names no
    device: a provider that reports none). One row read backwards on the (job, seq) index,
    however long the job."""
    row = store.conn.execute(
        "SELECT json_extract(data, '$.step'), json_extract(data, '$.device'), "
        "json_extract(data, '$.tokens_per_second'), json_extract(data, '$.memory_mb') "
        "FROM job_events WHERE job_id = ? AND type = 'metrics' ORDER BY seq DESC LIMIT 1",
        [job_id],
    ).fetchone()
    if row is None or row[1] is None:
        return None
    return Resources(int(row[0] or 0), row[1], row[2], row[3])


def stopped_early_at(store: Store, job_id: int) -> int | None:
    """The step at which early stopping ended the job, if it did."""
    row = store.conn.execute(
        "SELECT json_extract(data, '$.early_stopping.stopped_at_step') FROM job_events "
        "WHERE job_id = ? AND message LIKE 'Early stopping at step %' ORDER BY seq DESC LIMIT 1",
        [job_id],
    ).fetchone()
    return int(row[0]) if row and row[0] is not None else None
