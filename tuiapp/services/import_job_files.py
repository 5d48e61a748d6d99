"""The files an imported job trained on: downloaded once, imported as datasets (the same bytes
give the same dataset, as `tuiapp import` does), and frozen as one version made of exactly
them (training file -> train, validation file -> holdout) that keeps the original file ids."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from tuiapp.data.atomic import atomic_file
from tuiapp.providers.base import Provider, ProviderError
from tuiapp.services.importer import open_dataset, run_import
from tuiapp.store import Store
from tuiapp.store.datasets import find_by_content
from tuiapp.store.examples import iter_examples
from tuiapp.store.versions import VersionEntry, content_hash, find_by_hash, save_version

Say = Callable[[str], None]


@dataclass(frozen=True)
class FileProblem:
    """A file of a job that could not be brought in, and why."""

    role: str  # training | validation
    file_id: str
    reason: str

    def __str__(self) -> str:
        return f"{self.role} file {self.file_id}: {self.reason}"


@dataclass(frozen=True)
class FetchedFile:
    """A downloaded file and the dataset it became."""

    role: str
    file_id: str
    filename: str
    dataset_id: int
    sha256: str


def _why(err: ProviderError) -> str:
    """A download failure in a few words (a 404: the file was deleted)."""
    if err.status == 404:
        return "not found (404): it was deleted, or belongs to another project"
    return str(err)


def _safe_name(name: str, file_id: str) -> str:
    """A file name that is safe in one folder (the original name where it is)."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name).name).strip("._")
    return cleaned or f"{file_id}.jsonl"


async def fetch_file(
    store: Store,
    provider: Provider,
    folder: Path,
    role: str,
    file_id: str,
    base_model: str,
    say: Say,
) -> FetchedFile | FileProblem:
    """Download one file (kept under `folder/<file id>/`) and import it as a dataset."""
    try:
        remote = await provider.file(file_id)
        content = await provider.file_content(file_id)
    except ProviderError as err:
        return FileProblem(role, file_id, _why(err))
    path = folder / file_id / _safe_name(remote.filename, file_id)
    if not path.is_file() or path.read_bytes() != content:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_file(path) as out:
            out.write(content)
    say(f"  {role} file {file_id} ({remote.filename}, {len(content):,} bytes)")
    sha256 = hashlib.sha256(content).hexdigest()
    try:  # bytes already stored (imported by hand, or by an earlier job): that dataset, not moved
        dataset = find_by_content(store, sha256) or open_dataset(store, path, base_model)
        if dataset.import_state != "complete":
            for _progress in run_import(store, dataset.id, workers=0):
                pass
    except (OSError, ValueError) as err:
        return FileProblem(role, file_id, f"could not be imported: {err}")
    return FetchedFile(role, file_id, remote.filename, dataset.id, sha256)


def _entries(
    store: Store, dataset_id: int, split: str, counts: dict[str, Any]
) -> list[VersionEntry]:
    """Every example of a dataset as it is in the file (edits ignored), counted into `counts`
    (examples and tokens of the split, lines that are not JSON and were left out)."""
    entries = []
    for example in iter_examples(store, dataset_id):
        try:
            text = orjson.dumps(orjson.loads(example.original)).decode()
        except orjson.JSONDecodeError:
            counts["lines_not_json"] = counts.get("lines_not_json", 0) + 1
            continue
        entries.append(VersionEntry(split, example.id, example.line, text))
        counts[f"{split}_tokens"] = counts.get(f"{split}_tokens", 0) + example.n_tokens
    counts[split] = len(entries)
    return entries


def freeze_files(
    store: Store, provider: str, remote_id: str, train: FetchedFile, valid: FetchedFile | None
) -> int:
    """The id of the version made of exactly these files (the existing one when the same
    content was frozen before)."""
    counts: dict[str, Any] = {"holdout": 0, "holdout_tokens": 0}
    entries = _entries(store, train.dataset_id, "train", counts)
    if valid is not None:
        entries += _entries(store, valid.dataset_id, "holdout", counts)
    counts["examples"] = len(entries)
    existing = find_by_hash(store, train.dataset_id, content_hash(entries))
    if existing is not None:
        return existing.id
    files = {
        f.role: {"file_id": f.file_id, "filename": f.filename, "sha256": f.sha256}
        for f in (train, valid)
        if f is not None
    }
    version = save_version(
        store,
        train.dataset_id,
        name=f"{provider} {remote_id}",
        kind="import",
        parent_id=None,
        entries=entries,
        split_seed=None,
        split_fraction=None,
        counts=counts,
        report={
            "imported_from": {"provider": provider, "job": remote_id, "files": files},
            "holdout_dataset_id": valid.dataset_id if valid else None,
        },
    )
    return version.id
