"""Import of a converted format (a JSON array of Alpaca and ShareGPT records, a CSV) with its
records checked in worker processes: the same rows, sources, problems and progress as in one
process, a resumed import equal to an uninterrupted one, and a failure named by its record."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.test_import_parallel import imported, snapshot
from tuiapp.services import importer, record_workers
from tuiapp.services.importer import open_dataset, run_import
from tuiapp.store import Store, open_store
from tuiapp.store.datasets import get_dataset
from tuiapp.store.examples import iter_examples
from tuiapp.store.sources import example_source


def alpaca_array(path: Path, n: int = 300) -> Path:
    """Alpaca records with the faults a conversion meets: a record that is not an object, one
    without an output, history turns, a system prompt, and ordinary ones."""
    records: list[Any] = []
    for i in range(n):
        record: Any = {"instruction": f"Say {i} in words.", "input": "", "output": f"n{i}"}
        if i % 37 == 5:
            record = ["not", "an", "object"]
        elif i % 41 == 7:
            del record["output"]
        elif i % 13 == 3:
            record["history"] = [[f"earlier {i}", "earlier answer"]]
        elif i % 17 == 2:
            record["system"] = "Answer briefly."
        records.append(record)
    path.write_text(json.dumps(records, indent=1))
    return path


def sources(store: Store) -> list[tuple[int, str, str]]:
    """Each example's source record: where it was, and the record as read."""
    out = []
    for e in iter_examples(store, 1):
        source = example_source(store, 1, e.idx)
        assert source is not None
        out.append((e.idx, source.location, source.record))
    return out


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of a few records, so a small file is cut in many places."""
    monkeypatch.setattr(importer, "FIRST_BATCH", 7)
    monkeypatch.setattr(importer, "BATCH", 23)


@pytest.mark.parametrize("shape", ["alpaca", "sharegpt", "csv", "parquet"])
def test_records_checked_in_workers_equal_the_one_process_import(
    tmp_path: Path, small_chunks: None, shape: str
) -> None:
    path = alpaca_array(tmp_path / "alpaca.json")
    if shape == "sharegpt":
        rows = [
            {"conversations": [{"from": "human", "value": f"q{i}"}, {"from": "gpt", "value": "a"}]}
            for i in range(150)
        ]
        path = tmp_path / "sharegpt.json"
        path.write_text(json.dumps(rows))
    elif shape == "csv":
        path = tmp_path / "rows.csv"
        path.write_text("prompt,completion\n" + "".join(f"q{i},a{i}\n" for i in range(150)))
    elif shape == "parquet":  # a compressed table: workers whatever its size
        pq = pytest.importorskip("pyarrow.parquet")
        import pyarrow as pa

        path = tmp_path / "rows.parquet"
        table = [{"prompt": f"q{i}", "completion": f"a{i}"} for i in range(150)]
        pq.write_table(pa.Table.from_pylist(table), path)
    one = imported(tmp_path / "one.db", path, workers=0)
    two = imported(tmp_path / "two.db", path, workers=2)
    assert snapshot(two) == snapshot(one)
    assert sources(two) == sources(one)
    assert get_dataset(two, 1).bytes_read == get_dataset(one, 1).bytes_read == path.stat().st_size
    if shape == "alpaca":
        kinds = snapshot(one)["kinds"]
        assert len(snapshot(one)["rows"]) == 300 and {"data_type", "missing_content"} <= set(kinds)


def test_an_interrupted_import_of_records_resumes_where_it_stopped(
    tmp_path: Path, small_chunks: None
) -> None:
    path = alpaca_array(tmp_path / "alpaca.json")
    whole = imported(tmp_path / "one.db", path, workers=0)
    cut = imported(tmp_path / "two.db", path, workers=2, stop_after=4)
    assert get_dataset(cut, 1).import_state == "importing"
    assert 0 < len(list(iter_examples(cut, 1))) < 300
    for _ in run_import(cut, 1, workers=2):
        pass
    assert snapshot(cut) == snapshot(whole) and sources(cut) == sources(whole)


@pytest.mark.parametrize(("suffix", "label"), [(".json", "record"), (".jsonl", "line")])
def test_a_record_whose_check_raises_in_a_worker_fails_the_import_naming_it(
    tmp_path: Path, small_chunks: None, monkeypatch: pytest.MonkeyPatch, suffix: str, label: str
) -> None:
    path = alpaca_array(tmp_path / "alpaca.json")
    if suffix == ".jsonl":  # the same records, one a line: named by their line
        lines = [json.dumps(r) for r in json.loads(path.read_text())]
        path = tmp_path / "alpaca.jsonl"
        path.write_text("\n".join(lines) + "\n")
    real = record_workers.examine_record

    def examine(record: Any, *args: Any, **kwargs: Any) -> Any:
        if record.raw.number == 100:
            raise RuntimeError("the checks broke")
        return real(record, *args, **kwargs)

    monkeypatch.setattr(record_workers, "examine_record", examine)  # forked workers inherit it
    store = open_store(tmp_path / "two.db")
    with pytest.raises(RuntimeError, match="the checks broke"):
        for _ in run_import(store, open_dataset(store, path).id, workers=2):
            pass
    dataset = get_dataset(store, 1)
    assert dataset.import_state == "failed"
    assert dataset.import_error == f"{path}, {label} 100: RuntimeError: the checks broke"
    assert len(list(iter_examples(store, 1))) < 100  # nothing after the failed chunk
