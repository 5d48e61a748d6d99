"""`tuiapp import FILE`'s summary says how many targeted examples a re-import of a changed file
kept, in the text and in --json, instead of counting them among the file's examples."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import chat
from tests.test_targeted_carry import (
    ROWS,
    import_with_the_targeted_example_in_the_file,
    targeted_dataset,
)
from tuiapp.cli import main
from tuiapp.paths import AppPaths


def test_the_summary_of_a_changed_file_says_how_many_targeted_examples_were_kept(
    home: AppPaths, write_jsonl: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_jsonl(ROWS)
    assert main(["import", str(path), "--json"]) == 0
    fresh = json.loads(capsys.readouterr().out)
    counts = (fresh["examples"], fresh["file_examples"], fresh["targeted_examples_kept"])
    assert counts == (40, 40, 0), fresh  # a first import: every example from the file
    targeted_dataset(home, path, capsys)  # imports it again (unchanged) and adds two

    write_jsonl([*ROWS, chat("A question added to the file?", "Its answer.")])
    assert main(["import", str(path)]) == 0
    text = capsys.readouterr().out.splitlines()[0]
    assert text.startswith("dataset 2 (") and ": 43 examples, 41 from " in text, text
    assert text.endswith(", and 2 targeted examples kept; 43 valid"), text

    write_jsonl([*ROWS, chat("Another one?", "Another answer.")])
    assert main(["import", str(path), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    counts = (summary["examples"], summary["file_examples"], summary["targeted_examples_kept"])
    assert (summary["dataset"], counts) == (3, (43, 41, 2)), summary


def test_a_targeted_example_the_file_took_in_is_a_line_of_the_file(
    home: AppPaths, write_jsonl: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    import_with_the_targeted_example_in_the_file(home, write_jsonl, capsys)
    text = capsys.readouterr().out.splitlines()[0]
    assert ": 42 examples, 41 from " in text and ", and 1 targeted example kept;" in text, text
