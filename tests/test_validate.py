"""Whole-file validation and the `tuiapp validate` command."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from benchmarks.generate import write_dataset
from tests.conftest import chat
from tuiapp.cli import main
from tuiapp.data.validate import validate_file


def test_good_file_passes(good_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(good_file), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["examples"] == 12
    assert report["format_errors"] == {}
    assert set(report["token_stats"]) >= {"min", "max", "mean", "median", "p5", "p95"}
    assert set(report["assistant_token_stats"]) >= {"min", "max", "mean", "median", "p5", "p95"}
    assert report["n_epochs"] == 8  # 12 examples x 3 < 100, so 100 // 12
    assert report["billing_tokens"] == 8 * sum(validate_file(good_file).tokens)
    assert report["n_too_long"] == 0


def test_broken_lines_are_reported_with_line_numbers(
    write_jsonl: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    lines: list[Any] = [chat() for _ in range(12)]
    lines[2] = '{"messages": [oops'
    lines[5] = '["not an object"]'
    lines[7] = {"messages": [{"role": "user", "content": "no answer"}]}
    path = write_jsonl(lines)
    assert main(["validate", str(path), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["format_errors"] == {
        "data_type": 1,
        "example_missing_assistant_message": 1,
        "invalid_json": 1,
        "too_few_examples": 1,
    }
    assert report["first_lines"]["invalid_json"] == [3]
    assert report["first_lines"]["data_type"] == [6]
    assert report["valid_examples"] == 9


def test_bad_utf8_bom_crlf_and_blank_lines(tmp_path: Path) -> None:
    good = json.dumps(chat()).encode()
    path = tmp_path / "messy.jsonl"
    path.write_bytes(
        b"\xef\xbb\xbf"
        + good
        + b"\r\n"
        + b"\r\n"
        + good
        + b"\n\n"
        + b'{"messages": [{"role": "user", "content": "caf\xe9"}]}\n'
        + (good + b"\n") * 10
    )
    summary = validate_file(path)
    assert summary.examples == 13
    assert summary.format_errors["invalid_utf8"] == 1
    assert summary.first_lines["invalid_utf8"] == [5]
    assert summary.warnings["bom"] == 1
    assert summary.warnings["crlf"] == 2
    assert summary.warnings["blank_line"] == 2
    assert summary.first_lines["blank_line"] == [2, 4]
    assert summary.n_valid == 12


def test_empty_file_is_rejected(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text("\n\n")
    assert main(["validate", str(path)]) == 1
    assert "empty_file" in capsys.readouterr().out


def test_missing_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tmp_path / "nope.jsonl")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_a_20_mb_line_is_read_and_flagged_too_long(write_jsonl: Callable[..., Path]) -> None:
    huge = chat(answer="word " * 4_000_000)  # 20 MB of content
    path = write_jsonl([huge] + [chat() for _ in range(10)])
    summary = validate_file(path, "gpt-4o-mini")
    assert summary.n_too_long == 1
    assert summary.warnings["too_long"] == 1
    assert summary.first_lines["too_long"] == [1]
    assert max(summary.tokens) > 65_536


def test_too_long_depends_on_the_model(write_jsonl: Callable[..., Path]) -> None:
    path = write_jsonl([chat(answer="tok " * 20_000)] + [chat() for _ in range(10)])
    assert validate_file(path, "gpt-3.5-turbo-0125").n_too_long == 1
    assert validate_file(path, "gpt-4o-mini-2024-07-18").n_too_long == 0


def test_workers_give_the_same_answer(tmp_path: Path) -> None:
    path = write_dataset(tmp_path / "gen.jsonl", 3000, broken_every=97)
    one = validate_file(path, workers=1)
    two = validate_file(path, workers=2)
    assert one.to_json() == two.to_json()
    assert one.examples == 3000 and one.format_errors


def test_preference_file(write_jsonl: Callable[..., Path]) -> None:
    pref = {
        "input": {"messages": [{"role": "user", "content": "Hi"}]},
        "preferred_output": [{"role": "assistant", "content": "Hello!"}],
        "non_preferred_output": [{"role": "assistant", "content": "Go away."}],
    }
    summary = validate_file(write_jsonl([pref] * 11 + [chat()]))
    assert summary.format == "preference"
    assert summary.format_errors == {"mixed_format": 1}
    assert summary.first_lines["mixed_format"] == [12]
