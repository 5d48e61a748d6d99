"""A finished job moved for real on the local backend (tiny model, one step): an imported job
whose model the local backend serves (the tiny base itself, so that only the new job trains:
one trainer launch, not two) and `tuiapp retrain
--wait` records the old model's answers on the holdout, starts the new job through the
create-once path, waits for it, evaluates the new model on the same holdout and prints both
side by side; asking again buys no second job, and `--compare` prints the same table."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.test_jobs import frozen_version
from tuiapp.cli import main
from tuiapp.paths import AppPaths
from tuiapp.services.retrain_compare import history_lines
from tuiapp.store import open_store
from tuiapp.store.evals import list_runs, outputs
from tuiapp.store.jobs import Job, get_job, insert_job, list_jobs, update_job
from tuiapp.store.retrains import retrains_of


def finished_job(home: AppPaths, write_jsonl: Callable[..., Path]) -> tuple[int, Job]:
    """A frozen version and a succeeded local job on it, as `import-jobs` stores one."""
    store, version = frozen_version(home, write_jsonl)
    job = insert_job(
        store,
        provider="local",
        remote_id="ftjob-old",
        version_id=version.id,
        base_model="tiny-llama",
        training_file="file-old",
        status="succeeded",
    )
    update_job(
        store,
        job.id,
        fine_tuned_model="tiny-llama",
        hyperparameters={"n_epochs": 1, "batch_size": 36},
    )
    old = get_job(store, job.id)
    store.close()
    return version.id, old


def test_retrain_a_finished_job_and_compare_both_models(
    server: Any,
    home: AppPaths,
    write_jsonl: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, _api, _root = server
    monkeypatch.setenv("TUIAPP_LOCAL_URL", url)
    version_id, old = finished_job(home, write_jsonl)
    argv = ["retrain", str(old.id), "--provider", "local", "--model", "tiny-llama"]
    small = ["--max-tokens", "4", "--yes"]

    assert main([*argv, *small, "--wait"]) == 0
    out, err = capsys.readouterr()
    assert "old answers: 4 of 4 recorded in run 1" in err
    lines = out.splitlines()
    assert "  kept      n_epochs = 1: same meaning there" in lines
    new_id = old.id + 1
    assert any(line.startswith(f"job {new_id} (ftjob-") for line in lines)
    assert f"retrain 1: job {old.id} ({old.fine_tuned_model}) -> job {new_id} (" in out
    header = lines.index(f"{'metric':<24}{'old':>9}{'new':>9}{'change':>9}")
    assert lines[header + 1].startswith("exact_match ")
    assert lines[-1].startswith("items (4, token F1): new better on ")

    store = open_store(home.database)
    jobs = list_jobs(store)
    new = next(j for j in jobs if j.id == new_id)
    assert new.status == "succeeded" and new.version_id == version_id
    # the old job's settings, carried: one epoch of one step (all 36 examples in a batch)
    assert new.requested["n_epochs"] == 1 and new.requested["batch_size"] == 36
    (link,) = retrains_of(store, old.id)
    assert (link.new_job, link.provider, link.model) == (new_id, "local", "tiny-llama")
    assert link.old_run is not None and link.new_run is not None
    runs = {r.id: r for r in list_runs(store, version_id)}
    assert runs[link.old_run].model == old.fine_tuned_model  # the record of the old answers
    assert runs[link.new_run].model == new.fine_tuned_model
    assert len(outputs(store, link.old_run)) == len(outputs(store, link.new_run)) == 4
    assert runs[link.new_run].params == runs[link.old_run].params  # the same settings
    store.close()

    assert main([*argv, *small]) == 0  # asked again: the same job, not a second one
    assert f"moved to local tiny-llama already: job {new_id}" in capsys.readouterr().out
    assert main(["retrain", str(old.id), "--compare", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["old_run"], shown["new_run"]) == (link.old_run, link.new_run)
    assert sum(shown["items"].values()) == 4
    store = open_store(home.database)
    assert len(list_jobs(store)) == 2 and len(list_runs(store)) == 2  # nothing asked twice
    said = history_lines(store, old.id)  # what the job screen's dialog shows
    assert said[0] == f"moved before: retrain 1 -> job {new_id} on local tiny-llama (succeeded)"
    assert said[1].startswith("  token F1 ") and " new better on " in said[1]
    store.close()
