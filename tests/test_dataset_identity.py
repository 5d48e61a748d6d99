"""Datasets known by content: a touched, renamed or freshly checked-out file opens the same
dataset with every decision; a changed file says what changed, keeps the decisions of its
unchanged lines and asks before any is lost; a command never exports the wrong dataset."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import chat
from tuiapp.cli import main
from tuiapp.data.examine import examine_text
from tuiapp.data.line_diff import LineDiff
from tuiapp.data.tokens import TokenCounter
from tuiapp.paths import AppPaths
from tuiapp.services.identity import identify
from tuiapp.services.importer import open_dataset, run_import
from tuiapp.store import Store, open_store
from tuiapp.store.examples import get_example, status_counts
from tuiapp.store.records import Dataset
from tuiapp.store.review import save_edit, set_note, set_status


def rows(n: int = 12) -> list[str]:
    """n distinct valid lines."""
    return [json.dumps(chat(f"Question {i}?", f"Answer {i}.")) for i in range(n)]


def opened(store: Store, path: Path) -> Dataset:
    """What the TUI does with a file: open (find or create) and import it."""
    dataset = open_dataset(store, path)
    for _ in run_import(store, dataset.id):
        pass
    return dataset


def reviewed(home: AppPaths, path: Path) -> tuple[Store, Dataset]:
    """The file imported, its first three examples accepted and the fourth noted."""
    store = open_store(home.database)
    dataset = opened(store, path)
    for idx in range(3):
        example = get_example(store, dataset.id, idx)
        assert example is not None
        set_status(store, example, "accepted")
    fourth = get_example(store, dataset.id, 3)
    assert fourth is not None
    set_note(store, fourth, "check the tone")
    return store, dataset


def export_cli(home: AppPaths, ref: str, out: Path, capsys: pytest.CaptureFixture) -> tuple:
    """`tuiapp export REF OUT`: exit code, stdout, stderr."""
    code = main(["export", ref, str(out)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_touched_file_keeps_its_review(
    home: AppPaths,
    write_jsonl: Callable[..., Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture,
) -> None:
    path = write_jsonl(rows())
    store, dataset = reviewed(home, path)
    stat = path.stat()
    os.utime(path, (stat.st_atime + 100, stat.st_mtime + 100))  # `touch`, or a checkout
    assert opened(store, path).id == dataset.id
    assert status_counts(store, dataset.id) == {"accepted": 3, "pending": 9}
    code, out, _ = export_cli(home, str(path), tmp_path / "out.jsonl", capsys)
    assert code == 0 and "wrote 3 examples" in out
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == 3


def test_a_renamed_file_and_a_fresh_checkout_keep_their_review(
    home: AppPaths, write_jsonl: Callable[..., Path], tmp_path: Path
) -> None:
    path = write_jsonl(rows())
    store, dataset = reviewed(home, path)
    moved = path.rename(tmp_path / "renamed.jsonl")
    assert opened(store, moved).id == dataset.id
    checkout = tmp_path / "other-clone" / "data.jsonl"
    checkout.parent.mkdir()
    shutil.copyfile(moved, checkout)  # same bytes, another folder, a new mtime
    again = opened(store, checkout)
    assert again.id == dataset.id and again.name == "data.jsonl"
    assert status_counts(store, dataset.id) == {"accepted": 3, "pending": 9}
    note = get_example(store, dataset.id, 3)
    assert note is not None and note.note == "check the tone"
    assert [r[0] for r in store.conn.execute("SELECT id FROM datasets")] == [dataset.id]


def test_an_edited_file_reports_the_diff_and_keeps_unchanged_decisions(
    home: AppPaths,
    write_jsonl: Callable[..., Path],
    capsys: pytest.CaptureFixture,
) -> None:
    lines = rows()
    path = write_jsonl(lines)
    store, dataset = reviewed(home, path)
    fifth = get_example(store, dataset.id, 5)
    assert fifth is not None
    fixed = json.dumps(chat("Question 5?", "Answer 5, corrected."))
    save_edit(store, fifth, examine_text(fixed, 6, "chat", TokenCounter("o200k_base"), 65_536))
    changed = lines.copy()
    changed[1] = json.dumps(chat("Question 1, reworded?", "Answer 1."))  # an accepted line
    del changed[7]  # an undecided line
    changed.append(json.dumps(chat("A new question?", "A new answer.")))
    path.write_text("\n".join(changed) + "\n")
    change = identify(store, path).change
    assert change is not None and change.reviewed.id == dataset.id
    assert change.lines == LineDiff(added=1, removed=1, edited=1, unchanged=10)
    assert (change.decisions, change.lost) == (5, 1)
    # the CLI asks first: opening it would lose the decision on the edited line
    assert main([str(path)]) == 1
    err = capsys.readouterr().err
    assert "changed since it was reviewed as dataset 1" in err
    assert "lines: 1 added, 1 removed, 1 edited" in err and "4 of 5 review decisions" in err
    assert "--accept-changes" in err
    new = opened(store, path)  # what the TUI (or --accept-changes) does
    assert new.id != dataset.id
    assert status_counts(store, new.id) == {"accepted": 2, "pending": 10}
    kept = [get_example(store, new.id, i) for i in (0, 1, 2, 3)]
    assert [e.status for e in kept if e] == ["accepted", "pending", "accepted", "pending"]
    assert kept[3] is not None and kept[3].note == "check the tone"
    edited = get_example(store, new.id, 5)
    assert edited is not None and edited.text == fixed  # the edit came along
    assert status_counts(store, dataset.id) == {"accepted": 3, "pending": 9}  # nothing deleted


def test_export_of_a_file_that_is_not_the_reviewed_one_fails_clearly(
    home: AppPaths,
    write_jsonl: Callable[..., Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture,
) -> None:
    path = write_jsonl(rows())
    store, dataset = reviewed(home, path)
    other = write_jsonl(rows(15), name="never-imported.jsonl")
    code, out, err = export_cli(home, str(other), tmp_path / "a.jsonl", capsys)
    assert code == 2 and out == "" and "has not been imported" in err
    path.write_text("\n".join(rows()[:-2]) + "\n")  # two lines removed since the review
    code, out, err = export_cli(home, str(path), tmp_path / "b.jsonl", capsys)
    assert code == 2 and out == ""
    assert "changed since it was reviewed" in err and "lines: 0 added, 2 removed" in err
    assert f"by its id: {dataset.id}" in err
    assert not (tmp_path / "a.jsonl").exists() and not (tmp_path / "b.jsonl").exists()
    code, out, _ = export_cli(home, str(dataset.id), tmp_path / "c.jsonl", capsys)
    assert code == 0 and "wrote 3 examples" in out  # the reviewed data, by id


def test_export_of_a_dataset_with_nothing_accepted_writes_nothing_and_says_why(
    home: AppPaths,
    write_jsonl: Callable[..., Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture,
) -> None:
    path = write_jsonl(rows())
    store = open_store(home.database)
    dataset = opened(store, path)
    store.close()
    code, out, err = export_cli(home, str(dataset.id), tmp_path / "none.jsonl", capsys)
    assert code == 1 and out == ""
    assert "has no accepted examples" in err and "pending 12" in err
    assert not (tmp_path / "none.jsonl").exists()


async def test_the_tui_asks_before_a_changed_file_loses_decisions(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    from screens.confirm import ConfirmScreen
    from screens.review import ReviewScreen
    from tuiapp.app import make_app
    from tuiapp.store.datasets import list_datasets

    path = write_jsonl(rows())
    store, dataset = reviewed(home, path)  # lines 1-3 accepted, line 4 noted
    store.close()
    path.write_text("\n".join(["{}"] + rows()[1:]) + "\n")  # line 1 (accepted) edited
    app = make_app(home, open_path=path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        text = " ".join(str(w.render()) for w in app.screen.query("Static, Label"))
        assert "changed since it was reviewed" in text and "1 are on lines that changed" in text
        await pilot.press("n")
        await pilot.pause()
        assert not isinstance(app.screen, ReviewScreen)
        store = open_store(home.database)
        assert [d.id for d in list_datasets(store)] == [dataset.id]  # nothing new
        app.open_file(path)
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen) and app.screen.dataset.id != dataset.id
        assert status_counts(store, dataset.id)["accepted"] == 3  # the reviewed one keeps all
        store.close()
