"""The store functions that replaced SQL in screens and services: playground sessions, line
numbers, the reads of the scan and the report, and a job plan's earlier jobs."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import chat
from tests.test_store_and_import import imported
from tests.test_versions import accept_all
from tuiapp.paths import AppPaths
from tuiapp.services.freeze import commit, plan_freeze
from tuiapp.services.launch import plan_job
from tuiapp.store import open_store
from tuiapp.store.example_reads import (
    current_text,
    iter_report_rows,
    iter_scan_rows,
    lines_at,
    lines_of_ids,
    position_count,
    tokens_by_id,
    valid_count,
)
from tuiapp.store.examples import get_example
from tuiapp.store.job_plans import earlier_jobs, train_tokens
from tuiapp.store.jobs import insert_job
from tuiapp.store.playground import get_session, list_sessions, save_session


def test_a_saved_playground_session_comes_back_whole(home: AppPaths) -> None:
    store = open_store(home.database)
    assert list_sessions(store) == []
    settings = {"temperature": "0.2", "provider-left": "local"}
    transcript = [{"side": "left", "model": "m", "history": [{"role": "user", "content": "hi"}]}]
    first = save_session(store, "first", settings, transcript)
    second = save_session(store, "second", {}, [])
    assert [(s.id, s.name) for s in list_sessions(store)] == [(second, "second"), (first, "first")]
    again = get_session(open_store(home.database), first)
    assert (again.name, again.settings, again.transcript) == ("first", settings, transcript)
    with pytest.raises(KeyError):
        get_session(store, 999)


def test_example_reads_see_positions_lines_and_errors(home: AppPaths, tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_text(json.dumps(chat("q", "a")) + "\n\n{bad\n")
    store, dataset = imported(home, path)
    assert position_count(store, dataset.id) == 2
    assert valid_count(store, dataset.id) == 1
    assert lines_at(store, dataset.id, [0, 1]) == {0: 1, 1: 3}  # the blank line 2 is skipped
    assert current_text(store, dataset.id, 1) == "{bad"
    assert current_text(store, dataset.id, 5) is None
    assert [r.idx for r in iter_scan_rows(store, dataset.id, 1, 2)] == [1]
    assert [r.severity for r in iter_report_rows(store, dataset.id)] == [0, 2]
    bad = get_example(store, dataset.id, 1)
    assert bad is not None and lines_of_ids(store, [bad.id]) == [3]
    assert tokens_by_id(store, dataset.id)[bad.id] == bad.n_tokens


def test_a_plan_names_the_earlier_job_on_the_same_content(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    path = write_jsonl([chat(f"question {i}", f"answer {i}") for i in range(12)])
    store, dataset = imported(home, path)
    accept_all(store, dataset.id)
    version = commit(store, plan_freeze(store, dataset.id, fraction=0.2, seed=1), "v1")
    assert len(train_tokens(store, version.id)) == version.counts["train"]
    job = insert_job(
        store,
        provider="local",
        remote_id="ftjob-1",
        version_id=version.id,
        base_model="SmolLM2-135M-Instruct",
        training_file="file-1",
        status="succeeded",
        requested={"n_epochs": 3},
    )
    found = earlier_jobs(store, version.content_hash, "SmolLM2-135M-Instruct", "local")
    assert [(j.id, j.requested, j.method) for j in found] == [
        (job.id, {"n_epochs": 3}, "supervised")
    ]
    plan = plan_job(store, "local", version.id, "SmolLM2-135M-Instruct", {"n_epochs": 3})
    assert f"the same data and settings were trained before (job {job.id})" in plan.warnings
    other = plan_job(store, "local", version.id, "SmolLM2-135M-Instruct", {"n_epochs": 2})
    assert not any("trained before" in w for w in other.warnings)
