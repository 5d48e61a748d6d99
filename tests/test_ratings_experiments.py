"""Blind A/B ratings (order hidden, verdicts mapped back, Wilson interval) and the
experiments table with its CSV and Markdown exports."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.test_store_and_import import imported
from tests.test_versions import accept_all, sentiment_file
from tuiapp.evals.experiments import to_csv, to_markdown
from tuiapp.evals.ratings import wilson
from tuiapp.paths import AppPaths
from tuiapp.services.experiments import experiments
from tuiapp.services.freeze import commit, plan_freeze
from tuiapp.services.ratings import pairs, rate, win_rate
from tuiapp.store.evals import EvalOutput, create_run, finish_run, save_output
from tuiapp.store.jobs import MetricPoint, add_metrics, insert_job, update_job


def two_runs(home: AppPaths, write_jsonl: Callable[..., Path]):  # type: ignore[no-untyped-def]
    """A job with a fine-tuned model and base/fine-tuned runs over 10 items."""
    store, dataset = imported(home, sentiment_file(write_jsonl))
    accept_all(store, dataset.id)
    version = commit(store, plan_freeze(store, dataset.id, fraction=0.2, seed=1), "v1")
    job = insert_job(
        store,
        provider="local",
        remote_id="ftjob-1",
        version_id=version.id,
        base_model="SmolLM2-135M-Instruct",
        training_file="file-1",
        status="succeeded",
        hyperparameters={"n_epochs": 3, "batch_size": 4},
        estimate={"usd": 0.0},
    )
    update_job(store, job.id, fine_tuned_model="ft:SmolLM2:local::1")
    add_metrics(store, job.id, [MetricPoint(10, 10, 0.5, 0.8, 0.6, None, 0.7, None, 1)])
    tuned = create_run(store, version.id, "local", "ft:SmolLM2:local::1", 10, job_id=job.id)
    base = create_run(store, version.id, "local", "SmolLM2-135M-Instruct", 10)
    for run, text in ((tuned, "positive"), (base, "I think it is positive")):
        for position in range(10):
            save_output(
                store, run.id, EvalOutput(position, position, f"{text} {position}", None, 5.0, 3, 2)
            )
    finish_run(store, tuned.id, "completed", {"token_f1": 0.9, "exact_match": 0.7})
    finish_run(store, base.id, "completed", {"token_f1": 0.3, "exact_match": 0.0})
    return store, job, tuned, base


def test_pairs_are_blind_and_verdicts_map_back_to_runs(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    store, _job, tuned, base = two_runs(home, write_jsonl)
    shown = pairs(store, tuned.id, base.id, "ann")
    assert len(shown) == 10 and {p.first for p in shown} == {"a", "b"}  # both orders occur
    assert pairs(store, tuned.id, base.id, "ann") == shown  # the same order every time
    for pair in shown[:8]:  # ann picks the fine-tuned answer wherever it is shown
        side = "left" if pair.left.startswith("positive") else "right"
        assert rate(store, tuned.id, base.id, "ann", pair, side) == "a"
    rate(store, tuned.id, base.id, "ann", shown[8], "tie")
    rate(store, tuned.id, base.id, "ann", shown[9], "both_bad")
    result = win_rate(store, tuned.id, base.id)
    assert (result.wins, result.losses, result.ties, result.both_bad) == (8, 0, 1, 1)
    assert result.rate == pytest.approx(8.5 / 9)
    assert result.low < result.rate < result.high
    assert pairs(store, tuned.id, base.id, "ann") == []  # nothing left for ann
    assert len(pairs(store, tuned.id, base.id, "bob")) == 10  # stored per rater
    with pytest.raises(ValueError):
        rate(store, tuned.id, base.id, "ann", shown[0], "maybe")


def test_wilson_interval_worked_example() -> None:
    low, high = wilson(8, 10)
    assert (round(low, 3), round(high, 3)) == (0.49, 0.943)
    assert wilson(0, 0) == (0.0, 1.0)


def test_experiments_table_and_exports(home: AppPaths, write_jsonl: Callable[..., Path]) -> None:
    store, job, tuned, base = two_runs(home, write_jsonl)
    for pair in pairs(store, tuned.id, base.id, "ann")[:4]:
        rate(store, tuned.id, base.id, "ann", pair, "left" if pair.first == "a" else "right")
    [row] = experiments(store)
    assert row.job_id == job.id and row.version.startswith("v1 (") and row.train_examples > 40
    assert row.hyperparameters == "batch_size=4 n_epochs=3"
    assert (row.train_loss, row.valid_loss, row.token_f1, row.exact_match) == (0.5, 0.6, 0.9, 0.7)
    assert row.win_rate == 1.0 and row.cost_usd == 0.0 and row.model_id == "ft:SmolLM2:local::1"
    assert row.holdout_perplexity == pytest.approx(2.0138, abs=1e-3)  # exp(0.7)
    assert row.perplexity_source == "full holdout"
    text = to_csv([row])
    assert text.splitlines()[0].startswith("job_id,provider,status,version")
    assert ",0.9000," in text.splitlines()[1]
    table = to_markdown([row]).splitlines()
    assert table[0].startswith("| job_id |") and table[1].startswith("| --- |") and len(table) == 3
