"""Problems point at the source as the file counts it: a JSON array's records, not lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tuiapp.cli import main
from tuiapp.paths import AppPaths


def test_a_json_array_problem_names_its_record(
    home: AppPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pairs: list[dict[str, object]] = [
        {
            "conversations": [{"from": "human", "value": f"Question {i}?"}],
            "chosen": {"from": "gpt", "value": f"A careful answer number {i}."},
            "rejected": {"from": "gpt", "value": f"No idea about {i}, sorry."},
        }
        for i in range(12)
    ]
    pairs[4]["rejected"] = pairs[4]["chosen"]  # record 5: both sides the same
    path = tmp_path / "pairs.json"
    path.write_text(json.dumps(pairs, indent=2))  # records span many lines
    main(["validate", str(path)])
    out = capsys.readouterr().out
    assert "record 5 " in out, out
    assert "(records 5)" in out, out
    assert "line 5 " not in out
