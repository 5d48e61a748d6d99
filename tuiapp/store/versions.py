"""Frozen dataset versions: immutable lists of (split, example, text) with a content hash,
stored content-addressed so versions that share examples share their text."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from tuiapp.store.db import Store, now

SPLITS = ("train", "holdout")


@dataclass(frozen=True)
class VersionEntry:
    """One example as a version holds it."""

    split: str  # train | holdout
    example_id: int
    line: int
    text: str  # canonical compact JSON


@dataclass(frozen=True)
class Version:
    """An immutable dataset version."""

    id: int
    dataset_id: int
    parent_id: int | None
    name: str
    kind: str  # freeze | sample
    content_hash: str
    split_seed: int | None
    split_fraction: float | None
    counts: dict[str, Any]
    report: dict[str, Any]
    created_at: str

    @property
    def short_hash(self) -> str:
        """The first 12 hex digits of the content hash (what screens show)."""
        return self.content_hash[:12]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Version:
        """Build from a `dataset_versions` row."""
        return cls(
            id=row["id"],
            dataset_id=row["dataset_id"],
            parent_id=row["parent_id"],
            name=row["name"],
            kind=row["kind"],
            content_hash=row["content_hash"],
            split_seed=row["split_seed"],
            split_fraction=row["split_fraction"],
            counts=json.loads(row["counts"]),
            report=json.loads(row["report"]),
            created_at=row["created_at"],
        )


@dataclass(frozen=True)
class VersionDiff:
    """What changed from one version to another, by example (ids of the dataset's examples)."""

    added: list[int]
    removed: list[int]
    edited: list[int]
    moved: list[int]  # same text, other side of the split

    @property
    def unchanged(self) -> bool:
        """True when nothing changed."""
        return not (self.added or self.removed or self.edited or self.moved)


def blob_hash(text: str) -> str:
    """The content address of one example's canonical text."""
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def content_hash(entries: Sequence[VersionEntry]) -> str:
    """SHA-256 of the version as exported: train lines, then holdout lines, each in order."""
    digest = hashlib.sha256()
    for split in SPLITS:
        digest.update(f"--- {split}\n".encode())
        for entry in entries:
            if entry.split == split:
                digest.update(entry.text.encode() + b"\n")
    return digest.hexdigest()


def save_version(
    store: Store,
    dataset_id: int,
    *,
    name: str,
    kind: str,
    parent_id: int | None,
    entries: Sequence[VersionEntry],
    split_seed: int | None,
    split_fraction: float | None,
    counts: dict[str, Any],
    report: dict[str, Any],
) -> Version:
    """Store a new version with its entries in one transaction."""
    with store.conn:
        cur = store.conn.execute(
            "INSERT INTO dataset_versions(dataset_id, parent_id, name, kind, content_hash, "
            "split_seed, split_fraction, counts, report, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                dataset_id,
                parent_id,
                name,
                kind,
                content_hash(entries),
                split_seed,
                split_fraction,
                json.dumps(counts),
                json.dumps(report),
                now(),
            ],
        )
        version_id = int(cur.lastrowid or 0)
        hashes = [blob_hash(e.text) for e in entries]
        store.conn.executemany(
            "INSERT OR IGNORE INTO blobs(hash, text) VALUES (?, ?)",
            ((h, e.text) for h, e in zip(hashes, entries, strict=True)),
        )
        store.conn.executemany(
            "INSERT INTO version_examples(version_id, position, split, example_id, line, hash) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                (version_id, i, e.split, e.example_id, e.line, h)
                for i, (e, h) in enumerate(zip(entries, hashes, strict=True))
            ),
        )
    return get_version(store, version_id)


def get_version(store: Store, version_id: int) -> Version:
    """One version by id (KeyError if there is none)."""
    rows = list(store.rows("SELECT * FROM dataset_versions WHERE id = ?", [version_id]))
    if not rows:
        raise KeyError(f"no dataset version with id {version_id}")
    return Version.from_row(rows[0])


def list_versions(store: Store, dataset_id: int | None = None) -> list[Version]:
    """Versions, newest first (of one dataset, or all)."""
    sql, params = "SELECT * FROM dataset_versions", []
    if dataset_id is not None:
        sql, params = sql + " WHERE dataset_id = ?", [dataset_id]
    return [Version.from_row(r) for r in store.rows(sql + " ORDER BY id DESC", params)]


def find_by_hash(store: Store, dataset_id: int, digest: str) -> Version | None:
    """An existing version of the dataset with exactly this content, if any."""
    rows = list(
        store.rows(
            "SELECT * FROM dataset_versions WHERE dataset_id = ? AND content_hash = ? LIMIT 1",
            [dataset_id, digest],
        )
    )
    return Version.from_row(rows[0]) if rows else None


def iter_entries(store: Store, version_id: int, split: str | None = None) -> Iterator[VersionEntry]:
    """The version's examples in order (one split, or both)."""
    sql = (
        "SELECT v.split, v.example_id, v.line, b.text FROM version_examples v "
        "JOIN blobs b ON b.hash = v.hash WHERE v.version_id = ?"
    )
    params: list[object] = [version_id]
    if split:
        sql += " AND v.split = ?"
        params.append(split)
    for row in store.conn.execute(sql + " ORDER BY v.position", params):
        yield VersionEntry(*row)


def diff_versions(store: Store, old_id: int, new_id: int) -> VersionDiff:
    """Examples added, removed, edited and moved across the split from old to new."""

    def index(version_id: int) -> dict[int, tuple[str, str]]:
        rows = store.conn.execute(
            "SELECT example_id, split, hash FROM version_examples WHERE version_id = ?",
            [version_id],
        )
        return {example_id: (split, digest) for example_id, split, digest in rows}

    old, new = index(old_id), index(new_id)
    both = old.keys() & new.keys()
    return VersionDiff(
        added=sorted(new.keys() - old.keys()),
        removed=sorted(old.keys() - new.keys()),
        edited=sorted(e for e in both if old[e][1] != new[e][1]),
        moved=sorted(e for e in both if old[e][1] == new[e][1] and old[e][0] != new[e][0]),
    )
