"""Formats in, tables: CSV with prompt/completion columns (and their aliases), Parquet files and
Hugging Face dataset folders saved with `save_to_disk`, through `tuiapp import`."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from tuiapp.cli import main
from tuiapp.paths import AppPaths
from tuiapp.store import open_store
from tuiapp.store.examples import get_example
from tuiapp.store.sources import example_source


def _import(path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any, str]:
    """Run `tuiapp import PATH --json ...`: the exit code, the summary and stderr."""
    code = main(["import", str(path), "--json", *args])
    got = capsys.readouterr()
    return code, json.loads(got.out) if got.out else None, got.err


def _example(home: AppPaths, dataset: int, idx: int) -> tuple[Any, str, str]:
    """The stored example (parsed), its source record and where it came from."""
    store = open_store(home.database)
    example = get_example(store, dataset, idx)
    source = example_source(store, dataset, idx)
    store.close()
    assert example is not None and source is not None
    return json.loads(example.original), source.record, source.location


def _write_csv(
    path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8"
) -> Path:
    """A CSV file with this header and rows (quoted where the csv module needs it, lines ended
    with CRLF as the csv module writes them)."""
    with open(path, "w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_csv_prompt_completion_with_multiline_cells(
    home: AppPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each row becomes system/user/assistant; a quoted multi-line cell stays one cell, and the
    source says which row and which line of the file it starts on."""
    rows = [["Be brief.", f"Add {i} and {i}.", f"{2 * i}."] for i in range(11)]
    rows.insert(1, ["Be brief.", 'A "quoted"\nmulti-line\nprompt', "Yes,\nit works."])
    path = _write_csv(tmp_path / "pairs.csv", ["System", "prompt", "completion"], rows)
    code, summary, _ = _import(path, capsys)
    assert code == 0 and (summary["format"], summary["examples_as"]) == ("csv", "chat")
    assert summary["examples"] == summary["valid_examples"] == 12
    example, original, where = _example(home, summary["dataset"], 1)
    assert example == {
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": 'A "quoted"\nmulti-line\nprompt'},
            {"role": "assistant", "content": "Yes,\nit works."},
        ]
    }
    assert json.loads(original)["completion"] == "Yes,\nit works."
    assert where == "row 2 (line 3)"
    _, _, where = _example(home, summary["dataset"], 2)
    assert where == "row 3 (line 7)"  # row 2 took lines 3-6


