"""Which stored dataset a file is: known by the SHA-256 of its bytes (path, size and mtime are
only the fast check that spares rehashing), so a touched, moved or freshly checked-out file
opens with every decision; a changed file says what changed and which decisions would not
carry over, so a caller can ask before anything is lost."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from tuiapp.data.atomic import file_sha256
from tuiapp.data.line_diff import LineDiff, diff_lines
from tuiapp.store import Store
from tuiapp.store.carried import iter_originals
from tuiapp.store.datasets import (
    content_sha256,
    find_by_content,
    find_by_location,
    find_current,
    record_location,
)
from tuiapp.store.records import Dataset
from tuiapp.store.sources import stored_source_format


class NotReviewed(ValueError):
    """The file named is not the one that was reviewed (new, or changed since)."""


@dataclass(frozen=True)
class FileChange:
    """How a file differs from the dataset reviewed at its path."""

    path: Path
    reviewed: Dataset
    lines: LineDiff
    decisions: int  # examples of the reviewed dataset with a decision (status, edit, note, tags)
    lost: int  # of those, the ones on lines now removed or edited

    def describe(self) -> str:
        """One sentence for a person: what changed and what happens to the decisions."""
        kept = self.decisions - self.lost
        return (
            f"{self.path} changed since it was reviewed as dataset {self.reviewed.id} "
            f"({self.lines.describe()}); {kept} of {self.decisions} review decisions carry "
            f"over, {self.lost} are on lines that changed"
        )


@dataclass(frozen=True)
class Identity:
    """A file and what the store knows of it."""

    path: Path
    sha256: str
    dataset: Dataset | None  # the dataset imported from exactly these bytes
    change: FileChange | None = None  # no dataset has these bytes, one was reviewed here


def _line_key(text: str) -> int:
    """What two lines are compared by (within one process)."""
    return hash(text)


def compare_file(store: Store, reviewed: Dataset, path: Path) -> FileChange:
    """The line diff between a reviewed dataset's examples and a file, and the decisions that
    would not carry over (equal lines matched in order, as `carry_decisions` does)."""
    old, decided = [], []
    for original, was_decided in iter_originals(store, reviewed.id):
        key = _line_key(original)
        old.append(key)
        if was_decided:
            decided.append(key)
    from tuiapp.data.formats.detect import sniff  # the converters load only for a changed file
    from tuiapp.data.formats.records import stored_lines

    source = stored_source_format(store, reviewed.id) or sniff(path)
    new = [_line_key(text) for text in stored_lines(path, source)]
    available = Counter(new)
    lost = 0
    for key in decided:
        if available[key]:
            available[key] -= 1
        else:
            lost += 1
    return FileChange(path, reviewed, diff_lines(old, new), len(decided), lost)


def identify(store: Store, path: str | Path) -> Identity:
    """Find the dataset of a file: by path, size and mtime, else by the hash of its bytes (then
    its new place is recorded); else the change from what was reviewed at this path."""
    path = Path(path)
    fast = find_current(store, path)
    if fast is not None:
        sha = content_sha256(store, fast.id)
        if sha is None:  # imported before datasets were hashed: hash once and remember
            sha = file_sha256(path)
            record_location(store, fast.id, path, sha)
        return Identity(path, sha, fast)
    sha = file_sha256(path)
    same = find_by_content(store, sha)
    if same is not None:
        return Identity(path, sha, record_location(store, same.id, path, sha))
    reviewed = find_by_location(store, path)
    if reviewed is None:
        return Identity(path, sha, None)
    return Identity(path, sha, None, compare_file(store, reviewed, path))


def reviewed_dataset(store: Store, path: str | Path) -> Dataset:
    """The dataset reviewed from this file; NotReviewed says clearly when the file is not it
    (never imported, or changed since) instead of handing back an empty dataset."""
    path = Path(path)
    if not path.is_file():
        raise NotReviewed(f"{path}: no such file")
    identity = identify(store, path)
    if identity.dataset is not None:
        return identity.dataset
    if identity.change is not None:
        change = identity.change
        raise NotReviewed(
            f"{change.describe()}. Open it with `tuiapp {path}` to import the new content "
            f"(pass --accept-changes if decisions would be lost), or name the reviewed data by "
            f"its id: {change.reviewed.id}"
        )
    raise NotReviewed(
        f"{path} has not been imported: run `tuiapp import {path}` "
        f"(or open it with `tuiapp {path}`)"
    )


def lossy_open_warning(database: str | Path, path: str | Path) -> str | None:
    """Why opening this file would lose review decisions (a changed copy of a reviewed file
    whose changed lines had decisions), or None when nothing would be lost."""
    from tuiapp.store import open_store

    store = open_store(database)
    try:
        change = identify(store, path).change
    finally:
        store.close()
    if change is None or not change.lost:
        return None
    return (
        f"{change.describe()}. Pass --accept-changes to import the new content anyway "
        f"(dataset {change.reviewed.id} keeps every decision)"
    )
