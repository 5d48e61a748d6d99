"""The open dialog: a path field that completes with Tab, the recent files, and a browser
(Textual's DirectoryTree, showing folders and dataset-like files only)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DirectoryTree, Input, Label, OptionList

DATASET_SUFFIXES = (".jsonl", ".json", ".ndjson", ".csv", ".tsv", ".parquet", ".arrow")
# a folder written by `save_to_disk`: state.json beside dataset_info.json (a Dataset), or
# dataset_dict.json (a DatasetDict); dataset_info.json alone is LLaMA-Factory's data/ folder
SAVED_DATASET = (("state.json", "dataset_info.json"), ("dataset_dict.json",))
SHOWN_CANDIDATES = 12
HINT = "Tab completes · ctrl+b browses · ↓ recent files · Enter opens · Esc cancels"


def dataset_like(path: Path) -> bool:
    """A file tuiapp can import, going by its name."""
    return path.name.lower().endswith(DATASET_SUFFIXES)


def dataset_folder(path: Path) -> bool:
    """A Hugging Face dataset folder saved with `save_to_disk`."""
    return any(all((path / name).is_file() for name in names) for names in SAVED_DATASET)


def path_candidates(text: str) -> list[str]:
    """What `text` can be completed to: folders (ending in /) and dataset-like files whose
    names start with its last part, written the way `text` is (a leading ~ kept)."""
    head, stem = os.path.split(text)
    folder = Path(os.path.expanduser(head or "."))
    try:
        entries = sorted(folder.iterdir(), key=lambda p: p.name.lower())
    except OSError:
        return []
    prefix = text[: len(text) - len(stem)]
    found = []
    for entry in entries:
        name = entry.name
        if not name.startswith(stem) or (name.startswith(".") and not stem.startswith(".")):
            continue
        try:
            if entry.is_dir():
                found.append(f"{prefix}{name}/")
            elif dataset_like(entry):
                found.append(prefix + name)
        except OSError:  # a broken link or a folder we may not read
            continue
    return found


def complete_path(text: str) -> tuple[str, list[str]]:
    """Tab on `text`: the longest completion all candidates share, and the candidates."""
    found = path_candidates(text)
    if not found:
        return text, []
    common = os.path.commonprefix(found)
    return (common if len(common) > len(text) else text), found


def shown_names(candidates: Iterable[str]) -> str:
    """The candidates as a line of their last parts (at most SHOWN_CANDIDATES of them)."""
    names = [
        c.rstrip("/").rsplit("/", 1)[-1] + ("/" if c.endswith("/") else "") for c in candidates
    ]
    more = len(names) - SHOWN_CANDIDATES
    return "  ".join(names[:SHOWN_CANDIDATES]) + (f"  … {more} more" if more > 0 else "")


class DatasetTree(DirectoryTree):
    """A directory tree of folders and dataset-like files (hidden ones left out)."""

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        """Keep folders and files tuiapp can import."""
        return [p for p in paths if not p.name.startswith(".") and (p.is_dir() or dataset_like(p))]


class BrowseScreen(ModalScreen[Path | None]):
    """Pick a dataset file in a tree; Enter on a file returns it."""

    CSS_PATH = "open_file.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="browse.cancel"),
        Binding("backspace", "parent", "Parent folder", id="browse.parent"),
    ]

    def __init__(self, start: Path) -> None:
        super().__init__()
        self._start = start

    def compose(self) -> ComposeResult:
        """Title, tree, hint."""
        with Vertical(id="browse-box"):
            yield Label(Text(f"Browse {self._start}"), id="browse-title")
            yield DatasetTree(self._start, id="browse-tree")
            yield Label(
                "Enter opens a file or a folder · Backspace goes up · Esc cancels",
                id="browse-hint",
            )

    def action_parent(self) -> None:
        """Show the folder above."""
        tree = self.query_one(DatasetTree)
        parent = Path(tree.path).resolve().parent
        tree.path = parent
        self.query_one("#browse-title", Label).update(Text(f"Browse {parent}"))

    @on(DirectoryTree.FileSelected)
    def _picked(self, event: DirectoryTree.FileSelected) -> None:
        """A file was chosen."""
        event.stop()
        self.dismiss(event.path)

    @on(DirectoryTree.DirectorySelected)
    def _folder(self, event: DirectoryTree.DirectorySelected) -> None:
        """A Hugging Face dataset folder is a dataset: choosing it opens it."""
        if dataset_folder(event.path):
            event.stop()
            self.dismiss(event.path)

    def action_cancel(self) -> None:
        """Close without a file."""
        self.dismiss(None)


class OpenFileScreen(ModalScreen[Path | None]):
    """Ask for a dataset file: Tab completes, ctrl+b browses, the recent files are listed."""

    CSS_PATH = "open_file.tcss"
    BINDINGS = [
        Binding("tab", "complete", "Complete", priority=True, id="open_file.complete"),
        Binding("ctrl+b", "browse", "Browse", priority=True, id="open_file.browse"),
        Binding("down", "recent", "Recent files", show=False, id="open_file.recent"),
        Binding("escape", "cancel", "Cancel", id="open_file.cancel"),
    ]

    def __init__(self, recent: list[str] | None = None, value: str = "") -> None:
        super().__init__()
        self._recent = [p for p in (recent or []) if Path(p).exists()]
        self._value = value
        self._cycle: list[str] = []  # the candidates Tab goes through, once nothing is common
        self._cycle_at = 0

    def compose(self) -> ComposeResult:
        """Title, path field, candidates, recent files, hint."""
        with Vertical(id="open-box"):
            yield Label(
                "Open a dataset (JSONL, JSON, CSV, Parquet or a dataset folder)", id="open-title"
            )
            yield Input(self._value, placeholder="path/to/train.jsonl", id="open-input")
            yield Label("", id="open-candidates")
            if self._recent:
                yield Label("Recent files", id="open-recent-title")
                yield OptionList(*[Text(p) for p in self._recent], id="open-recent")
            hint = HINT if self._recent else HINT.replace(" · ↓ recent files", "")
            yield Label(hint, id="open-hint")

    @property
    def _input(self) -> Input:
        """The path field."""
        return self.query_one("#open-input", Input)

    def _set(self, value: str) -> None:
        """Put a path in the field, the cursor at its end."""
        self._input.value = value
        self._input.cursor_position = len(value)

    def action_complete(self) -> None:
        """Complete the path: the common part first, then each candidate in turn."""
        if not self._input.has_focus:
            self._input.focus()
            return
        value = self._input.value
        if self._cycle and value in self._cycle:
            self._cycle_at = (self._cycle.index(value) + 1) % len(self._cycle)
            self._set(self._cycle[self._cycle_at])
            return
        completed, found = complete_path(value)
        shown = self.query_one("#open-candidates", Label)
        if not found:
            shown.update(Text(f"nothing matches {value or './'}"))
            return
        shown.update(Text("" if len(found) == 1 else shown_names(found)))
        if len(found) > 1 and completed == value:
            self._cycle = found
            self._set(found[0])
        else:
            self._set(completed)

    @on(Input.Changed, "#open-input")
    def _typed(self, event: Input.Changed) -> None:
        """Typing ends a round of Tab cycling."""
        if event.value not in self._cycle:
            self._cycle = []

    @on(Input.Submitted, "#open-input")
    def _submitted(self, event: Input.Submitted) -> None:
        """Open the path typed, when it is something tuiapp can open."""
        event.stop()
        if not event.value.strip():
            return
        path = Path(event.value.strip()).expanduser()
        why = None
        if not path.exists():
            why = f"no such file: {path}"
        elif path.is_dir() and not dataset_folder(path):
            why = f"{path} is a folder: Tab lists what is in it, ctrl+b browses it"
        if why:
            self.query_one("#open-candidates", Label).update(Text(why))
            return
        self.dismiss(path)

    def action_recent(self) -> None:
        """Move to the recent files."""
        if self._recent:
            self.query_one("#open-recent", OptionList).focus()

    @on(OptionList.OptionSelected, "#open-recent")
    def _recent_picked(self, event: OptionList.OptionSelected) -> None:
        """A recent file was chosen."""
        event.stop()
        self.dismiss(Path(self._recent[event.option_index]))

    @work
    async def action_browse(self) -> None:
        """Pick a file in a tree that starts at the folder typed (else the current one)."""
        typed = Path(os.path.expanduser(self._input.value or "."))
        start = typed if typed.is_dir() else typed.parent
        if not start.is_dir():
            start = Path.cwd()
        picked = await self.app.push_screen_wait(BrowseScreen(start.resolve()))
        if picked is not None:
            self.dismiss(picked)

    def action_cancel(self) -> None:
        """Close without a file."""
        self.dismiss(None)
