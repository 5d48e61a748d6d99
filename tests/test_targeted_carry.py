"""Targeted examples survive a re-import: `tuiapp import FILE` of a changed source file makes a
new dataset with the unchanged lines' decisions and the user's targeted examples (appended
after the file's lines, with their status, tag and origin), never twice, and they do not
count as decisions the change would lose."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import chat
from tests.test_targeted_cli import answered_run
from tests.test_versions import accept_all
from tuiapp.cli import main
from tuiapp.paths import AppPaths
from tuiapp.services.freeze import commit, plan_freeze
from tuiapp.services.identity import lossy_open_warning
from tuiapp.store import open_store
from tuiapp.store.datasets import list_datasets
from tuiapp.store.examples import ExampleFilter, filtered_positions, get_example
from tuiapp.store.review import set_status
from tuiapp.store.sources import example_source

ROWS = [chat(f"Question number {i} about topic {i * 7}?", f"Answer {i}.") for i in range(40)]


def targeted_dataset(home: AppPaths, path: Path, capsys: pytest.CaptureFixture[str]) -> int:
    """Import the file, accept and freeze it, and add two targeted examples by `tuiapp target`
    (the second one rejected in review afterwards); the eval run's id."""
    assert main(["import", str(path)]) == 0
    store = open_store(home.database)
    dataset = list_datasets(store)[0]
    accept_all(store, dataset.id)
    version = commit(store, plan_freeze(store, dataset.id, fraction=0.2, seed=3), "v1")
    run = answered_run(store, version.id)
    store.close()
    assert main(["target", str(run), "2", "--answer", "Kept across imports."]) == 0
    assert main(["target", str(run), "5", "--answer", "Rejected later."]) == 0
    store = open_store(home.database)
    rejected = get_example(store, dataset.id, 41)
    assert rejected is not None
    set_status(store, rejected, "rejected")
    store.close()
    capsys.readouterr()
    return run


def import_with_the_targeted_example_in_the_file(
    home: AppPaths, write_jsonl: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """A dataset with two targeted examples, then its file again with the first of them
    pasted in by the user, imported (its printed summary left for the caller to read)."""
    path = write_jsonl(ROWS)
    targeted_dataset(home, path, capsys)
    store = open_store(home.database)
    pasted = get_example(store, 1, 40)
    store.close()
    assert pasted is not None
    write_jsonl([*ROWS, pasted.original])  # the user put the first one into the file
    assert main(["import", str(path)]) == 0


def shown(home: AppPaths, dataset_id: int) -> list[tuple[int, str, str, list[str], str | None]]:
    """(line, answer, status, tags, source location) of each targeted-tagged example."""
    store = open_store(home.database)
    found = []
    for idx in filtered_positions(store, dataset_id, ExampleFilter(tag="targeted")):
        example = get_example(store, dataset_id, idx)
        assert example is not None
        source = example_source(store, dataset_id, idx)
        answer = json.loads(example.text)["messages"][-1]["content"]
        where = source.location if source else None
        found.append((example.line, answer, example.status, example.tags, where))
    store.close()
    return found


def test_a_changed_file_imported_again_keeps_the_targeted_examples(
    home: AppPaths, write_jsonl: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_jsonl(ROWS)
    run = targeted_dataset(home, path, capsys)
    model = "ft:tiny:local::7"
    before = [
        (
            41,
            "Kept across imports.",
            "accepted",
            ["targeted"],
            f"eval run {run}, item 2 (model {model})",
        ),
        (
            42,
            "Rejected later.",
            "rejected",
            ["targeted"],
            f"eval run {run}, item 5 (model {model})",
        ),
    ]
    assert shown(home, 1) == before
    write_jsonl([*ROWS, chat("A question added to the file?", "Its answer.")])
    assert lossy_open_warning(home.database, path) is None  # nothing the user decided is lost
    assert main(["import", str(path), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["dataset"] == 2 and summary["examples"] == 43  # 41 lines, 2 targeted
    after = [(line + 1, *rest) for line, *rest in before]  # after the file's 41 lines
    assert shown(home, 2) == after
    store = open_store(home.database)
    record = example_source(store, 2, 41)
    carried, added = get_example(store, 2, 0), get_example(store, 2, 40)
    store.close()
    assert record is not None and json.loads(record.record)["model_answer"] == "Wrong 2."
    assert carried is not None and carried.status == "accepted"  # the file's lines' decisions
    assert added is not None and added.status == "pending"  # the new line: nobody decided it

    write_jsonl([*ROWS, chat("Another one?", "Another answer.")])  # and once more: not twice
    assert main(["import", str(path)]) == 0
    assert shown(home, 3) == after


def test_a_file_that_took_the_targeted_example_in_does_not_get_it_twice(
    home: AppPaths, write_jsonl: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    import_with_the_targeted_example_in_the_file(home, write_jsonl, capsys)
    lines = [(line, answer, status) for line, answer, status, *_ in shown(home, 2)]
    assert lines == [(41, "Kept across imports.", "accepted"), (42, "Rejected later.", "rejected")]
