"""`tuiapp rename DATASET NAME`: what the datasets screen's `n` does, from a script."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tuiapp.cli import main
from tuiapp.paths import AppPaths


def _chat(i: int) -> dict[str, object]:
    """A small valid chat example."""
    return {
        "messages": [
            {"role": "user", "content": f"Question {i}?"},
            {"role": "assistant", "content": f"Answer {i}."},
        ]
    }


def test_rename_by_id_or_file_and_its_refusals(
    home: AppPaths, write_jsonl: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """Renamed by id, then by its file; `tuiapp datasets` lists the new name; an empty name is
    refused (1) and an unknown dataset is an error (2), the name kept."""
    path = write_jsonl([_chat(i) for i in range(12)])
    assert main(["import", str(path)]) == 0
    capsys.readouterr()
    assert main(["rename", "1", "  support answers  "]) == 0
    assert capsys.readouterr().out == ("renamed dataset 1 from 'data.jsonl' to 'support answers'\n")
    assert main(["rename", str(path), "support v2"]) == 0
    assert "to 'support v2'" in capsys.readouterr().out
    assert main(["rename", "1", " "]) == 1
    assert "needs a name" in capsys.readouterr().err
    assert main(["rename", "7", "other"]) == 2
    assert capsys.readouterr().err
    assert main(["datasets", "--json"]) == 0
    (listed,) = json.loads(capsys.readouterr().out)
    assert listed["name"] == "support v2"