@pytest.mark.parametrize(
    ("header", "row", "user", "answer"),
    [
        (
            ["instruction", "input", "output"],
            ["Translate", "chat", "chat (fr)"],
            "Translate\nchat",
            "chat (fr)",
        ),
        (["question", "answer"], ["Why?", "Because."], "Why?", "Because."),
        (["Query", "Response"], ["q", "r"], "q", "r"),
    ],
)
def test_csv_column_aliases(
    header: list[str],
    row: list[str],
    user: str,
    answer: str,
    home: AppPaths,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """instruction/input/output (input joined to the instruction by a newline), question/answer,
    query/response (any case) map to the user and assistant turns, after a byte-order mark as
    Excel writes one."""
    path = _write_csv(tmp_path / "aliases.csv", header, [row] * 10, encoding="utf-8-sig")
    code, summary, _ = _import(path, capsys)
    assert code == 0 and summary["format"] == "csv"
    example, _, _ = _example(home, summary["dataset"], 0)
    assert example["messages"] == [
        {"role": "user", "content": user},
        {"role": "assistant", "content": answer},
    ]


def test_csv_prompt_chosen_rejected_is_a_preference_dataset(
    home: AppPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """prompt/chosen/rejected columns give preference (DPO) examples."""
    path = _write_csv(
        tmp_path / "dpo.csv", ["prompt", "chosen", "rejected"], [["Q", "good", "bad"]] * 10
    )
    code, summary, _ = _import(path, capsys)
    assert code == 0 and summary["examples_as"] == "preference"
    example, _, _ = _example(home, summary["dataset"], 0)
    assert example == {
        "input": {"messages": [{"role": "user", "content": "Q"}]},
        "preferred_output": [{"role": "assistant", "content": "good"}],
        "non_preferred_output": [{"role": "assistant", "content": "bad"}],
    }


def test_csv_without_known_columns_names_the_columns_seen(
    home: AppPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Nothing is imported, detected or forced, and the error lists the header's columns."""
    path = _write_csv(tmp_path / "notes.csv", ["id", "text"], [["1", "hello"]])
    for args in ((), ("--format", "csv")):
        code, summary, err = _import(path, capsys, *args)
        assert code == 1 and summary is None
        assert "no known columns: the header has id, text" in err
    forced = _write_csv(tmp_path / "pairs.txt", ["prompt", "completion"], [["q", "a"]] * 10)
    code, summary, _ = _import(forced, capsys, "--format", "csv")
    assert code == 0 and summary["examples"] == 10
    main(["datasets", "--json"])
    assert [d["name"] for d in json.loads(capsys.readouterr().out)] == ["pairs.txt"]


def _stream(path: Path, rows: list[dict[str, Any]], chunk: int = 4) -> None:
    """An Arrow stream file (what save_to_disk writes) with these rows."""
    pa = pytest.importorskip("pyarrow")
    import pyarrow.ipc

    table = pa.Table.from_pylist(rows)
    with pa.OSFile(str(path), "wb") as sink, pyarrow.ipc.new_stream(sink, table.schema) as out:
        for batch in table.to_batches(max_chunksize=chunk):
            out.write_batch(batch)


def _saved_split(folder: Path, rows: list[dict[str, Any]], shards: int = 1) -> None:
    """One split as save_to_disk lays it out: Arrow shards, state.json, dataset_info.json."""
    folder.mkdir(parents=True)
    names = [f"data-{i:05d}-of-{shards:05d}.arrow" for i in range(shards)]
    per = -(-len(rows) // shards)
    for i, name in enumerate(names):
        _stream(folder / name, rows[i * per : (i + 1) * per])
    state = {"_data_files": [{"filename": n} for n in names], "_fingerprint": folder.name}
    (folder / "state.json").write_text(json.dumps(state))
    (folder / "dataset_info.json").write_text(json.dumps({"description": "", "features": {}}))


def test_parquet_chat_rows_with_tool_calls(
    home: AppPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A Parquet file of chat rows: the fields Arrow fills with nulls for messages that lack
    them (tool_calls, tool_call_id) are not in the examples, which validate clean."""
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    call = {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    rows: list[dict[str, list[dict[str, Any]]]] = [
        {
            "messages": [
                {"role": "user", "content": f"Call f {i}"},
                {"role": "assistant", "content": None, "tool_calls": [call]},
                {"role": "tool", "tool_call_id": "call_1", "content": "42"},
                {"role": "assistant", "content": f"It says 42 ({i})."},
            ]
        }
        for i in range(10)
    ]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "chat.parquet", row_group_size=3)
    code, summary, _ = _import(tmp_path / "chat.parquet", capsys)
    assert code == 0 and (summary["format"], summary["errors"]) == ("parquet", {})
    example, _, where = _example(home, summary["dataset"], 9)
    messages = [{k: v for k, v in m.items() if v is not None} for m in rows[9]["messages"]]
    assert example == {"messages": messages}
    assert where == "row 10"


def test_saved_dataset_dict_imports_train_or_the_split_named(
    home: AppPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A DatasetDict folder: train by default, saying so and naming the other splits; --split
    takes another; rows in Alpaca and ShareGPT form go through their converters, across
    several Arrow shards."""
    pytest.importorskip("pyarrow")
    root = tmp_path / "my_data"
    alpaca = [{"instruction": f"Say {i}", "input": "", "output": f"{i}"} for i in range(12)]
    sharegpt = [
        {
            "conversations": [
                {"from": "human", "value": f"hi {i}"},
                {"from": "gpt", "value": "hello"},
            ]
        }
        for i in range(10)
    ]
    _saved_split(root / "train", alpaca, shards=2)
    _saved_split(root / "test", sharegpt)
    (root / "dataset_dict.json").write_text(json.dumps({"splits": ["train", "test"]}))
    code, summary, err = _import(root, capsys)
    assert code == 0 and "importing split 'train' (others: test)" in err
    assert (summary["name"], summary["format"], summary["examples"]) == (
        "my_data/train",
        "arrow",
        12,
    )
    example, original, _ = _example(home, summary["dataset"], 11)
    assert example["messages"][0] == {"role": "user", "content": "Say 11"}
    assert json.loads(original) == alpaca[11]
    code, summary, err = _import(root, capsys, "--split", "test")
    assert code == 0 and "importing split 'test'" in err and summary["examples"] == 10
    example, _, _ = _example(home, summary["dataset"], 0)
    assert example["messages"][1] == {"role": "assistant", "content": "hello"}
    code, _, err = _import(root, capsys, "--split", "validation")
    assert code == 2 and "has no split 'validation' (splits: train, test)" in err
    code, _, err = _import(tmp_path, capsys)
    assert code == 2 and "not a dataset saved with save_to_disk" in err


def test_without_pyarrow_the_error_says_what_to_install(
    home: AppPaths,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With pyarrow not importable, a Parquet import says `pip install 'tuiapp[formats]'`."""
    path = tmp_path / "chat.parquet"
    path.write_bytes(b"PAR1" + b"\0" * 16 + b"PAR1")
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    code, summary, err = _import(path, capsys)
    assert code == 1 and summary is None
    assert "pip install 'tuiapp[formats]'" in err


def test_arrow_rows_stream_with_flat_memory(tmp_path: Path) -> None:
    """A 20 MB Arrow stream (save_to_disk's form) is read a record batch at a time: Python
    memory stays well under its size, and so does Arrow's own pool (memory-mapped)."""
    pa = pytest.importorskip("pyarrow")
    import tracemalloc

    from tuiapp.data.formats.arrow_file import iter_table

    path = tmp_path / "data.arrow"
    rows = [
        {"instruction": f"{i} " + "x" * 1000, "input": "", "output": "y" * 1000}
        for i in range(10_000)
    ]
    _stream(path, rows, chunk=1_000)  # datasets writes batches of 1,000 rows
    del rows
    assert path.stat().st_size > 20_000_000
    tracemalloc.start()
    try:
        pool_peak, n = 0, 0
        for _ in iter_table(path):
            pool_peak, n = max(pool_peak, pa.total_allocated_bytes()), n + 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert n == 10_000
    assert peak < 4_000_000 and pool_peak < 4_000_000
