"""The open dialog (o on the datasets screen): Tab completes a path (the common part, then
each candidate in turn), ctrl+b browses a tree where picking a file imports it, and the files
opened before are listed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.widgets import DirectoryTree, Input, OptionList

from screens.datasets import DatasetsScreen
from screens.open_file import BrowseScreen, OpenFileScreen, complete_path, dataset_folder
from screens.review import ReviewScreen
from tests.conftest import chat
from tests.test_review_ui import plain
from tests.waiting import until
from tuiapp.app import make_app
from tuiapp.cli import main
from tuiapp.paths import AppPaths
from tuiapp.store import open_store
from tuiapp.store.datasets import list_datasets, recent_files

TWELVE = [chat(f"Question {i}?", f"Answer {i}.") for i in range(12)]


def folder_of_files(tmp_path: Path, write_jsonl: Callable[..., Path]) -> Path:
    """data/ with two JSONL files sharing a prefix, a CSV, a subfolder and files to hide."""
    data = tmp_path / "data"
    (data / "more").mkdir(parents=True)
    for name in ("train_a.jsonl", "train_b.jsonl"):  # different bytes: two datasets
        write_jsonl([*TWELVE, chat(name, name)], name).rename(data / name)
    (data / "table.csv").write_text("prompt,completion\nhi,there\n")
    (data / "notes.txt").write_text("not a dataset")
    (data / ".hidden.jsonl").write_text("{}\n")
    return data


def test_only_saved_dataset_folders_open_as_datasets(tmp_path: Path) -> None:
    (tmp_path / "llamafactory").mkdir()  # its data/ folder: a dataset_info.json, no state.json
    (tmp_path / "llamafactory" / "dataset_info.json").write_text("{}")
    (tmp_path / "saved").mkdir()
    for name in ("dataset_info.json", "state.json"):
        (tmp_path / "saved" / name).write_text("{}")
    (tmp_path / "dict").mkdir()
    (tmp_path / "dict" / "dataset_dict.json").write_text("{}")
    assert [dataset_folder(tmp_path / n) for n in ("llamafactory", "saved", "dict")] == [
        False,
        True,
        True,
    ]


def test_completion_gives_the_common_part_then_the_candidates(
    tmp_path: Path, write_jsonl: Callable[..., Path]
) -> None:
    data = folder_of_files(tmp_path, write_jsonl)
    assert complete_path(f"{data}/tr") == (
        f"{data}/train_",
        [f"{data}/train_a.jsonl", f"{data}/train_b.jsonl"],
    )
    assert complete_path(f"{data}/ta")[0] == f"{data}/table.csv"
    assert complete_path(f"{data}/mo")[0] == f"{data}/more/"  # a folder ends in /
    names = complete_path(f"{data}/")[1]
    assert [Path(n).name for n in names] == ["more", "table.csv", "train_a.jsonl", "train_b.jsonl"]
    assert complete_path(f"{data}/zz") == (f"{data}/zz", [])


async def open_dialog(app: Any, pilot: Any) -> OpenFileScreen:
    """Press o on the datasets screen and return the dialog."""
    await until(pilot, lambda: isinstance(app.screen, DatasetsScreen), "the datasets list")
    await pilot.press("o")
    await until(pilot, lambda: isinstance(app.screen, OpenFileScreen), "the open dialog")
    assert isinstance(app.screen, OpenFileScreen)
    return app.screen


async def test_tab_completes_and_cycles_in_the_open_dialog(
    home: AppPaths, tmp_path: Path, write_jsonl: Callable[..., Path]
) -> None:
    data = folder_of_files(tmp_path, write_jsonl)
    app = make_app(home)
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await open_dialog(app, pilot)
        field = dialog.query_one("#open-input", Input)
        await pilot.press(*f"{data}/tr", "tab")
        assert field.value == f"{data}/train_"
        assert "train_a.jsonl  train_b.jsonl" in plain(dialog.query_one("#open-candidates"))
        await pilot.press("tab")
        assert field.value == f"{data}/train_a.jsonl"
        await pilot.press("tab")
        assert field.value == f"{data}/train_b.jsonl"
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ReviewScreen), "the review")
        store = open_store(home.database)
        assert [Path(d.path).name for d in list_datasets(store)] == ["train_b.jsonl"]
        store.close()


async def test_the_dialog_keeps_a_path_that_is_not_a_file(home: AppPaths, tmp_path: Path) -> None:
    app = make_app(home)
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await open_dialog(app, pilot)
        await pilot.press(*f"{tmp_path}/nope.jsonl", "enter")
        await pilot.pause()
        assert app.screen is dialog
        assert "no such file" in plain(dialog.query_one("#open-candidates"))


async def test_ctrl_b_browses_and_picking_a_file_imports_it(
    home: AppPaths, tmp_path: Path, write_jsonl: Callable[..., Path]
) -> None:
    data = folder_of_files(tmp_path, write_jsonl)
    app = make_app(home)
    async with app.run_test(size=(120, 35)) as pilot:
        dialog = await open_dialog(app, pilot)
        await pilot.press(*f"{data}/", "ctrl+b")
        await until(pilot, lambda: isinstance(app.screen, BrowseScreen), "the browser")
        tree = app.screen.query_one(DirectoryTree)
        await until(pilot, lambda: tree.root.children, "the folder's entries")
        shown = [str(node.label) for node in tree.root.children]
        assert shown == ["more", "table.csv", "train_a.jsonl", "train_b.jsonl"]  # no txt, hidden
        tree.focus()
        for _ in range(5):  # keys only, as a user would
            if tree.cursor_node is not None and str(tree.cursor_node.label) == "train_a.jsonl":
                break
            await pilot.press("down")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ReviewScreen), "the review")
        assert not dialog.is_attached
        store = open_store(home.database)
        assert [Path(d.path).name for d in list_datasets(store)] == ["train_a.jsonl"]
        store.close()


async def test_recent_files_are_listed_and_one_opens_with_enter(
    home: AppPaths, tmp_path: Path, write_jsonl: Callable[..., Path]
) -> None:
    data = folder_of_files(tmp_path, write_jsonl)
    for name in ("train_a.jsonl", "train_b.jsonl"):  # opened before (the CLI imports alike)
        assert main(["import", str(data / name)]) == 0
    app = make_app(home)
    async with app.run_test(size=(80, 24)) as pilot:
        store = open_store(home.database)
        assert recent_files(store) == [str(data / "train_b.jsonl"), str(data / "train_a.jsonl")]
        dialog = await open_dialog(app, pilot)
        recent = dialog.query_one("#open-recent", OptionList)
        listed = [str(recent.get_option_at_index(i).prompt) for i in range(recent.option_count)]
        assert listed == [str(data / "train_b.jsonl"), str(data / "train_a.jsonl")]
        await pilot.press("down", "down", "enter")  # into the list, then the second entry
        await until(pilot, lambda: isinstance(app.screen, ReviewScreen), "the review")
        assert isinstance(app.screen, ReviewScreen)
        assert Path(app.screen.dataset.path).name == "train_a.jsonl"
        store.close()
