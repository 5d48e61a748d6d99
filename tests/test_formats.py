"""Formats in: detection and conversion of LLaMA-Factory's real data (Alpaca, ShareGPT with tool
calls and DPO, v1 JSONL), JSON arrays streamed, problems at the source record, `tuiapp import`."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from tuiapp.cli import main
from tuiapp.data.formats.array import iter_array
from tuiapp.data.formats.detect import sniff, target_format
from tuiapp.paths import AppPaths
from tuiapp.store import open_store
from tuiapp.store.examples import get_example
from tuiapp.store.sources import example_source

LF = Path(__file__).parent / "fixtures" / "llamafactory"


def _import(path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any]:
    """Run `tuiapp import PATH --json ...`: the exit code and the summary."""
    code = main(["import", str(path), "--json", *args])
    out = capsys.readouterr().out
    return code, json.loads(out) if out else None


def _example(home: AppPaths, dataset: int, idx: int) -> tuple[Any, str]:
    """The stored example (parsed) and its stored source record."""
    store = open_store(home.database)
    example = get_example(store, dataset, idx)
    source = example_source(store, dataset, idx)
    store.close()
    assert example is not None and source is not None
    return json.loads(example.original), source.record


@pytest.mark.parametrize(
    ("name", "source", "target"),
    [
        ("alpaca_en_demo.json", "alpaca", "chat"),
        ("glaive_toolcall_en_demo.json", "sharegpt", "chat"),
        ("dpo_en_demo.json", "sharegpt", "preference"),
        ("v1_sft_demo.jsonl", "llamafactory", "chat"),
        ("v1_dpo_demo.jsonl", "llamafactory", "preference"),
        ("reason_tool_use_demo_50.jsonl", "llamafactory", "chat"),
    ],
)
def test_each_real_file_is_detected_and_validates(
    name: str, source: str, target: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each LLaMA-Factory file is recognised and, converted, has no format error (they all had
    one on every line or record before)."""
    path = LF / name
    assert (sniff(path), target_format(path, source)) == (source, target)
    main(["validate", str(path), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert (report["source_format"], report["format"]) == (source, target)
    records = (
        json.loads(path.read_text())
        if name.endswith(".json")
        else path.read_text().split("\n")[:-1]
    )
    assert report["examples"] == len(records)
    errors = {k for k in report["format_errors"] if k != "too_few_examples"}
    assert errors == set()


def test_alpaca_instruction_and_input_become_the_user_turn(
    home: AppPaths, capsys: pytest.CaptureFixture[str]
) -> None:
    """Record 6 has an input: the user turn is instruction, newline, input; the original stays."""
    code, summary = _import(LF / "alpaca_en_demo.json", capsys)
    assert code == 0 and summary["format"] == "alpaca" and summary["examples"] == 12
    record = json.loads((LF / "alpaca_en_demo.json").read_text())[5]
    example, original = _example(home, summary["dataset"], 5)
    assert example == {
        "messages": [
            {"role": "user", "content": f"{record['instruction']}\n{record['input']}"},
            {"role": "assistant", "content": record["output"]},
        ]
    }
    assert json.loads(original) == record


def test_sharegpt_function_calls_become_tool_calls(
    home: AppPaths, capsys: pytest.CaptureFixture[str]
) -> None:
    """function_call -> assistant tool_calls, observation -> tool answering that id, the tools
    string -> OpenAI function tools."""
    _, summary = _import(LF / "glaive_toolcall_en_demo.json", capsys)
    example, _ = _example(home, summary["dataset"], 0)
    messages = example["messages"]
    assert [m["role"] for m in messages[:6]] == [
        "user",
        "assistant",
        "user",
        "assistant",
        "tool",
        "assistant",
    ]
    (call,) = messages[3]["tool_calls"]
    assert call["id"] == "call_1" and call["type"] == "function"
    assert call["function"]["name"] == "search_recipes"
    assert json.loads(call["function"]["arguments"]) == {
        "ingredients": ["chicken", "bell peppers", "rice"]
    }
    assert messages[4]["tool_call_id"] == "call_1" and "recipes" in messages[4]["content"]
    assert example["tools"][0]["type"] == "function"
    assert example["tools"][0]["function"]["name"] == "search_recipes"


def test_sharegpt_dpo_becomes_a_preference_example(
    home: AppPaths, capsys: pytest.CaptureFixture[str]
) -> None:
    """conversations/chosen/rejected -> input / preferred_output / non_preferred_output."""
    code, summary = _import(LF / "dpo_en_demo.json", capsys)
    assert summary["examples_as"] == "preference" and summary["errors"] == {}
    record = json.loads((LF / "dpo_en_demo.json").read_text())[0]
    example, _ = _example(home, summary["dataset"], 0)
    assert example == {
        "input": {"messages": [{"role": "user", "content": record["conversations"][0]["value"]}]},
        "preferred_output": [{"role": "assistant", "content": record["chosen"]["value"]}],
        "non_preferred_output": [{"role": "assistant", "content": record["rejected"]["value"]}],
    }


def test_v1_jsonl_parts_and_tool_calls(home: AppPaths, capsys: pytest.CaptureFixture[str]) -> None:
    """v1 content parts with `value` are joined; tool_call parts become tool_calls and the tool
    message answers them; reasoning parts are left out and say so."""
    _, summary = _import(LF / "v1_sft_demo.jsonl", capsys)
    example, _ = _example(home, summary["dataset"], 0)
    assert example["messages"][0] == {"role": "user", "content": "hi"}
    assert example["messages"][1] == {"role": "assistant", "content": record_answer()}
    _, summary = _import(LF / "reason_tool_use_demo_50.jsonl", capsys)
    example, _ = _example(home, summary["dataset"], 1)
    assistant = example["messages"][2]
    assert assistant["tool_calls"][0]["function"]["name"] == "get_movie_details"
    assert example["messages"][3] == {
        "role": "tool",
        "tool_call_id": assistant["tool_calls"][0]["id"],
        "content": example["messages"][3]["content"],
    }
    assert (
        summary["warnings"].get("lossy_conversion", 0)
        + summary["errors"].get("lossy_conversion", 0)
        == 4
    )


def record_answer() -> str:
    """The assistant text of v1_sft_demo.jsonl's first line (loss_weight 1.0: no weight key)."""
    first = json.loads((LF / "v1_sft_demo.jsonl").read_text().split("\n")[0])
    return str(first["messages"][1]["content"][0]["value"])


def test_v1_loss_weight_zero_becomes_weight_zero() -> None:
    """An assistant turn not learned from (loss_weight 0) keeps that as OpenAI's weight 0."""
    from tuiapp.data.formats.llamafactory import from_llamafactory

    part = [{"type": "text", "value": "ok"}]
    record = {
        "messages": [
            {"role": "user", "content": part, "loss_weight": 0.0},
            {"role": "assistant", "content": part, "loss_weight": 0.0},
            {"role": "user", "content": part},
            {"role": "assistant", "content": part, "loss_weight": 1.0},
        ]
    }
    assert from_llamafactory(record).example["messages"] == [
        {"role": "user", "content": "ok"},
        {"role": "assistant", "content": "ok", "weight": 0},
        {"role": "user", "content": "ok"},
        {"role": "assistant", "content": "ok"},
    ]


def test_problems_point_at_the_source_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A record without output is record 3 of the array; a syntax error names record 5."""
    good = {"instruction": "Say hi", "input": "", "output": "Hi!"}
    text = (
        json.dumps([good, good, {"instruction": "no answer"}, good])[:-1] + ', {"instruction": }]'
    )
    path = tmp_path / "broken.json"
    path.write_text(text)
    assert main(["validate", str(path), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["source_format"] == "alpaca"
    assert report["first_lines"]["missing_content"] == [3]
    (bad,) = report["first_problems"]["invalid_json"]
    assert bad["line"] == 5 and "record 5" in bad["message"]


def test_a_big_array_streams_with_flat_memory(tmp_path: Path) -> None:
    """A 50 MB array: the first record comes before the file is read, and reading it all keeps
    well under a tenth of its size in memory."""
    path = tmp_path / "big.json"
    record = json.dumps({"instruction": "x" * 900, "input": "", "output": "y" * 100})
    with open(path, "w") as out:
        out.write("[\n" + ",\n".join([record] * 50_000) + "\n]\n")
    assert path.stat().st_size > 50_000_000
    tracemalloc.start()
    try:
        first = next(iter_array(path))
        assert first.index == 1 and first.line == 2
        _, peak_first = tracemalloc.get_traced_memory()
        n = sum(1 for _ in iter_array(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert n == 50_000
    assert peak_first < 8_000_000 and peak < 8_000_000


def test_import_exit_codes_and_name(
    home: AppPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """0 clean, 1 with errors or in no known format (nothing imported), 2 unreadable; --name."""
    code, summary = _import(LF / "v1_sft_demo.jsonl", capsys, "--name", "sft demo")
    assert code == 0 and summary["name"] == "sft demo" and summary["valid_examples"] == 12
    code, summary = _import(LF / "glaive_toolcall_en_demo.json", capsys, "--format", "alpaca")
    assert code == 1 and summary["errors"]
    unknown = tmp_path / "c4.jsonl"
    unknown.write_text('{"text": "plain text"}\n' * 12)
    assert main(["import", str(unknown)]) == 1
    assert "no known format" in capsys.readouterr().err
    assert main(["import", str(tmp_path / "missing.json")]) == 2
    main(["datasets", "--json"])
    names = sorted(d["name"] for d in json.loads(capsys.readouterr().out))
    assert names == ["glaive_toolcall_en_demo.json", "sft demo"]


def test_quality_on_a_file_never_imported_says_how(
    home: AppPaths, capsys: pytest.CaptureFixture[str]
) -> None:
    """The hint names the command that imports."""
    assert main(["quality", str(LF / "alpaca_en_demo.json")]) == 2
    assert f"tuiapp import {LF / 'alpaca_en_demo.json'}" in capsys.readouterr().err


def test_a_stopped_array_import_resumes_at_the_next_record(home: AppPaths, tmp_path: Path) -> None:
    """Stopped after the first batch, the import goes on from the next record: every record
    once, each with its own source record."""
    from tuiapp.services.importer import open_dataset, run_import
    from tuiapp.store.examples import count_examples

    rows = [{"instruction": f"Say {i}", "input": "", "output": f"{i}"} for i in range(500)]
    path = tmp_path / "alpaca.json"
    path.write_text(json.dumps(rows, indent=1))
    store = open_store(home.database)
    dataset = open_dataset(store, path, source_format="alpaca")
    steps = run_import(store, dataset.id)
    first = next(steps)
    del steps  # the app quit after one batch (the generator is closed)
    assert 0 < first.examples < 500 and count_examples(store, dataset.id) == first.examples
    *_, last = run_import(store, dataset.id)
    assert last.done and count_examples(store, dataset.id) == 500
    store.close()
    for idx in (0, first.examples, 499):
        example, original = _example(home, dataset.id, idx)
        assert example["messages"][0]["content"] == f"Say {idx}"
        assert json.loads(original) == rows[idx]


def test_delete_asks_first_and_keeps_the_file(
    home: Any, write_jsonl: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.conftest import chat
    from tuiapp.cli import main
    from tuiapp.store import open_store
    from tuiapp.store.datasets import list_datasets

    path = write_jsonl([chat(f"Q {i}?", f"A {i}.") for i in range(12)])
    assert main(["import", str(path)]) == 0
    capsys.readouterr()
    assert main(["delete", "1"]) == 1  # no terminal to ask on: kept
    assert "pass --yes" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    assert main(["delete", "1"]) == 1
    assert "kept dataset 1" in capsys.readouterr().out
    monkeypatch.setattr("builtins.input", lambda prompt: "y")
    assert main(["delete", str(path)]) == 0
    assert "deleted dataset 1" in capsys.readouterr().out
    assert path.is_file()
    store = open_store(home.database)
    assert list_datasets(store) == []
    store.close()
    assert main(["delete", "1", "--yes"]) == 2  # gone
