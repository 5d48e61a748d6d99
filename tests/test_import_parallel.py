"""Import with the lines examined in worker processes: the same rows, problems and line
numbers as the one-process import, and the rule that picks how many workers run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import chat
from tuiapp.paths import AppPaths
from tuiapp.services import import_workers
from tuiapp.services.import_workers import PARALLEL_FROM_BYTES, split_ranges
from tuiapp.services.importer import open_dataset, run_import
from tuiapp.store import Store, open_store
from tuiapp.store.datasets import get_dataset
from tuiapp.store.examples import iter_examples, problem_counts


def mixed_file(path: Path, n: int = 400) -> Path:
    """A file with a BOM, bad JSON, bad UTF-8, wrong roles, blank lines, CRLF and lone-CR
    endings, long and short lines: every kind of line a range cut can fall next to."""
    out = bytearray(b"\xef\xbb\xbf")
    for i in range(n):
        good = json.dumps(chat(f"Question {i}? " + "word " * (i % 37), f"Answer {i}."))
        line = good.encode()
        if i % 23 == 5:
            line = b'{"messages": [{"role": "user", "content": "cut'  # not JSON
        elif i % 41 == 7:
            line = good.encode().replace(b"Question", b"Qu\xffestion")  # not UTF-8
        elif i % 29 == 3:
            line = json.dumps({"messages": [{"role": "robot", "content": "hi"}]}).encode()
        out += line
        out += b"\r\n" if i % 17 == 0 else b"\r" if i % 53 == 11 else b"\n"
        if i % 31 == 0:
            out += b"\n   \n"  # blank lines
    path.write_bytes(bytes(out))
    return path


def imported(db: Path, path: Path, workers: int, stop_after: int | None = None) -> Store:
    """A fresh store with the file imported (or the first `stop_after` batches of it)."""
    store = open_store(db)
    dataset = open_dataset(store, path)
    for i, _ in enumerate(run_import(store, dataset.id, workers=workers)):
        if stop_after is not None and i + 1 >= stop_after:
            break
    return store


def snapshot(store: Store) -> dict[str, Any]:
    """What a user sees of the import: every example's row, the file's problems, counts."""
    dataset = get_dataset(store, 1)
    rows = [
        (e.idx, e.line, e.original, [p.to_dict() for p in e.problems], int(e.severity))
        + (e.n_tokens, e.n_assistant_tokens, e.n_messages, e.status)
        for e in iter_examples(store, 1)
    ]
    return {
        "rows": rows,
        "file_problems": [p.to_dict() for p in dataset.file_problems],
        "lines": dataset.lines,
        "state": dataset.import_state,
        "kinds": problem_counts(store, 1),
    }


@pytest.fixture
def small_ranges(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ranges of a few lines, so a small file is cut in many places."""
    monkeypatch.setattr(import_workers, "FIRST_RANGE_BYTES", 500)
    monkeypatch.setattr(import_workers, "RANGE_BYTES", 1_500)


def test_parallel_import_equals_the_one_process_import(
    home: AppPaths, tmp_path: Path, small_ranges: None
) -> None:
    path = mixed_file(tmp_path / "mixed.jsonl")
    single = snapshot(imported(tmp_path / "one.db", path, workers=0))
    parallel = snapshot(imported(tmp_path / "two.db", path, workers=2))
    assert len(list(split_ranges(path, 0, path.stat().st_size))) > 20
    assert single["state"] == "complete" and len(single["rows"]) == 400
    assert {"invalid_json", "invalid_utf8", "bom"} <= set(single["kinds"])
    assert {p["kind"] for p in single["file_problems"]} >= {"blank_line", "crlf", "cr"}
    assert parallel == single


def test_an_interrupted_parallel_import_resumes_in_one_process(
    home: AppPaths, tmp_path: Path, small_ranges: None
) -> None:
    path = mixed_file(tmp_path / "mixed.jsonl", 200)
    single = snapshot(imported(tmp_path / "one.db", path, workers=0))
    store = imported(tmp_path / "two.db", path, workers=2, stop_after=5)
    assert get_dataset(store, 1).import_state == "importing"
    assert 0 < len(list(iter_examples(store, 1))) < 200
    for _ in run_import(store, 1, workers=0):
        pass
    resumed = snapshot(store)
    # a resumed import reports only the blank lines and CRLF it read after the restart
    assert resumed["rows"] == single["rows"] and resumed["kinds"] == single["kinds"]


@pytest.mark.parametrize(
    ("size", "cores", "load", "workers"),
    [
        (PARALLEL_FROM_BYTES - 1, 8, 0.0, 0),  # small file: in this process
        (PARALLEL_FROM_BYTES, 1, 0.0, 0),  # one core
        (PARALLEL_FROM_BYTES, 2, 1.3, 0),  # two cores, one of them busy
        (PARALLEL_FROM_BYTES, 2, 0.4, 2),  # two quiet cores
        (PARALLEL_FROM_BYTES, 16, 3.0, 8),  # capped
    ],
)
def test_worker_count_follows_the_free_cores(
    size: int, cores: int, load: float, workers: int
) -> None:
    assert import_workers.import_workers(size, cores=cores, load=load) == workers
