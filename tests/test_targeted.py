"""Targeted examples: a corrected answer added to the version's dataset (accepted, tagged,
with its origin as the source record, checked and counted like an import), and the freeze
that makes a child version keeping the parent's holdout."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

from tests.conftest import chat
from tests.test_store_and_import import imported
from tests.test_versions import accept_all
from tuiapp.cli import main
from tuiapp.paths import AppPaths
from tuiapp.services.edits import examiner
from tuiapp.services.eval_run import eval_items
from tuiapp.services.experiments import experiments
from tuiapp.services.freeze import commit, plan_freeze
from tuiapp.services.importer import run_import
from tuiapp.services.targeted import add_targeted, eval_origin, playground_origin
from tuiapp.store import Store
from tuiapp.store.datasets import get_dataset
from tuiapp.store.evals import EvalOutput, create_run, finish_run, list_runs, save_output
from tuiapp.store.examples import ExampleFilter, filtered_positions, get_example, iter_examples
from tuiapp.store.jobs import insert_job, update_job
from tuiapp.store.sources import example_source, stored_source_format
from tuiapp.store.targeted import targeted_added
from tuiapp.store.versions import Version, iter_entries


def parent_version(home: AppPaths, write_jsonl: Callable[..., Path]) -> tuple[Store, Version]:
    """40 distinct questions, accepted and frozen with a 20% holdout."""
    rows = [chat(f"Question number {i} about topic {i * 7}?", f"Answer {i}.") for i in range(40)]
    store, dataset = imported(home, write_jsonl(rows))
    accept_all(store, dataset.id)
    return store, commit(store, plan_freeze(store, dataset.id, fraction=0.2, seed=3), "v1")


def holdout_ids(store: Store, version_id: int) -> list[int]:
    """The example ids of a version's holdout, in order."""
    return [e.example_id for e in iter_entries(store, version_id, "holdout")]


