"""`tuiapp target RUN ITEM`: an evaluation item made a targeted example from a script, as
ctrl+t does on the evaluate screen (the store's rows, tag and source, and what is printed),
and the refusals that add nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.test_targeted import parent_version
from tuiapp.cli import main
from tuiapp.paths import AppPaths
from tuiapp.services.eval_run import eval_items
from tuiapp.store import Store, open_store
from tuiapp.store.evals import EvalOutput, create_run, finish_run, save_output
from tuiapp.store.examples import ExampleFilter, filtered_positions, get_example
from tuiapp.store.judgements import Judgement, create_judge_run, save_judgement
from tuiapp.store.sources import example_source

MODEL = "ft:tiny:local::7"


def answered_run(store: Store, version_id: int, model: str = MODEL) -> int:
    """A completed evaluation run of `model` over the version's holdout: 'Wrong i.' each."""
    items = eval_items(store, version_id)
    run = create_run(store, version_id, "local", model, len(items))
    for item in items:
        answer = EvalOutput(
            item.position, item.example_id, f"Wrong {item.position}.", None, 1.0, 9, 3
        )
        save_output(store, run.id, answer)
    finish_run(store, run.id, "completed", {"items": len(items)})
    return run.id


def tagged(home: AppPaths, dataset_id: int) -> list[int]:
    """Positions of the dataset's examples tagged targeted."""
    store = open_store(home.database)
    try:
        return list(filtered_positions(store, dataset_id, ExampleFilter(tag="targeted")))
    finally:
        store.close()


def test_target_adds_the_item_with_the_answer_and_says_where_it_went(
    home: AppPaths, write_jsonl: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    store, version = parent_version(home, write_jsonl)
    run = answered_run(store, version.id)
    item = eval_items(store, version.id)[3]
    store.close()
    assert main(["target", str(run), "3", "--answer", "The right answer."]) == 0
    out = capsys.readouterr().out.strip()
    where = f"eval run {run}, item 3 (model {MODEL})"
    assert tagged(home, version.dataset_id) == [40]
    store = open_store(home.database)
    example = get_example(store, version.dataset_id, 40)
    source = example_source(store, version.dataset_id, 40)
    store.close()
    assert example is not None and example.status == "accepted" and example.tags == ["targeted"]
    assert out == (
        f"added to dataset {version.dataset_id} (data.jsonl) as line 41 ({example.n_tokens} "
        f"tokens), accepted and tagged targeted, from {where}; freeze a new version to "
        f"train on it (`tuiapp freeze {version.dataset_id}`)"
    )
    messages = json.loads(example.text)["messages"]
    assert messages[:-1] == item.messages
    assert messages[-1] == {"role": "assistant", "content": "The right answer."}
    assert source is not None and source.source_format == "targeted"
    assert source.location == where
    record = json.loads(source.record)
    assert record["model_answer"] == "Wrong 3." and record["eval_run"] == run
    assert record["item"] == 3 and record["desired_answer"] == "The right answer."


def test_the_reference_an_answer_file_and_a_judged_loss(
    home: AppPaths,
    write_jsonl: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    store, version = parent_version(home, write_jsonl)
    tuned = answered_run(store, version.id)
    base = answered_run(store, version.id, "SmolLM2-135M-Instruct")
    judge = create_judge_run(store, tuned, base, "pairwise", "local", "judge-m", "{question}", 2)
    for ask, verdict in (("ab", "b"), ("ba", "a")):  # the base's answer, in both orders
        save_judgement(store, judge.id, Judgement(1, ask, verdict, None, verdict, None, 5, 1))
    reference = eval_items(store, version.id)[0].reference
    store.close()
    assert main(["target", str(tuned), "0", "--reference", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["dataset"] == version.dataset_id and shown["line"] == 41
    assert shown["origin"] == f"eval run {tuned}, item 0 (model {MODEL})"
    answer = tmp_path / "better.txt"
    answer.write_text("A better answer,\non two lines.", encoding="utf-8")
    assert main(["target", str(tuned), "1", "--answer-file", str(answer)]) == 0
    out = capsys.readouterr().out
    assert f"judged a loss by judge run {judge.id} (local:judge-m)" in out
    store = open_store(home.database)
    first, second = (get_example(store, version.dataset_id, i) for i in (40, 41))
    source = example_source(store, version.dataset_id, 41)
    store.close()
    assert first is not None and json.loads(first.text)["messages"][-1]["content"] == reference
    assert second is not None
    assert json.loads(second.text)["messages"][-1]["content"] == "A better answer,\non two lines."
    assert source is not None and json.loads(source.record)["verdict"] == "loss"


def test_no_such_item_or_run_an_empty_answer_and_a_missing_file_add_nothing(
    home: AppPaths, write_jsonl: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    store, version = parent_version(home, write_jsonl)
    run = answered_run(store, version.id)
    store.close()
    assert main(["target", str(run), "99", "--answer", "x"]) == 2
    assert f"tuiapp: eval run {run} has no item 99 (items: 0-7)" in capsys.readouterr().err
    assert main(["target", "42", "0", "--answer", "x"]) == 2
    assert "tuiapp: no evaluation run with id 42" in capsys.readouterr().err
    assert main(["target", str(run), "0", "--answer", "  "]) == 1
    err = capsys.readouterr().err
    assert f"eval run {run}, item 0 (model {MODEL}): the desired answer is empty" in err
    assert main(["target", str(run), "0", "--answer-file", "/no/such/file"]) == 2
    assert "/no/such/file: No such file or directory: no answer read" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # one way to give the answer, and one is needed
        main(["target", str(run), "0"])
    assert tagged(home, version.dataset_id) == []
