"""KTO files (LLaMA-Factory's `kto_en_demo`: messages and a boolean `label`): recognised,
converted to chat examples, the label kept in the source record, the undesirable ones refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tuiapp.cli import main
from tuiapp.data.formats.detect import sniff, target_format
from tuiapp.paths import AppPaths
from tuiapp.store import open_store
from tuiapp.store.examples import get_example, status_counts
from tuiapp.store.sources import example_source

KTO = Path(__file__).parent / "fixtures" / "llamafactory" / "kto_en_demo.json"


def test_kto_file_is_recognised_and_its_false_labels_are_refused(
    home: AppPaths, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every record was an `example_unrecognized_key` error (the label); now the 7 labelled true
    are clean chat examples and the 5 labelled false carry `kto_undesirable`, at their records."""
    records = json.loads(KTO.read_text())
    assert (sniff(KTO), target_format(KTO, "kto")) == ("kto", "chat")
    assert main(["import", str(KTO), "--json"]) == 1  # 1: some examples in error
    summary = json.loads(capsys.readouterr().out)
    assert (summary["format"], summary["examples"], summary["valid_examples"]) == ("kto", 12, 7)
    assert summary["errors"] == {"kto_undesirable": 5}
    store = open_store(home.database)
    for idx, record in enumerate(records):
        example = get_example(store, 1, idx)
        source = example_source(store, 1, idx)
        assert example is not None and source is not None
        assert json.loads(example.original) == {"messages": record["messages"]}
        assert json.loads(source.record)["label"] is record["label"]
        assert ("kto_undesirable" in {p.kind for p in example.problems}) is not record["label"]
    store.close()
    assert main(["review", "1", "--accept", "clean"]) == 0
    assert capsys.readouterr().out.startswith("accepted 7 examples")
    store = open_store(home.database)
    assert status_counts(store, 1) == {"accepted": 7, "pending": 5}


def test_kto_in_sharegpt_form_follows_the_sharegpt_rules(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`conversations` with from/value and a label: human/gpt become user/assistant."""
    turns = [{"from": "human", "value": "Hi?"}, {"from": "gpt", "value": "Hello."}]
    path = tmp_path / "kto_sharegpt.json"
    path.write_text(json.dumps([{"conversations": turns, "label": True}] * 10))
    assert main(["validate", str(path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["source_format"], report["format"], report["examples"]) == ("kto", "chat", 10)
    assert report["format_errors"] == {}
