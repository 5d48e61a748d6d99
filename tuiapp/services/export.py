"""Export the accepted (and edited) examples of a dataset as clean JSONL, and a frozen version
as a folder (train.jsonl, holdout.jsonl, manifest.json with each file's SHA-256) that a reader
can verify; both appear whole or not at all."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from tuiapp.data.atomic import atomic_file, atomic_folder, file_sha256, recover_folder
from tuiapp.data.formats.outward import JSON_ARRAYS, Inexpressible, converter
from tuiapp.problems import Severity
from tuiapp.store import Store
from tuiapp.store.examples import iter_examples
from tuiapp.store.versions import SPLITS, get_version, iter_entries

MANIFEST = "manifest.json"
VERSION_FILES = frozenset({*(f"{split}.jsonl" for split in SPLITS), MANIFEST})


class ExportMismatch(ValueError):
    """A version folder whose files disagree with its manifest (or with the version)."""


class NothingToWrite(ValueError):
    """No accepted example can be written in the format asked (nothing was written)."""


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote and what it left out."""

    path: Path
    written: int
    skipped_invalid: list[int]  # line numbers of accepted examples that still have errors
    # why the format asked cannot express an accepted example -> the lines of those examples
    inexpressible: dict[str, list[int]] = field(default_factory=dict)
    format: str = "openai"


def export_accepted(
    store: Store, dataset_id: int, out: str | Path, fmt: str = "openai"
) -> ExportResult:
    """Write accepted examples (edits applied) in `fmt`: OpenAI JSONL (one compact object a
    line), OpenAI preference JSONL (`dpo`), or an Alpaca / ShareGPT JSON array.

    Accepted examples that still have errors are left out and listed, so the file always
    passes `tuiapp validate`; so are those the format cannot express, by reason. The file
    appears only when complete (written, then renamed), and not at all when nothing can be
    written (NothingToWrite)."""
    out = Path(out)
    written, skipped = 0, []
    inexpressible: dict[str, list[int]] = {}
    convert, array = converter(fmt), fmt in JSON_ARRAYS
    with atomic_file(out) as handle:
        for example in iter_examples(store, dataset_id, status="accepted"):
            if example.severity is Severity.ERROR:
                skipped.append(example.line)
                continue
            try:
                record = convert(orjson.loads(example.text))
            except Inexpressible as err:
                inexpressible.setdefault(str(err), []).append(example.line)
                continue
            if array:
                handle.write(b"[\n  " if not written else b",\n  ")
            handle.write(orjson.dumps(record) + (b"" if array else b"\n"))
            written += 1
        if not written and inexpressible:
            why = "; ".join(f"{r}: {n:,}" for r, n in reason_counts(inexpressible).items())
            raise NothingToWrite(
                f"none of the accepted examples can be written as {fmt} ({why})"
                + (f"; {len(skipped)} still have errors" if skipped else "")
            )
        if array:
            handle.write(b"\n]\n" if written else b"[]\n")
    return ExportResult(out, written, skipped, inexpressible, fmt)


def reason_counts(reasons: dict[str, list[int]]) -> dict[str, int]:
    """How many examples each reason kept out, most first."""
    return dict(sorted(((r, len(n)) for r, n in reasons.items()), key=lambda x: -x[1]))


def export_version(store: Store, version_id: int, directory: str | Path) -> list[Path]:
    """Write train.jsonl, holdout.jsonl and manifest.json into a temporary folder beside
    `directory`, then swap it in whole: a reader sees the old version or the new, never a mix."""
    version = get_version(store, version_id)
    out = Path(directory)
    files: dict[str, dict[str, Any]] = {}
    with atomic_folder(out, VERSION_FILES) as tmp:
        for split in SPLITS:
            name = f"{split}.jsonl"
            digest, size, lines = hashlib.sha256(), 0, 0
            with open(tmp / name, "wb") as handle:
                for entry in iter_entries(store, version_id, split):
                    data = entry.text.encode() + b"\n"
                    handle.write(data)
                    digest.update(data)
                    size, lines = size + len(data), lines + 1
            files[name] = {"sha256": digest.hexdigest(), "bytes": size, "lines": lines}
        manifest = {
            "name": version.name,
            "version_id": version.id,
            "content_hash": version.content_hash,
            "parent_id": version.parent_id,
            "kind": version.kind,
            "split_seed": version.split_seed,
            "split_fraction": version.split_fraction,
            "counts": version.counts,
            "created_at": version.created_at,
            "files": files,
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return [out / f"{split}.jsonl" for split in SPLITS] + [out / MANIFEST]


def verify_export(directory: str | Path, content_hash: str | None = None) -> dict[str, Any]:
    """The manifest of a version folder whose every file matches its SHA-256 (and, when given,
    whose version has this content hash); ExportMismatch says which file disagrees."""
    folder = Path(directory)
    recover_folder(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as err:
        raise ExportMismatch(f"{folder}: no readable {MANIFEST} ({err})") from None
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(files, dict) or set(files) != VERSION_FILES - {MANIFEST}:
        raise ExportMismatch(f"{folder}: {MANIFEST} lists no file hashes: export the version again")
    bad = []
    for name, want in sorted(files.items()):
        path = folder / name
        if not path.is_file():
            bad.append(f"{name} is missing")
        elif file_sha256(path) != want.get("sha256"):
            bad.append(f"{name} does not match its SHA-256")
    if bad:
        raise ExportMismatch(f"{folder}: {'; '.join(bad)}: the folder is not the version it claims")
    if content_hash is not None and manifest.get("content_hash") != content_hash:
        raise ExportMismatch(f"{folder}: holds version {manifest.get('name')}, not the one asked")
    return dict(manifest)


def export_for_upload(store: Store, version_id: int, directory: str | Path) -> dict[str, Any]:
    """Export a version and verify the folder against its manifest and the version, so what is
    uploaded is exactly what was frozen (ExportMismatch otherwise: nothing is uploaded)."""
    export_version(store, version_id, directory)
    return verify_export(directory, get_version(store, version_id).content_hash)
