"""A changed JSON-array or CSV file: what is said about its decisions is counted by record
(as the re-import carries them), not by the file's lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tuiapp.cli import main
from tuiapp.paths import AppPaths
from tuiapp.services.identity import lossy_open_warning
from tuiapp.store import open_store
from tuiapp.store.examples import status_counts

LF = Path(__file__).parent / "fixtures" / "llamafactory"


def _accept_all_then_change(path: Path, change: str, capsys: pytest.CaptureFixture[str]) -> str:
    """Import and accept every example, rewrite the file, and what `tuiapp quality` says."""
    assert main(["import", str(path)]) == 0
    assert main(["review", "1", "--accept", "all"]) == 0
    capsys.readouterr()
    path.write_text(change)
    assert main(["quality", str(path)]) == 2  # changed since reviewed: named, not scanned
    return capsys.readouterr().err


def test_a_changed_json_array_keeps_the_decisions_of_unchanged_records(
    home: AppPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One record edited and one added in front, pretty-printed: 11 of 12 decisions carry over
    (it said 0 of 12: every line of a pretty-printed array was compared as an example)."""
    records = json.loads((LF / "alpaca_en_demo.json").read_text())
    path = tmp_path / "alpaca.json"
    path.write_text(json.dumps(records, indent=2))
    records[3] = {**records[3], "output": "changed"}
    new = [{"instruction": "A new one", "input": "", "output": "Yes."}, *records]
    said = _accept_all_then_change(path, json.dumps(new, indent=2), capsys)
    assert "11 of 12 review decisions carry over, 1 are on lines that changed" in said
    warning = lossy_open_warning(home.database, path)
    assert warning is not None and "11 of 12" in warning
    assert main(["import", str(path)]) == 0
    store = open_store(home.database)
    assert status_counts(store, 2) == {"accepted": 11, "pending": 2}


def test_a_changed_csv_keeps_the_decisions_of_unchanged_rows(
    home: AppPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A quoted cell spans two lines; one row edited: 11 of 12 decisions carry over."""
    path = tmp_path / "qa.csv"
    rows = ['"What is\n1 + 1?",2.', *(f"What is {i} + {i}?,{2 * i}." for i in range(2, 13))]
    path.write_text("question,answer\n" + "\n".join(rows) + "\n")
    changed = "question,answer\n" + "\n".join([*rows[:-1], "What is 12 + 12?,24!"]) + "\n"
    said = _accept_all_then_change(path, changed, capsys)
    assert "11 of 12 review decisions carry over, 1 are on lines that changed" in said
