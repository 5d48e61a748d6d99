"""The job screen's clock: elapsed ticks every second without a poll, the ETA comes from the
measured step times and is hidden while the job is paused; the verdict says 'Not enough data
yet' early and gives no leakage hint when the version's check found nothing."""

from __future__ import annotations

import re
import time

import pytest

from screens.job import JobScreen
from tests.test_review_ui import plain
from tests.waiting import until
from tuiapp.app import make_app
from tuiapp.paths import AppPaths
from tuiapp.store import open_store
from tuiapp.store.jobs import MetricPoint, add_metrics, insert_job, update_job


def running_job(home: AppPaths, steps: int, status: str = "running") -> int:
    """A job on a provider with no key (the watcher cannot poll it) with `steps` steps done,
    2 s apart, the last one just now."""
    store = open_store(home.database)
    job = insert_job(
        store,
        provider="mistral",
        remote_id="ftjob-clock",
        base_model="open-mistral-7b",
        training_file="file-1",
        status=status,
    )
    now = time.time()
    add_metrics(
        store,
        job.id,
        [
            MetricPoint(
                s, 100, 2.0 - 0.01 * s, None, None, None, None, None, int(now) - 2 * (steps - s)
            )
            for s in range(1, steps + 1)
        ],
    )
    started = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(now - 100))
    update_job(  # the provider's own guess (10 min) is what a paused job used to show
        store,
        job.id,
        created_at=started,
        hyperparameters={"batch_size": 1},
        estimated_finish=int(now) + 600,
    )
    store.close()
    return job.id


def elapsed(text: str) -> str:
    """The elapsed part of the progress line."""
    found = re.search(r"elapsed (\S+)", text)
    assert found, text
    return found.group(1)


async def test_elapsed_ticks_between_polls_and_the_eta_is_measured(
    home: AppPaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MISTRAL_API_KEY", raising=False)
    job_id = running_job(home, 40)
    app = make_app(home)
    async with app.run_test(size=(120, 35)) as pilot:
        app.push_screen(JobScreen(job_id))
        await pilot.pause()
        screen = app.screen
        first = plain(screen.query_one("#job-progress"))
        # 60 steps x 2 s, less the time since the last step (under a second on a quick box)
        assert "step 40/100" in first and re.search(r"ETA (1m5\d|2m00)s", first), first
        await until(
            pilot,
            lambda: elapsed(plain(screen.query_one("#job-progress"))) != elapsed(first),
            "elapsed to tick",
            timeout=3,
        )
        verdict = plain(screen.query_one("#job-diagnosis"))
        assert verdict.startswith("Not enough data yet") and "64 training steps" in verdict


async def test_a_paused_job_shows_no_eta(home: AppPaths, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MISTRAL_API_KEY", raising=False)
    job_id = running_job(home, 40, status="paused")
    app = make_app(home)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(JobScreen(job_id))
        await pilot.pause()
        progress = plain(app.screen.query_one("#job-progress"))
        assert progress.startswith("paused · step 40/100") and "ETA" not in progress
