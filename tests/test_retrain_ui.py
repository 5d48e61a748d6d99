"""Retrain elsewhere from the job screen (80x24): `m` opens the dialog with the mapping and
the cost for the default target, a target that cannot take the job says why and Ctrl+R does
not start it, Esc starts nothing, and a confirmed move records (or says it cannot record) the
old answers and opens the new job."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from screens.job import JobScreen
from screens.retrain_dialog import RetrainDialog
from tests.test_retrain_cli import imported_job, rows
from tests.test_review_ui import plain
from tests.waiting import until
from tuiapp.app import make_app
from tuiapp.paths import AppPaths
from tuiapp.providers.adapter import names
from tuiapp.providers.base import ProviderError
from tuiapp.services import retrain
from tuiapp.store.jobs import insert_job
from tuiapp.store.retrains import add_retrain, set_retrain


def notes(app: Any) -> str:
    """The dialog's mapping text."""
    return plain(app.screen.query_one("#retrain-notes"))


async def test_m_shows_the_mapping_and_a_refused_target_starts_nothing(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    job = imported_job(home, write_jsonl, method="dpo")
    app = make_app(home)
    async with app.run_test(size=(80, 24)) as pilot:
        app.workspace.nav.job(job)
        await until(pilot, lambda: isinstance(app.screen, JobScreen), "the job screen")
        await pilot.press("m")
        await until(pilot, lambda: isinstance(app.screen, RetrainDialog), "the dialog")
        await until(pilot, lambda: "billed tokens" in notes(app), lambda: notes(app))
        text = notes(app)
        assert "-> local · SmolLM2-135M-Instruct" in text
        assert "36 examples · 3 epochs" in text and "$0.00" in text
        assert "kept      n_epochs = 3: same meaning there" in text
        await pilot.press("shift+tab", "enter")  # the provider list
        for _ in range(names().index("mistral") - names().index("local")):
            await pilot.press("down")
        await pilot.press("enter")
        await until(pilot, lambda: "no dpo jobs" in notes(app), lambda: notes(app))
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert isinstance(app.screen, RetrainDialog)  # refused: still asking
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, JobScreen), "back on the job")
    assert rows(home) == (1, 0)


class Pool:
    """A provider pool with no OpenAI key and a local backend that is never asked."""

    async def get(self, name: str) -> Any:
        if name == "openai":
            raise ProviderError("openai: no API key", "set OPENAI_API_KEY")
        return object()

    async def close(self) -> None:
        """Nothing to close."""


async def test_ctrl_r_says_the_old_model_cannot_answer_and_opens_the_new_job(
    home: AppPaths, write_jsonl: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    job = imported_job(home, write_jsonl)
    started: list[Any] = []

    async def start(store: Any, provider: Any, rplan: Any, folder: Path, old_run: Any) -> Any:
        started.append((rplan.plan.provider, rplan.plan.base_model, old_run))
        new = insert_job(
            store,
            provider="local",
            remote_id="ftjob-new",
            version_id=rplan.plan.version.id,
            base_model=rplan.plan.base_model,
            training_file="file-1",
            status="queued",
        )
        link = add_retrain(store, rplan.old.id, "local", rplan.plan.base_model, {})
        return set_retrain(store, link.id, new_job=new.id), new

    monkeypatch.setattr(retrain, "start_retrain", start)
    app = make_app(home)
    async with app.run_test(size=(80, 24)) as pilot:
        app.workspace.providers = Pool()  # type: ignore[assignment]
        app.workspace.nav.job(job)
        await until(pilot, lambda: isinstance(app.screen, JobScreen), "the job screen")
        await pilot.press("m")
        await until(pilot, lambda: isinstance(app.screen, RetrainDialog), "the dialog")
        await until(pilot, lambda: "billed tokens" in notes(app), lambda: notes(app))
        await pilot.press("ctrl+r")
        await until(
            pilot,
            lambda: isinstance(app.screen, JobScreen) and app.screen.job_id == job + 1,
            "the new job's screen",
        )
        said = [n.message for n in app._notifications]
        assert any(m.startswith("the old model cannot be asked (openai: no API key") for m in said)
        assert f"Job {job + 1} (queued): retrain 1 of job {job}." in said
        await pilot.press("m")  # on the new job: the dialog says where it came from
        await until(pilot, lambda: isinstance(app.screen, RetrainDialog), "the dialog again")
        history = app.screen.query_one("#retrain-history")
        await until(pilot, lambda: history.display, "the history line")
        assert plain(history).strip() == f"this job is retrain 1 of job {job}"
        await pilot.press("escape")
    assert started == [("local", "SmolLM2-135M-Instruct", None)]
