"""Jobs in the TUI: the form starts a job on the real local backend and the progress screen
follows it to the end; a snapshot of a finished job's progress screen."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Input, Static

from screens.job import JobScreen
from screens.new_job import NewJobScreen
from tests.test_jobs import frozen_version
from tests.test_review_ui import plain
from tests.waiting import until
from tuiapp.app import make_app
from tuiapp.paths import AppPaths
from tuiapp.providers.base import RemoteCheckpoint, RemoteEvent
from tuiapp.store import open_store
from tuiapp.store.jobs import (
    MetricPoint,
    add_checkpoints,
    add_events,
    add_metrics,
    insert_job,
    list_jobs,
    update_job,
)
from tuiapp.widgets.loss_chart import LossChart


async def test_the_form_starts_a_job_and_the_screen_follows_it(
    home: AppPaths,
    write_jsonl: Callable[..., Path],
    server: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, _api, _root = server
    monkeypatch.setenv("TUIAPP_LOCAL_URL", url)
    for name in ("OPENAI_API_KEY", "AZURE_OPENAI_API_KEY", "TOGETHER_API_KEY", "MISTRAL_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    store, version = frozen_version(home, write_jsonl)
    app = make_app(home)
    async with app.run_test(size=(110, 36)) as pilot:
        await pilot.press("f3", "n")
        await pilot.pause()
        await pilot.press("enter")  # the only version
        await until(pilot, lambda: isinstance(app.screen, NewJobScreen), "the form")
        form = app.screen
        await until(pilot, lambda: "models:" in plain(form.query_one("#models-hint")), "models")
        assert "1 models: tiny-llama" in plain(form.query_one("#models-hint"))
        form.query_one("#base_model", Input).value = "tiny-llama"
        await pilot.press("tab", "tab", *"2", "tab", *"8")  # n_epochs 2, batch_size 8
        await pilot.pause()
        estimate = plain(form.query_one("#new-job-estimate"))
        assert "epochs             2" in estimate and "$0.00" in estimate
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, JobScreen), "the progress screen")
        job_screen = app.screen
        await until(
            pilot,
            lambda: "succeeded" in plain(job_screen.query_one("#job-progress")),
            "the job to succeed",
            timeout=240,
        )
        progress = plain(job_screen.query_one("#job-progress"))
        assert "step 10/10" in progress and "ft:tiny-llama:local:" in progress
        assert plain(job_screen.query_one("#job-diagnosis")).split("\n")[0] in (
            "Learned",
            "Underfitting",
            "Overfitting",
        )
        assert len(job_screen.query_one("#job-chart", LossChart).points) == 10
    [job] = list_jobs(open_store(home.database))
    assert job.status == "succeeded" and job.version_id == version.id
    assert job.requested["n_epochs"] == 2 and job.requested["batch_size"] == 8


def finished_job(home: AppPaths) -> int:
    """A finished job with 60 steps of metrics, checkpoints and events, at fixed times."""
    store = open_store(home.database)
    job = insert_job(
        store,
        provider="local",
        remote_id="ftjob-snapshot",
        base_model="SmolLM2-135M-Instruct",
        training_file="file-1",
        validation_file="file-2",
        status="running",
    )
    points = [
        MetricPoint(
            s,
            60,
            2.4 * 0.96**s + 0.3,
            0.5 + s / 200,
            (2.5 * 0.97**s + 0.45 + max(0, s - 40) * 0.01) if s % 5 == 0 else None,
            None,
            None,
            None,
            1_700_000_000 + s,
        )
        for s in range(1, 61)
    ]
    add_metrics(store, job.id, points)
    add_checkpoints(
        store,
        job.id,
        [
            RemoteCheckpoint(f"ckpt-{s}", s, f"ft:SmolLM2:local::snap:ckpt-step-{s}", {}, 1)
            for s in (20, 40, 60)
        ],
    )
    add_events(
        store,
        job.id,
        [
            RemoteEvent(f"ev-{i}", 1_700_000_000 + i, "info", "message", text)
            for i, text in enumerate(
                [
                    "Fine-tuning job started",
                    "Step 60/60: training loss=0.5200",
                    "Checkpoint created at step 60 (epoch 3)",
                    "The job has successfully completed",
                ]
            )
        ],
    )
    update_job(
        store,
        job.id,
        status="succeeded",
        fine_tuned_model="ft:SmolLM2-135M-Instruct:local::snap",
        created_at="2026-11-24T09:00:00+00:00",
        finished_at="2026-11-24T09:03:05+00:00",
    )
    store.close()
    return job.id


def test_progress_screen_of_a_finished_job(snap_compare, home: AppPaths, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    job_id = finished_job(home)
    app = make_app(home)

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.press("f3")
        await pilot.pause()
        app.push_screen(JobScreen(job_id))
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=(110, 34), run_before=run_before)


async def test_providers_screen_tests_and_picks_without_storing_keys(
    home: AppPaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    from screens.providers import ProvidersScreen

    for name in ("OPENAI_API_KEY", "AZURE_OPENAI_API_KEY", "TOGETHER_API_KEY", "MISTRAL_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TOGETHER_API_KEY", "tg-secret-key-123")
    app = make_app(home)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f3", "P")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ProvidersScreen)
        table = screen.query_one("#providers-table", DataTable)
        assert table.get_row("together")[3] == "ready"
        assert table.get_row("openai")[3] == "needs OPENAI_API_KEY"
        help_text = str(screen.query_one("#providers-help", Static).render())
        for needed in ("FIREWORKS_API_KEY", "FIREWORKS_ACCOUNT_ID", "TOGETHER_API_KEY"):
            assert needed in help_text  # the help named four providers' keys, not Fireworks'
        await pilot.press("down", "d")  # openai: no key, cannot be the default
        await pilot.pause()
        assert app.store.get_setting("default_provider") is None
        await pilot.press("down", "down", "d")  # together
        await pilot.pause()
        assert app.store.get_setting("default_provider") == "together"
        assert table.get_row("together")[1] == "default"
    dump = "\n".join(open_store(home.database).conn.iterdump())
    assert "tg-secret-key-123" not in dump  # keys never reach the database


async def test_a_key_added_on_the_providers_screen_goes_to_the_keyring_only(
    home: AppPaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    import keyring
    from keyring.backend import KeyringBackend

    from tuiapp.providers.registry import available

    class Memory(KeyringBackend):
        """An in-memory OS keyring."""

        priority = 1  # type: ignore[assignment]
        saved: dict[tuple[str, str], str] = {}

        def get_password(self, service: str, username: str) -> str | None:
            return self.saved.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            self.saved[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            self.saved.pop((service, username), None)

    previous = keyring.get_keyring()
    keyring.set_keyring(Memory())
    try:
        for name in (
            "OPENAI_API_KEY",
            "AZURE_OPENAI_API_KEY",
            "TOGETHER_API_KEY",
            "MISTRAL_API_KEY",
        ):
            monkeypatch.delenv(name, raising=False)
        app = make_app(home)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press("f3", "P")
            await pilot.pause()
            await pilot.press("down", "down", "down", "a")  # together
            await pilot.pause()
            await pilot.press(*"tg-keyring-secret", "enter")
            await pilot.pause()
            table = app.screen.query_one("#providers-table", DataTable)
            assert table.get_row("together")[3] == "ready"
        assert Memory.saved[("tuiapp", "together")] == "tg-keyring-secret"
        assert "together" in [c.name for c in available()]
        dump = "\n".join(open_store(home.database).conn.iterdump())
        assert "tg-keyring-secret" not in dump
    finally:
        keyring.set_keyring(previous)


async def test_a_job_that_cannot_be_followed_is_said_once(
    home: AppPaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    store = open_store(home.database)
    insert_job(
        store,
        provider="openai",
        remote_id="ftjob-elsewhere",
        base_model="gpt-4.1-mini",
        training_file="file-1",
        status="running",
    )
    store.close()
    app = make_app(home)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(
            pilot,
            lambda: any(n.title == "Cannot follow a job" for n in app._notifications),
            "the notification",
        )
        shown = [n for n in app._notifications if n.title == "Cannot follow a job"]
        assert len(shown) == 1 and "no API key" in shown[0].message
        assert "OPENAI_API_KEY" in shown[0].message
