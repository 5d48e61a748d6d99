"""Formats out: `tuiapp export DATASET OUT --format openai|alpaca|sharegpt|dpo`, round trips
(import -> validate clean -> export -> import again gives the same conversations) and the
examples a format cannot express, left out with a count."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import chat
from tuiapp.cli import main
from tuiapp.paths import AppPaths
from tuiapp.store import open_store
from tuiapp.store.examples import iter_examples

LF = Path(__file__).parent / "fixtures" / "llamafactory"


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the CLI: exit code, stdout, stderr."""
    code = main(list(args))
    got = capsys.readouterr()
    return code, got.out, got.err


def _import_accepted(path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> int:
    """Import a file whose examples have no error, accept them all: the dataset id."""
    _, out, err = _run(capsys, "import", str(path), "--json", *args)
    summary = json.loads(out)
    assert summary["errors"] == {} and summary["examples"], err
    dataset = int(summary["dataset"])
    assert _run(capsys, "review", str(dataset), "--accept", "all")[0] == 0
    return dataset


def _examples(home: AppPaths, dataset: int) -> list[Any]:
    """The dataset's examples as stored (converted), parsed."""
    store = open_store(home.database)
    try:
        return [json.loads(e.text) for e in iter_examples(store, dataset)]
    finally:
        store.close()


def _round_trip(
    home: AppPaths, capsys: pytest.CaptureFixture[str], path: Path, fmt: str, tmp_path: Path
) -> tuple[list[Any], list[Any], Path]:
    """Import, export as fmt, validate and import the export: both datasets' examples."""
    first = _import_accepted(path, capsys)
    out = tmp_path / f"back.{fmt}.{'jsonl' if fmt in ('openai', 'dpo') else 'json'}"
    code, said, err = _run(capsys, "export", str(first), str(out), "--format", fmt)
    assert code == 0 and f"({fmt})" in said and "cannot express" not in err
    code, report, _ = _run(capsys, "validate", str(out), "--json")
    assert {k for k in json.loads(report)["format_errors"] if k != "too_few_examples"} == set()
    second = _import_accepted(out, capsys)
    return _examples(home, first), _examples(home, second), out


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("alpaca_en_demo.json", "alpaca"),
        ("alpaca_en_demo.json", "sharegpt"),
        ("glaive_toolcall_en_demo.json", "sharegpt"),
        ("glaive_toolcall_en_demo.json", "openai"),
        ("dpo_en_demo.json", "sharegpt"),
        ("dpo_en_demo.json", "alpaca"),
        ("dpo_en_demo.json", "dpo"),
        ("v1_sft_demo.jsonl", "alpaca"),
        ("v1_dpo_demo.jsonl", "sharegpt"),
    ],
)
def test_round_trip_gives_the_same_conversations(
    name: str, fmt: str, home: AppPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """LLaMA-Factory's files, converted, exported back in a format and imported again: the
    same examples, in the same order."""
    first, second, _ = _round_trip(home, capsys, LF / name, fmt, tmp_path)
    assert len(first) > 0 and second == first


def test_sharegpt_export_is_what_llamafactory_writes(
    home: AppPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The glaive file exported as ShareGPT is a JSON array with the same turns, function_call
    values and tools as the original records."""
    _, _, out = _round_trip(home, capsys, LF / "glaive_toolcall_en_demo.json", "sharegpt", tmp_path)
    written = json.loads(out.read_text())
    original = json.loads((LF / "glaive_toolcall_en_demo.json").read_text())
    assert len(written) == len(original)
    for got, want in zip(written, original, strict=True):
        assert [t["from"] for t in got["conversations"]] == [
            t["from"] for t in want["conversations"]
        ]
        calls = [t for t in got["conversations"] if t["from"] == "function_call"]
        wanted = [t for t in want["conversations"] if t["from"] == "function_call"]
        assert [json.loads(t["value"]) for t in calls] == [json.loads(t["value"]) for t in wanted]
        assert json.loads(got.get("tools", "[]")) == json.loads(want.get("tools") or "[]")


def test_alpaca_export_leaves_out_tool_calls_with_a_count(
    home: AppPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Alpaca has no tool turns: examples with tool calls are left out, counted and named on
    stderr; the others are written."""
    dataset = _import_accepted(LF / "glaive_toolcall_en_demo.json", capsys)
    examples = _examples(home, dataset)
    with_tools = sum(1 for e in examples if "tools" in e)
    assert 0 < with_tools < len(examples)
    out = tmp_path / "alpaca.json"
    code, said, err = _run(capsys, "export", str(dataset), str(out), "--format", "alpaca")
    assert code == 0 and f"wrote {len(examples) - with_tools} examples" in said
    assert f"left out {with_tools} that alpaca cannot express: tools" in err
    written = json.loads(out.read_text())
    assert len(written) == len(examples) - with_tools
    assert all(set(r) <= {"instruction", "input", "output", "system", "history"} for r in written)


def test_what_no_format_can_hold_is_left_out_not_changed(
    home: AppPaths, write_jsonl: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Weight 0, two user turns in a row, text beside tool calls: left out of ShareGPT with
    their reasons; a multi-turn chat goes to Alpaca's history intact."""
    call = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    lines = [chat(f"Q {i}?", f"A {i}.") for i in range(10)]
    weighted = chat("Q?", "A.")
    weighted["messages"][-1]["weight"] = 0
    two_users = {
        "messages": [*chat("a", "b", None)["messages"][:1], *chat("c", "d", None)["messages"]]
    }
    both = {
        "messages": [
            {"role": "user", "content": "go"},
            {"role": "assistant", "content": "calling", "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "c1", "content": "1"},
            {"role": "assistant", "content": "done"},
        ]
    }
    multi = {"messages": [*chat("a", "b")["messages"], *chat("c", "d", None)["messages"]]}
    path = write_jsonl([*lines, weighted, two_users, both, multi])
    dataset = _import_accepted(path, capsys)
    out = tmp_path / "sharegpt.json"
    code, said, err = _run(capsys, "export", str(dataset), str(out), "--format", "sharegpt")
    assert code == 0 and "wrote 11 examples" in said
    assert "left out 1 that sharegpt cannot express: an assistant turn has weight 0" in err
    assert "turns do not alternate" in err and "both text and tool calls" in err
    code, _, _ = _run(
        capsys, "export", str(dataset), str(tmp_path / "a.json"), "--format", "alpaca"
    )
    alpaca = json.loads((tmp_path / "a.json").read_text())
    assert alpaca[-1] == {
        "instruction": "c",
        "input": "",
        "output": "d",
        "system": "Be brief.",
        "history": [["a", "b"]],
    }


def test_a_chat_dataset_has_nothing_to_write_as_dpo(
    home: AppPaths, write_jsonl: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Exit 1, the reason and count, and no file."""
    dataset = _import_accepted(write_jsonl([chat(f"Q {i}?", f"A {i}.") for i in range(10)]), capsys)
    out = tmp_path / "dpo.jsonl"
    code, _, err = _run(capsys, "export", str(dataset), str(out), "--format", "dpo")
    assert code == 1 and not out.exists()
    assert "none of the accepted examples can be written as dpo (a chat example" in err


def test_csv_round_trip_through_alpaca(
    home: AppPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A CSV with a system column exported as Alpaca and imported again: the same examples."""
    path = tmp_path / "qa.csv"
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["system", "question", "answer"])
        writer.writerows(["Be brief.", f"What is {i} + {i}?", f"{2 * i}."] for i in range(10))
    first, second, out = _round_trip(home, capsys, path, "alpaca", tmp_path)
    assert second == first
    assert json.loads(out.read_text())[0] == {
        "instruction": "What is 0 + 0?",
        "input": "",
        "output": "0.",
        "system": "Be brief.",
    }


async def test_the_review_exports_the_format_its_file_name_asks_for(
    home: AppPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """In the review, x with a name ending .sharegpt.json writes LLaMA-Factory's ShareGPT and
    says so; the dialog tells the user how to ask for a format."""
    from textual.widgets import Input

    from tests.waiting import until
    from tuiapp.app import make_app

    path = LF / "glaive_toolcall_en_demo.json"
    _import_accepted(path, capsys)
    out = tmp_path / "glaive.sharegpt.json"
    app = make_app(home, open_path=path)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        await pilot.press("x")
        await until(pilot, lambda: bool(app.screen.query(Input)), "the export dialog")
        assert ".sharegpt.json" in " ".join(str(w.render()) for w in app.screen.query("Static"))
        app.screen.query_one(Input).value = str(out)
        await pilot.press("enter")
        await until(pilot, lambda: any(n.title == "Exported" for n in app._notifications), "it")
        (note,) = [n for n in app._notifications if n.title == "Exported"]
    assert f"12 examples written to {out}" in note.message
    written = json.loads(out.read_text())
    assert written[0]["conversations"][0]["from"] == "human"
