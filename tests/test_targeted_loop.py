"""The loop from a bad answer to a better dataset, end to end on the real local backend with
the tiny model: evaluate a job, ctrl+t on an item and correct the answer, freeze the child
version (same holdout), train and evaluate a job on it, and read the lineage and the score
deltas in the experiments table.

The parent's job is a stored one whose model is the tiny base model itself (the server answers
for it): one training instead of two, the part of the test that costs (a local job takes
about 50 s of this box at load 11, the rest of the loop about 20 s)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable

from screens.evaluate import EvaluateScreen
from screens.experiments import ExperimentsScreen
from screens.targeted_example import TargetedExampleScreen
from tests.test_jobs import always, frozen_version, provider_for
from tests.test_review_ui import plain
from tests.waiting import until
from tuiapp.app import make_app
from tuiapp.paths import AppPaths
from tuiapp.services import job_watch as watch
from tuiapp.services.freeze import commit, plan_freeze
from tuiapp.services.launch import plan_job, start_job
from tuiapp.services.untrained_holdout import untrained_scores
from tuiapp.store.evals import list_runs
from tuiapp.store.jobs import insert_job, update_job
from tuiapp.store.versions import iter_entries


async def evaluated(pilot: Pilot[Any], job_id: int) -> EvaluateScreen:
    """The evaluate screen of a job after `r` ran both models over the holdout."""
    screen = EvaluateScreen(job_id)
    pilot.app.push_screen(screen)
    await pilot.pause()
    await pilot.press("r")
    await until(
        pilot, lambda: "token_f1" in plain(screen.query_one("#evaluate-scores")), "scores", 120
    )
    return screen


async def test_eval_item_to_targeted_example_to_child_version_job_eval_and_experiments(
    home: AppPaths,
    write_jsonl: Callable[..., Path],
    server: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    url, _api, _root = server
    monkeypatch.setenv("TUIAPP_LOCAL_URL", url)
    monkeypatch.setattr("screens.evaluate.PARAMS", {"temperature": 0, "max_tokens": 8})  # fast
    store, parent = frozen_version(home, write_jsonl)
    first = insert_job(
        store,
        provider="local",
        remote_id="ftjob-parent",
        version_id=parent.id,
        base_model="tiny-llama",
        training_file="file-1",
        status="succeeded",
    )
    update_job(store, first.id, fine_tuned_model="tiny-llama")
    app = make_app(home)
    async with app.run_test(size=(120, 35)) as pilot:
        screen = await evaluated(pilot, first.id)
        await pilot.press("ctrl+t")
        await until(pilot, lambda: isinstance(app.screen, TargetedExampleScreen), "the editor")
        await pilot.press("ctrl+r", "ctrl+s")  # the reference is the desired answer here
        await until(pilot, lambda: app.screen is screen, "saved")

        plan = plan_freeze(store, parent.dataset_id, fraction=0.1)
        assert any("holdout kept from version" in w for w in plan.warnings)
        child = commit(store, plan, "v2")
        holdout = [e.example_id for e in iter_entries(store, child.id, "holdout")]
        assert child.parent_id == parent.id
        assert holdout == [e.example_id for e in iter_entries(store, parent.id, "holdout")]
        assert child.counts["train"] == parent.counts["train"] + 1

        provider = provider_for(url)
        job_plan = plan_job(
            store, "local", child.id, "tiny-llama", {"n_epochs": 1, "batch_size": 8}
        )
        job = await start_job(store, provider, job_plan, tmp_path / "up2")
        second = await watch.Watcher(store, always(provider), min_interval=0.2).until_finished(
            job.id, timeout=120
        )
        await provider.close()
        assert second.status == "succeeded"
        await screen.run_action("back")
        await evaluated(pilot, second.id)

        await pilot.press("f4")
        await until(pilot, lambda: isinstance(app.screen, ExperimentsScreen), "experiments")
        experiments = app.screen
        assert isinstance(experiments, ExperimentsScreen)
        experiments.reload()
        row = next(r for r in experiments.rows if r.job_id == second.id)
        shown = experiments.query_one(DataTable).get_row(str(second.id))
    assert row.lineage == "v1 +1 targeted" and "v1 +1 targeted" in shown
    old, new = (
        next(r for r in list_runs(store, v.id) if r.job_id == j.id)
        for v, j in ((parent, first), (child, second))
    )
    # The child trained on the corrected item's prompt, so the deltas leave that item out.
    clean = untrained_scores(store, new, old)
    assert clean is not None and clean.compared == clean.holdout - 1
    delta = clean.new["token_f1"] - clean.old["token_f1"]
    assert row.compared_job == first.id and row.delta_token_f1 == pytest.approx(delta)
    assert f"{delta:+.2f} F1 vs job {first.id}" in row.deltas and row.deltas in shown
    assert f"on the {clean.compared} of {clean.holdout} holdout items" in row.deltas