def test_a_corrected_eval_answer_becomes_an_accepted_tagged_example_with_its_origin(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    store, version = parent_version(home, write_jsonl)
    item = eval_items(store, version.id)[2]
    origin = eval_origin(5, version.id, item.position, "ft:tiny:local::1")
    added = add_targeted(store, version.id, item.messages, "The right answer.", origin, "wrong")
    example = get_example(store, version.dataset_id, added.idx)
    assert example is not None and example.status == "accepted"
    assert example.tags == ["targeted"] and example.line == 41  # after the file's 40 lines
    assert orjson.loads(example.text)["messages"][-1] == {
        "role": "assistant",
        "content": "The right answer.",
    }
    as_imported = examiner(get_dataset(store, version.dataset_id))(example.text, 41)
    assert added.n_tokens == example.n_tokens == as_imported.n_tokens > 10
    assert example.n_assistant_tokens == as_imported.n_assistant_tokens > 0
    source = example_source(store, version.dataset_id, added.idx)
    assert source is not None and source.source_format == "targeted"
    assert source.location == "eval run 5, item 2 (model ft:tiny:local::1)"
    record = json.loads(source.record)
    assert record["model_answer"] == "wrong" and record["eval_run"] == 5
    tagged = filtered_positions(store, version.dataset_id, ExampleFilter(tag="targeted"))
    assert list(tagged) == [40]
    assert stored_source_format(store, version.dataset_id) is None  # still read as JSONL


def test_a_judged_loss_and_a_playground_answer_say_where_they_came_from() -> None:
    judged = eval_origin(3, 1, 7, "ft:x", judge=(2, "local:judge", "loss"))
    assert judged.kind == "judge"
    assert judged.location == (
        "eval run 3, item 7 (model ft:x), judged a loss by judge run 2 (local:judge)"
    )
    assert playground_origin(4, "ft:y", 2).location == "playground, job 4, answer 2 (model ft:y)"
    assert eval_origin(None, 9, 1, None).location == "version 9 holdout, item 1"


def test_an_empty_answer_or_one_with_errors_is_refused(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    store, version = parent_version(home, write_jsonl)
    item = eval_items(store, version.id)[0]
    origin = eval_origin(None, version.id, 0, None)
    with pytest.raises(ValueError, match="empty"):
        add_targeted(store, version.id, item.messages, "  \n", origin)
    bad = [{"role": "wizard", "content": "hi"}]
    with pytest.raises(ValueError, match="errors"):
        add_targeted(store, version.id, bad, "an answer", origin)
    assert len(list(iter_examples(store, version.dataset_id))) == 40  # nothing added


def test_freezing_after_targeted_examples_makes_a_child_with_the_parents_holdout(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    store, parent = parent_version(home, write_jsonl)
    items = eval_items(store, parent.id)
    for item in items[:3]:
        origin = eval_origin(1, parent.id, item.position, "ft:m")
        add_targeted(store, parent.id, item.messages, f"Better: {item.reference}", origin)
    fresh = [{"role": "user", "content": f"A new question {i} nobody asked?"} for i in range(5)]
    for i, message in enumerate(fresh):  # with a fresh split, some would land in the holdout
        add_targeted(store, parent.id, [message], "A new answer.", playground_origin(1, "m", i))
    plan = plan_freeze(store, parent.dataset_id, fraction=0.3, seed=99)  # other settings, even
    assert plan.parent_id == parent.id
    assert plan.report["holdout_kept_from"] == parent.id and plan.report["targeted"] == 8
    said = "\n".join(plan.warnings)
    assert f"holdout kept from version {parent.id} (v1): 8 examples" in said
    assert "; targeted examples, all in train: 8" in said
    assert "targeted examples with the prompt of a holdout example: 3" in said
    child = commit(store, plan, "v2")
    assert child.parent_id == parent.id and (child.split_seed, child.split_fraction) == (3, 0.2)
    assert holdout_ids(store, child.id) == holdout_ids(store, parent.id)
    assert child.counts["train"] == parent.counts["train"] + 8
    assert targeted_added(store, child.id, parent.id) == 8
    assert targeted_added(store, parent.id, None) == 0


def test_a_first_freeze_never_puts_a_targeted_example_in_the_holdout(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    store, parent = parent_version(home, write_jsonl)
    for i in range(10):
        message = [{"role": "user", "content": f"Targeted question {i} on theme {i * 11}?"}]
        add_targeted(store, parent.id, message, f"Reply {i}.", playground_origin(None, "m", i))
    store.conn.execute("DELETE FROM version_examples")  # as if no version had been frozen
    store.conn.execute("DELETE FROM dataset_versions")
    store.conn.commit()
    plan = plan_freeze(store, parent.dataset_id, fraction=0.45, seed=0)
    held = {e.example_id for e in plan.entries if e.split == "holdout"}
    targeted = {e.id for e in iter_examples(store, parent.dataset_id) if "targeted" in e.tags}
    assert held and len(targeted) == 10 and not held & targeted
    assert plan.report["holdout_kept_from"] is None


def test_a_targeted_example_does_not_change_how_the_file_is_read_again(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    store, version = parent_version(home, write_jsonl)
    item = eval_items(store, version.id)[0]
    add_targeted(store, version.id, item.messages, "Fixed.", eval_origin(None, version.id, 0, None))
    assert list(run_import(store, version.dataset_id))[-1].done  # JSONL, not "targeted"


def evaluated_job(store: Store, version: Version, model: str, scores: dict[str, float]) -> int:
    """A succeeded job on a version with one completed evaluation run of these scores."""
    job = insert_job(
        store,
        provider="local",
        remote_id=f"ftjob-{model}",
        version_id=version.id,
        base_model="tiny-llama",
        training_file="file-1",
        status="succeeded",
    )
    update_job(store, job.id, fine_tuned_model=model)
    run = create_run(store, version.id, "local", model, 8, job_id=job.id)
    finish_run(store, run.id, "completed", scores)
    return job.id


def answered(store: Store, job_id: int, version: Version, right: set[int]) -> None:
    """Store the job's run answers: the reference at these holdout positions, wrong elsewhere."""
    run = next(r for r in list_runs(store, version.id) if r.job_id == job_id)
    for item in eval_items(store, version.id):
        text = item.reference if item.position in right else "something else entirely"
        save_output(store, run.id, EvalOutput(item.position, item.example_id, text, None, 1, 1, 1))


def test_experiments_show_the_childs_lineage_and_its_deltas_against_the_parent_job(
    home: AppPaths, write_jsonl: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    store, parent = parent_version(home, write_jsonl)
    first = evaluated_job(store, parent, "ft:one", {"exact_match": 0.25, "token_f1": 0.5})
    for item in eval_items(store, parent.id)[3:6]:  # corrected from three other prompts
        message = [{"role": "user", "content": f"A new question about {item.position}?"}]
        add_targeted(store, parent.id, message, "A new answer.", playground_origin(None, "m", 1))
    child = commit(store, plan_freeze(store, parent.dataset_id, fraction=0.2), "v2")
    second = evaluated_job(store, child, "ft:two", {"exact_match": 0.375, "token_f1": 0.45})
    rows = {row.job_id: row for row in experiments(store)}
    assert rows[first].lineage == "" and rows[first].deltas == ""
    row = rows[second]
    assert row.lineage == "v1 +3 targeted" and row.targeted_added == 3
    assert row.parent_version == f"v1 ({parent.short_hash[:8]})"
    assert row.compared_job == first and row.delta_exact_match == pytest.approx(0.125)
    assert row.deltas == f"+0.12 exact, -0.05 F1 vs job {first}"
    capsys.readouterr()
    assert main(["experiments", "--json", "--home", str(home.data_dir.parent)]) == 0
    shown = {r["job_id"]: r for r in json.loads(capsys.readouterr().out)}
    assert shown[second]["lineage"] == "v1 +3 targeted"
    assert shown[second]["deltas"] == f"+0.12 exact, -0.05 F1 vs job {first}"


def test_deltas_leave_out_the_holdout_items_the_child_trained_on(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    store, parent = parent_version(home, write_jsonl)
    items = eval_items(store, parent.id)
    first = evaluated_job(store, parent, "ft:one", {"exact_match": 0.25})
    answered(store, first, parent, right={0, 1})
    for item in items[:3]:  # corrected answers to three holdout prompts: the child trains on them
        origin = eval_origin(1, parent.id, item.position, "ft:one")
        add_targeted(store, parent.id, item.messages, item.reference, origin)
    child = commit(store, plan_freeze(store, parent.dataset_id, fraction=0.2), "v2")
    second = evaluated_job(store, child, "ft:two", {"exact_match": 5 / len(items)})
    answered(store, second, child, right={0, 1, 2, 3, 4})  # 3 of its 5 right ones it trained on
    row = {r.job_id: r for r in experiments(store)}[second]
    rest = len(items) - 3
    # on the whole holdout +3/8; on the 5 items it never saw, 2 right against none: +0.40
    assert row.delta_exact_match == pytest.approx(2 / rest)
    assert row.deltas.endswith(
        f"vs job {first} (on the {rest} of {len(items)} holdout items it did not train on)"
    )


def test_on_a_preference_dataset_the_corrected_answer_is_preferred_over_the_models(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    rows = [
        {
            "input": {"messages": [{"role": "user", "content": f"Question {i} on item {i * 3}?"}]},
            "preferred_output": [{"role": "assistant", "content": f"Good answer {i}."}],
            "non_preferred_output": [{"role": "assistant", "content": f"Bad reply {i * 7}."}],
        }
        for i in range(20)
    ]
    store, dataset = imported(home, write_jsonl(rows))
    assert dataset.format == "preference"
    accept_all(store, dataset.id)
    version = commit(store, plan_freeze(store, dataset.id, fraction=0.2), "v1")
    item = eval_items(store, version.id)[0]
    origin = eval_origin(2, version.id, 0, "ft:dpo")
    with pytest.raises(ValueError, match="rejected"):
        add_targeted(store, version.id, item.messages, "Better.", origin)
    added = add_targeted(store, version.id, item.messages, "Better.", origin, "Worse, by far.")
    example = get_example(store, dataset.id, added.idx)
    assert example is not None and example.severity == 0
    obj = orjson.loads(example.text)
    assert obj["input"]["messages"] == item.messages
    assert obj["preferred_output"] == [{"role": "assistant", "content": "Better."}]
    assert obj["non_preferred_output"] == [{"role": "assistant", "content": "Worse, by far."}]
