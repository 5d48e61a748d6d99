"""Jobs brought in from a provider's account: found again by provider and remote id, so that
importing twice updates the row instead of adding one."""

from __future__ import annotations

from tuiapp.store.db import Store
from tuiapp.store.jobs import Job


def find_remote_job(store: Store, provider: str, remote_id: str) -> Job | None:
    """The stored job with this provider's remote id, if any."""
    rows = list(
        store.rows("SELECT * FROM jobs WHERE provider = ? AND remote_id = ?", [provider, remote_id])
    )
    return Job.from_row(rows[0]) if rows else None
