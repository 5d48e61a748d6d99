"""`tuiapp retrain` without training: the dry run (mapping, notes, cost as `tuiapp train`
shows it, nothing started), refusals (closed model, no version, a method the target lacks),
the old model that cannot answer (retired, no key), and a move left half-made by a killed app
that is adopted instead of buying a second job."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.test_jobs import frozen_version
from tuiapp.cli import main
from tuiapp.paths import AppPaths
from tuiapp.providers.base import ProviderError
from tuiapp.services.retrain import plan_retrain, record_old_answers, start_retrain
from tuiapp.store import Store, open_store
from tuiapp.store.jobs import get_job, insert_job, insert_pending_job, list_jobs, update_job
from tuiapp.store.retrains import add_retrain, job_started_since, retrains_of

FT = "ft:gpt-4o-mini-2024-07-18:org::x3"


def imported_job(home: AppPaths, write_jsonl: Callable[..., Path], **fields: Any) -> int:
    """A frozen version and an OpenAI job on it as `import-jobs` stores one; its id."""
    store, version = frozen_version(home, write_jsonl)
    job = insert_job(
        store,
        provider="openai",
        remote_id="ftjob-3",
        version_id=version.id,
        base_model="gpt-4o-mini-2024-07-18",
        training_file="file-t3",
        status="succeeded",
    )
    update_job(
        store,
        job.id,
        fine_tuned_model=FT,
        seed=42,
        hyperparameters={"n_epochs": 3, "batch_size": 4, "learning_rate_multiplier": 2},
        **fields,
    )
    store.close()
    return job.id


def rows(home: AppPaths) -> tuple[int, int]:
    """Jobs and retrain links in the store."""
    store = open_store(home.database)
    found = (len(list_jobs(store)), sum(len(retrains_of(store, j.id)) for j in list_jobs(store)))
    store.close()
    return found


def test_the_dry_run_shows_mapping_notes_and_cost_and_starts_nothing(
    home: AppPaths, write_jsonl: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    job = imported_job(home, write_jsonl)
    argv = ["retrain", str(job), "--provider", "local", "--model", "tiny-llama", "--dry-run"]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert (
        lines[0]
        == f"job {job} (openai · gpt-4o-mini-2024-07-18 · supervised) -> local · tiny-llama"
    )
    assert lines[1].startswith("local · tiny-llama · 36 examples · 3 epochs · ")
    assert lines[1].endswith(" billed tokens · $0.00")
    assert "  kept      n_epochs = 3: same meaning there" in lines
    assert "  kept      seed = 42: same seed sent" in lines
    assert any(
        "learning_rate_multiplier = 2: scales local's own base rate (0.001 x it)" in line
        for line in lines
    )
    assert rows(home) == (1, 0)  # nothing started, nothing linked

    argv = ["retrain", str(job), "--provider", "together", "--model", "x", "--dry-run", "--json"]
    assert main(argv) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["hyperparameters"] == {"n_epochs": 3, "batch_size": 4}
    lost = [n for n in shown["notes"] if n["fate"] == "dropped"]
    assert [n["name"] for n in lost] == ["learning_rate_multiplier"]
    assert shown["estimate"]["n_epochs"] == 3 and rows(home) == (1, 0)


def test_a_closed_model_is_refused_like_train_does(
    home: AppPaths,
    write_jsonl: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    job = imported_job(home, write_jsonl)
    monkeypatch.setenv("TUIAPP_TODAY", "2027-01-10")
    argv = ["retrain", str(job), "--provider", "openai", "--model", "gpt-4.1-mini-2025-04-14"]
    assert main([*argv, "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert "OpenAI closed fine-tuning to new jobs on 2027-01-06 (4 days ago" in err
    assert "pick an open model on local, Together or Fireworks" in err
    assert rows(home) == (1, 0)


def test_a_job_without_version_or_a_method_the_target_lacks_is_refused(
    home: AppPaths, write_jsonl: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    job = imported_job(home, write_jsonl, method="dpo")
    assert main(["retrain", str(job), "--provider", "mistral", "--model", "m", "--dry-run"]) == 2
    assert "mistral has no dpo jobs (it offers supervised)" in capsys.readouterr().err
    store = open_store(home.database)
    update_job(store, job, status="running")
    store.close()
    assert main(["retrain", str(job), "--provider", "local", "--dry-run"]) == 2
    assert f"job {job} is running: move it once it has finished" in capsys.readouterr().err
    store = open_store(home.database)
    update_job(store, job, version_id=None, status="cancelled")
    store.close()
    assert main(["retrain", str(job), "--provider", "local", "--dry-run"]) == 2
    assert f"job {job} has no frozen version" in capsys.readouterr().err
    assert main(["retrain", str(job), "--compare"]) == 2
    assert f"job {job} was not retrained" in capsys.readouterr().err


def no_key(store: Store) -> Callable[[str], Any]:
    """A provider pool where nothing can be reached."""

    async def connect(name: str) -> Any:
        raise ProviderError(f"{name}: no API key", "set OPENAI_API_KEY")

    return connect


def test_the_old_model_that_cannot_answer_is_said_and_skipped(
    home: AppPaths, write_jsonl: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    job_id = imported_job(home, write_jsonl)
    store = open_store(home.database)
    job = get_job(store, job_id)
    said = asyncio.run(record_old_answers(store, no_key(store), job)).said
    assert said == (
        "the old model cannot be asked (openai: no API key (set OPENAI_API_KEY)): going on without"
    )
    monkeypatch.setenv("TUIAPP_TODAY", "2027-01-20")
    answers = asyncio.run(record_old_answers(store, no_key(store), job))
    assert answers.run is None
    assert answers.said.startswith(f"{FT} was retired on 2027-01-14")
    store.close()


def test_a_move_left_half_made_adopts_its_job_instead_of_a_second(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    job_id = imported_job(home, write_jsonl)
    store = open_store(home.database)
    rplan = plan_retrain(store, job_id, "local", "tiny-llama")
    left = add_retrain(store, job_id, "local", "tiny-llama", rplan.mapping.to_json())
    pending = insert_pending_job(  # the app was killed after this row, before the answer
        store,
        "tt1234",
        provider="local",
        version_id=rplan.plan.version.id,
        base_model="tiny-llama",
        training_file="file-x",
    )
    again = plan_retrain(store, job_id, "local", "tiny-llama")
    assert again.earlier == left
    link, job = asyncio.run(start_retrain(store, None, again, home.cache_dir, None))  # type: ignore[arg-type]
    assert (link.id, link.new_job, job.id) == (left.id, pending.id, pending.id)
    assert len(list_jobs(store)) == 2  # no third job: the provider was never asked
    link, job = asyncio.run(start_retrain(store, None, again, home.cache_dir, None))  # type: ignore[arg-type]
    assert job.id == pending.id and len(retrains_of(store, job_id)) == 1
    store.close()


def test_a_dpo_job_goes_to_fireworks_without_its_evaluation_dataset(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    job_id = imported_job(home, write_jsonl, method="dpo")
    store = open_store(home.database)
    rplan = plan_retrain(store, job_id, "fireworks", "accounts/fireworks/models/x")
    store.close()
    assert not rplan.plan.use_holdout  # Fireworks refuses an evaluation dataset for DPO
    (note,) = [n for n in rplan.mapping.lost if n.name == "validation_file"]
    assert note.text == "fireworks DPO jobs take no evaluation dataset: no validation loss there"


def test_the_old_job_on_the_same_target_is_never_adopted_as_its_own_move(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    store, version = frozen_version(home, write_jsonl)
    old = insert_job(  # a finished local job, moved to the same provider and model
        store,
        provider="local",
        remote_id="ftjob-old",
        version_id=version.id,
        base_model="tiny-llama",
        training_file="file-t",
        status="succeeded",
    )
    link = add_retrain(store, old.id, "local", "tiny-llama", {})  # in the same second as `old`
    assert link.created_at == old.created_at or link.created_at > old.created_at
    assert job_started_since(store, version.id, "local", "tiny-llama", link.last_job_before) is None
    made = insert_pending_job(
        store,
        "tt-new",
        provider="local",
        version_id=version.id,
        base_model="tiny-llama",
        training_file="file-x",
    )
    assert job_started_since(store, version.id, "local", "tiny-llama", link.last_job_before) == (
        made.id
    )
    store.close()
