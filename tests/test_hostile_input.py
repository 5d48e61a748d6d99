"""Hostile input never crashes validate, the import or the quality scan, and every invalid line
is reported with its kind and its line number (issue 12: each crash and silent acceptance)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest

from benchmarks.fuzz_files import cases
from benchmarks.fuzz_inputs import check_case
from tests.conftest import chat
from tuiapp.cli import main
from tuiapp.paths import AppPaths
from tuiapp.services.importer import open_dataset, run_import
from tuiapp.store import open_store
from tuiapp.store.datasets import get_dataset
from tuiapp.store.examples import iter_examples

BAD_AT = 4  # the hostile line's number in every file below
USER = {"role": "user", "content": "What is in the picture?"}
ANSWER = {"role": "assistant", "content": "A cat."}
IMAGE: dict[str, Any] = {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}


def deep(depth: int, leaf: str = "1", opener: str = "[", closer: str = "]") -> str:
    """JSON text of a value nested depth levels (json.dumps would recurse too deep)."""
    return opener * depth + leaf + closer * depth


def messages_line(*messages: Any, **extra: Any) -> str:
    """A JSON line of a chat example."""
    return json.dumps({"messages": list(messages), **extra})


def with_bad_line(tmp_path: Path, bad: str | bytes, ending: bytes = b"\n") -> Path:
    """Twelve valid examples with the hostile line as line BAD_AT."""
    lines = [json.dumps(chat(f"Question {i}?", f"Answer {i}.")).encode() for i in range(12)]
    lines.insert(BAD_AT - 1, bad.encode() if isinstance(bad, str) else bad)
    path = tmp_path / "hostile.jsonl"
    path.write_bytes(ending.join(lines) + ending)
    return path


def validate_json(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    """Exit status and report of `tuiapp validate FILE --json`."""
    status = main(["validate", str(path), "--json"])
    return status, json.loads(capsys.readouterr().out)


def test_a_few_hundred_fuzzed_files_crash_nothing_and_slip_nothing_through(
    home: AppPaths, tmp_path: Path
) -> None:
    store = open_store(home.database)
    findings = []
    for number, case in enumerate(cases(seed=7, n=240)):
        path = tmp_path / f"case{number}.jsonl"
        path.write_bytes(case.data)
        findings += [f"#{number} {case.name}: {f}" for f in check_case(case, path, store)]
        path.unlink()
    store.close()
    assert findings == []


CRASHES = [
    ("role given as a list", messages_line({"role": ["user"], "content": "a"}, ANSWER),
     "unrecognized_role", "messages[0].role"),
    ("role given as an object", messages_line({"role": {"r": 1}, "content": "a"}, ANSWER),
     "unrecognized_role", "messages[0].role"),
    ("part type as a list", messages_line({**USER, "content": [{"type": ["text"]}]}, ANSWER),
     "invalid_content_part", "messages[0].content[0].type"),
    ("part type as an object", messages_line({**USER, "content": [{"type": {}}]}, ANSWER),
     "invalid_content_part", "messages[0].content[0].type"),
    ("image detail as a list",
     messages_line({**USER, "content": [{**IMAGE, "image_url": {"url": IMAGE["image_url"]["url"],
                                                                 "detail": []}}]}, ANSWER),
     "invalid_content_part", "messages[0].content[0].image_url.detail"),
    ("tool_calls as a number", messages_line(USER, {"role": "assistant", "tool_calls": 1}),
     "invalid_tool_calls", "messages[1].tool_calls"),
    ("tool parameters nested 300 levels (orjson.dumps limit)",
     messages_line(USER, ANSWER, tools=[{"type": "function", "function": {
         "name": "f", "parameters": "DEEP"}}]).replace('"DEEP"', deep(300, "{}")),
     "too_deep", "tools[0].function.parameters"),
    ("weight nested 1000 levels (repr RecursionError)",
     messages_line(USER, {**ANSWER, "weight": "DEEP"}).replace('"DEEP"', deep(1000)),
     "too_deep", "messages[1].weight"),
    ("content nested 1000 levels (repr RecursionError)",
     messages_line(USER, {**ANSWER, "content": "DEEP"}).replace(
         '"DEEP"', deep(1000, '"x"', '{"a": ', "}")),
     "too_deep", "messages[1].content"),
]  # fmt: skip

SILENT = [
    ("a JSON null line", "null", "data_type", ""),
    ("a number line", "12", "data_type", ""),
    ("content []", messages_line({**USER, "content": []}, ANSWER),
     "invalid_content_part", "messages[0].content"),
    ("an image part without a url", messages_line({**USER, "content": [
        {"type": "image_url", "image_url": {"detail": "low"}}]}, ANSWER),
     "invalid_content_part", "messages[0].content[0].image_url.url"),
    ("an extra key in a content part", messages_line({**USER, "content": [
        {"type": "text", "text": "a", "cache": True}]}, ANSWER),
     "invalid_content_part", "messages[0].content[0].cache"),
    ("an image in an assistant message", messages_line(USER, {**ANSWER, "content": [IMAGE]}),
     "image_not_allowed", "messages[1].content[0]"),
    ("tool_calls arguments that are not JSON", messages_line(USER, {
        "role": "assistant", "tool_calls": [{"id": "c1", "type": "function",
                                             "function": {"name": "f", "arguments": "{oops"}}]}),
     "invalid_tool_calls", "messages[1].tool_calls[0].function.arguments"),
]  # fmt: skip


@pytest.mark.parametrize(("bad", "kind", "field"), [c[1:] for c in CRASHES + SILENT],
                         ids=[c[0] for c in CRASHES + SILENT])  # fmt: skip
def test_each_reported_line_is_rejected_with_its_kind_line_and_field(
    bad: str, kind: str, field: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = with_bad_line(tmp_path, bad)
    status, report = validate_json(path, capsys)
    assert status == 1 and report["rejected"]
    assert report["first_lines"][kind] == [BAD_AT]
    assert report["valid_examples"] == 12
    assert main(["validate", str(path)]) == 1
    assert f"line {BAD_AT} {field}".strip() in capsys.readouterr().out


def test_deep_content_imports_and_scans(home: AppPaths, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    bad = messages_line(USER, {**ANSWER, "content": "DEEP"}).replace('"DEEP"', deep(1000))
    store = open_store(home.database)
    dataset = open_dataset(store, with_bad_line(tmp_path, bad))
    for _ in run_import(store, dataset.id):
        pass
    rejected = [(e.line, [p.kind for p in e.problems]) for e in iter_examples(store, dataset.id)]
    assert [r for r in rejected if r[1]] == [(BAD_AT, ["too_deep"])]
    store.close()
    assert main(["quality", str(dataset.id), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["examples"] == 13


def test_a_million_spaces_are_counted_not_a_tokenizer_panic(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    huge = messages_line({"role": "user", "content": "a" + " " * 1_100_000}, ANSWER)
    status, report = validate_json(with_bad_line(tmp_path, huge), capsys)
    assert report["format_errors"] == {}
    assert report["valid_examples"] == 13 and status == 0
    assert report["token_stats"]["max"] > 1_000  # counted in pieces, not skipped


def test_cr_only_files_are_split_into_lines_and_warned(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = with_bad_line(tmp_path, "null", ending=b"\r")
    status, report = validate_json(path, capsys)
    assert status == 1
    assert report["examples"] == 13
    assert report["first_lines"]["data_type"] == [BAD_AT]
    assert report["warnings"]["cr"] == 13
    assert main(["validate", str(path)]) == 1
    assert "lone CR" in capsys.readouterr().out


def test_the_review_view_shows_a_too_deep_line_raw(home: AppPaths, tmp_path: Path) -> None:
    from rich.console import Console

    from tuiapp.widgets.conversation import render_example

    bad = messages_line(USER, {**ANSWER, "role": "DEEP"}).replace('"DEEP"', deep(999))
    store = open_store(home.database)
    dataset = open_dataset(store, with_bad_line(tmp_path, bad))
    for _ in run_import(store, dataset.id):
        pass
    example = next(e for e in iter_examples(store, dataset.id) if e.line == BAD_AT)
    store.close()
    console = Console(record=True, width=100)
    console.print(render_example(example, orjson.loads(example.text)))
    shown = console.export_text()
    assert "error too_deep messages[1].role" in shown and "raw line" in shown


def test_a_cr_only_file_imports_line_by_line_with_a_warning(home: AppPaths, tmp_path: Path) -> None:
    store = open_store(home.database)
    dataset = open_dataset(store, with_bad_line(tmp_path, "null", ending=b"\r"))
    for _ in run_import(store, dataset.id):
        pass
    examples = list(iter_examples(store, dataset.id))
    dataset = get_dataset(store, dataset.id)
    store.close()
    assert [e.line for e in examples] == list(range(1, 14))
    assert [e.line for e in examples if e.problems] == [BAD_AT]
    assert examples[BAD_AT - 1].problems[0].kind == "data_type"
    assert "cr" in {p.kind for p in dataset.file_problems}


def test_the_editor_opens_a_line_nested_too_deep_for_orjson() -> None:
    from screens.edit_example import pretty

    deep = '{"messages": ' + "[" * 300 + "]" * 300 + "}"
    assert pretty(deep) == deep  # shown as it is, not a crash
