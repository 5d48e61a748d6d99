"""Frozen versions: content hash, seeded split with no leakage, diffs, start-small samples,
export as train.jsonl + holdout.jsonl."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import chat
from tests.test_store_and_import import imported
from tuiapp.data.examine import examine_text
from tuiapp.data.split import leakage
from tuiapp.data.tokens import TokenCounter
from tuiapp.paths import AppPaths
from tuiapp.services.export import export_version
from tuiapp.services.freeze import commit, plan_freeze, plan_sample
from tuiapp.store.examples import get_example, iter_examples
from tuiapp.store.review import save_edit, set_status
from tuiapp.store.versions import diff_versions, iter_entries, list_versions


def accept_all(store, dataset_id: int) -> None:  # type: ignore[no-untyped-def]
    for example in list(iter_examples(store, dataset_id)):
        set_status(store, example, "accepted")


def sentiment_file(write_jsonl: Callable[..., Path]) -> Path:
    """60 labelled examples (positive/negative/neutral = 30/18/12), one near-duplicate pair,
    and one broken line."""
    labels = ["positive"] * 30 + ["negative"] * 18 + ["neutral"] * 12
    rows: list[object] = [
        chat(f"Review {i}: the product number {i} made me feel {lab} about item {i * 3}", lab)
        for i, lab in enumerate(labels)
    ]
    rows.append(
        chat("Review 0: the product number 0 made me feel positive about item 0!", "positive")
    )
    rows.append("{not json")
    return write_jsonl(rows)


def test_freeze_is_seeded_stratified_leak_free_and_hashed(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    store, dataset = imported(home, sentiment_file(write_jsonl))
    accept_all(store, dataset.id)
    plan = plan_freeze(store, dataset.id, fraction=0.2, seed=7)
    assert plan.counts["examples"] == 61  # the broken line is left out
    assert plan.report["excluded_error_lines"] == [62]
    assert plan.report["stratified"]
    labels = plan.report["labels"]
    assert labels["negative"]["holdout"] in (3, 4) and labels["neutral"]["holdout"] in (2, 3)
    assert 10 <= plan.counts["holdout"] <= 14
    train = [e.text for e in plan.entries if e.split == "train"]
    holdout = [e.text for e in plan.entries if e.split == "holdout"]
    assert leakage(train, holdout) == []
    # the near-duplicate pair (lines 1 and 61) is on one side
    sides = {e.line: e.split for e in plan.entries}
    assert sides[1] == sides[61]
    again = plan_freeze(store, dataset.id, fraction=0.2, seed=7)
    assert again.content_hash == plan.content_hash
    other = plan_freeze(store, dataset.id, fraction=0.2, seed=8)
    assert other.content_hash != plan.content_hash
    version = commit(store, plan, "v1")
    assert version.content_hash == plan.content_hash and version.parent_id is None
    assert version.split_seed == 7 and version.counts["train"] + version.counts["holdout"] == 61
    # freezing the same content again finds the version that exists
    twin = plan_freeze(store, dataset.id, fraction=0.2, seed=7)
    assert twin.existing is not None and twin.existing.id == version.id
    assert commit(store, twin, "again").id == version.id
    assert len(list_versions(store, dataset.id)) == 1


def test_versions_are_immutable_and_diffed(home: AppPaths, good_file: Path) -> None:
    store, dataset = imported(home, good_file)
    accept_all(store, dataset.id)
    v1 = commit(store, plan_freeze(store, dataset.id, seed=1), "v1")
    # edit one, reject one, then freeze again
    first = get_example(store, dataset.id, 0)
    assert first is not None
    counter = TokenCounter("o200k_base")
    edited = json.dumps(chat("Question 0?", "Answer zero."))
    save_edit(store, first, examine_text(edited, 1, "chat", counter, 65536))
    set_status(store, get_example(store, dataset.id, 5), "rejected")  # type: ignore[arg-type]
    v2 = commit(store, plan_freeze(store, dataset.id, seed=1), "v2")
    assert v2.parent_id == v1.id and v2.content_hash != v1.content_hash
    diff = diff_versions(store, v1.id, v2.id)
    assert diff.removed == [get_example(store, dataset.id, 5).id]  # type: ignore[union-attr]
    assert diff.edited == [first.id] and diff.added == []
    # v1 still holds the text it was frozen with
    texts = [e.text for e in iter_entries(store, v1.id)]
    assert any('"Answer 0."' in t for t in texts) and not any("zero" in t for t in texts)
    assert diff_versions(store, v1.id, v1.id).unchanged


def test_start_small_keeps_label_shares_and_the_holdout(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    store, dataset = imported(home, sentiment_file(write_jsonl))
    accept_all(store, dataset.id)
    parent = commit(store, plan_freeze(store, dataset.id, fraction=0.2, seed=3), "full")
    plan = plan_sample(store, parent.id, 20, seed=0)
    assert plan.counts["train"] == 20 and plan.counts["holdout"] == parent.counts["holdout"]
    shares = plan.report["labels"]
    assert set(shares) == {"positive", "negative", "neutral"}
    assert sum(side["train"] for side in shares.values()) == 20
    assert shares["positive"]["train"] in (9, 10, 11) and shares["neutral"]["train"] in (3, 4, 5)
    assert sum(side["holdout"] for side in shares.values()) == parent.counts["holdout"]
    small = commit(store, plan, "small")
    assert small.kind == "sample" and small.parent_id == parent.id
    diff = diff_versions(store, parent.id, small.id)
    assert len(diff.removed) == parent.counts["train"] - 20 and not diff.added
    with pytest.raises(ValueError):
        plan_sample(store, parent.id, 0)


WORDS = [
    "apple",
    "river",
    "stone",
    "cloud",
    "tiger",
    "paper",
    "violin",
    "orbit",
    "lemon",
    "canyon",
    "marble",
    "pixel",
]


def distinct_file(write_jsonl: Callable[..., Path]) -> Path:
    """12 examples that share no three words in a row."""
    return write_jsonl(
        [
            chat(
                f"{WORDS[i]} {WORDS[(i * 5 + 1) % 12]} {i}?", f"{WORDS[(i * 7 + 2) % 12]} {i}", None
            )
            for i in range(12)
        ]
    )


def test_export_writes_both_splits_and_a_manifest(
    home: AppPaths, write_jsonl: Callable[..., Path], tmp_path: Path
) -> None:
    store, dataset = imported(home, distinct_file(write_jsonl))
    accept_all(store, dataset.id)
    version = commit(store, plan_freeze(store, dataset.id, fraction=0.25, seed=0), "v1")
    paths = export_version(store, version.id, tmp_path / "out")
    assert [p.name for p in paths] == ["train.jsonl", "holdout.jsonl", "manifest.json"]
    train = (tmp_path / "out" / "train.jsonl").read_text().splitlines()
    holdout = (tmp_path / "out" / "holdout.jsonl").read_text().splitlines()
    assert len(train) == 9 and len(holdout) == 3
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["content_hash"] == version.content_hash and manifest["split_seed"] == 0


def test_a_holdout_eaten_by_near_duplicates_is_a_warning(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    long = "please summarise the quarterly sales report for the northern region in two lines"
    path = write_jsonl([chat(f"{long} {i}", f"The {long} says sales rose.") for i in range(12)])
    store, dataset = imported(home, path)  # twelve near-identical examples: one group
    accept_all(store, dataset.id)
    plan = plan_freeze(store, dataset.id)
    assert plan.counts["holdout"] == 0
    assert any("holdout is empty" in w for w in plan.warnings)


def test_nothing_accepted_is_a_clear_error(home: AppPaths, good_file: Path) -> None:
    store, dataset = imported(home, good_file)
    with pytest.raises(ValueError, match="accept some first"):
        plan_freeze(store, dataset.id)


def test_command_line_quality_freeze_export_and_leakage(
    home: AppPaths, write_jsonl: Callable[..., Path], tmp_path: Path, capsys
) -> None:  # type: ignore[no-untyped-def]
    from tuiapp.cli import main

    path = sentiment_file(write_jsonl)
    store, dataset = imported(home, path)
    accept_all(store, dataset.id)
    assert main(["quality", str(dataset.id), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["labels"] == {"positive": 31, "negative": 18, "neutral": 12}
    assert main(["freeze", str(path), "--holdout", "0.2", "--seed", "5"]) == 0
    assert "version 1 (v1)" in capsys.readouterr().out
    assert main(["freeze", str(path), "--holdout", "0.2", "--seed", "5"]) == 0
    assert "unchanged" in capsys.readouterr().out
    assert main(["versions", str(dataset.id), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [v["name"] for v in listed] == ["v1"] and listed[0]["split_seed"] == 5
    out = tmp_path / "v1"
    assert main(["version-export", "1", str(out)]) == 0
    assert main(["leakage", str(out / "train.jsonl"), str(out / "holdout.jsonl")]) == 0
    # a holdout the user brings that repeats two training examples
    train_lines = (out / "train.jsonl").read_text().splitlines()
    brought = tmp_path / "mine.jsonl"
    brought.write_text("\n".join([train_lines[3], "{oops", train_lines[7]]) + "\n")
    capsys.readouterr()
    assert main(["leakage", "1", str(brought), "--json"]) == 1
    pairs = json.loads(capsys.readouterr().out)["pairs"]
    assert [p["holdout_line"] for p in pairs] == [1, 3] and pairs[0]["similarity"] == 1.0
    assert main(["versions", "99"]) == 2
    assert "no dataset with id 99" in capsys.readouterr().err


def test_freeze_refuses_personal_data_on_the_command_line(
    home: AppPaths, write_jsonl: Callable[..., Path], capsys
) -> None:  # type: ignore[no-untyped-def]
    from tuiapp.cli import main

    path = write_jsonl(
        [chat(f"Question {i} about {WORDS[i]}?", f"{WORDS[i]}") for i in range(11)]
        + [chat("Mail me", "write to ann@example.org")]
    )
    store, dataset = imported(home, path)
    accept_all(store, dataset.id)
    assert main(["freeze", str(dataset.id)]) == 2
    assert "personal data remains" in capsys.readouterr().err
    assert list_versions(store, dataset.id) == []
    assert main(["freeze", str(dataset.id), "--allow-pii"]) == 0
    assert list_versions(store, dataset.id)[0].report["pii_examples"] == 1
