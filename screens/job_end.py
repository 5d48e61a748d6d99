"""What the app does when the job watcher sees a job end: ring, say how it ended, and
compare a move's new model with the old one (also for moves whose job ended while the app
was closed)."""

from __future__ import annotations

from typing import Any

from textual.app import App

from screens.retrain_dialog import compare_retrain, resume_comparisons
from tuiapp.store.jobs import Job

__all__ = ["job_ended", "resume_comparisons"]


def job_ended(app: App[Any], job: Job) -> None:
    """Ring, notify the job's end (its model or its error), then compare a move's new model."""
    app.bell()
    app.notify(
        f"Job {job.id} {job.status}"
        + (f": {job.fine_tuned_model}" if job.fine_tuned_model else "")
        + (f" ({job.error})" if job.error else ""),
        title="Fine-tuning job ended",
        severity="information" if job.status == "succeeded" else "warning",
        timeout=15,
    )
    compare_retrain(app, job)
