"""Parquet files and Hugging Face dataset folders (`save_to_disk`: state.json naming Arrow
stream files) read in record batches through pyarrow, an optional extra."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

INSTALL = "pip install 'tuiapp[formats]'"
BATCH_ROWS = 1_000
STATE = "state.json"


class MissingPyarrow(RuntimeError):
    """Reading Parquet or Arrow needs pyarrow, which is not installed."""


class BadFolder(ValueError):
    """A folder that is not a dataset saved with `save_to_disk` (or lacks the split asked)."""


@dataclass(frozen=True, slots=True)
class FolderChoice:
    """What to import (the split's one Arrow file, or its state.json when the split has several:
    the store knows a dataset by the bytes of that file), the split's name, every split."""

    path: Path
    split: str | None
    splits: list[str]


def _pyarrow() -> Any:
    """The pyarrow module, or MissingPyarrow saying how to install it."""
    try:
        import pyarrow
        import pyarrow.ipc
        import pyarrow.parquet
    except ImportError:
        raise MissingPyarrow(f"reading Parquet and Arrow needs pyarrow: {INSTALL}") from None
    return pyarrow


def is_parquet(path: str | Path) -> bool:
    """True for a file named .parquet, or one that starts with Parquet's magic bytes."""
    if Path(path).suffix.lower() in (".parquet", ".pq"):
        return True
    with open(path, "rb") as handle:
        return handle.read(4) == b"PAR1"


def is_arrow(path: str | Path) -> bool:
    """True for an .arrow file or a saved dataset's state.json."""
    path = Path(path)
    return path.suffix.lower() == ".arrow" or (
        path.name == STATE and (path.parent / "dataset_info.json").is_file()
    )


def resolve_folder(folder: str | Path, split: str | None = None) -> FolderChoice:
    """The split to import from a saved dataset folder: the one named, else `train`, else the
    only one (a DatasetDict folder has dataset_dict.json and a subfolder per split)."""
    folder = Path(folder)
    if (folder / STATE).is_file():
        if split is not None:
            raise BadFolder(f"{folder} holds one split, not a DatasetDict: leave out --split")
        return FolderChoice(_data_path(folder / STATE), None, [])
    if not (folder / "dataset_dict.json").is_file():
        raise BadFolder(f"{folder}: not a dataset saved with save_to_disk (no {STATE})")
    splits = json.loads((folder / "dataset_dict.json").read_text()).get("splits") or sorted(
        p.parent.name for p in folder.glob(f"*/{STATE}")
    )
    chosen = split or ("train" if "train" in splits or len(splits) != 1 else splits[0])
    if chosen not in splits or not (folder / chosen / STATE).is_file():
        raise BadFolder(f"{folder} has no split {chosen!r} (splits: {', '.join(splits)})")
    return FolderChoice(_data_path(folder / chosen / STATE), chosen, list(splits))


def _data_path(state: Path) -> Path:
    """The one Arrow file a state.json names, else the state.json itself."""
    files = arrow_files(state)
    return files[0] if len(files) == 1 else state


def arrow_files(path: str | Path) -> list[Path]:
    """The Arrow files of a state.json (in order), or the .arrow file itself."""
    path = Path(path)
    if path.name != STATE:
        return [path]
    state = json.loads(path.read_text())
    return [path.parent / f["filename"] for f in state.get("_data_files", [])]


def _batches(path: Path) -> Iterator[Any]:
    """Record batches of one Parquet or Arrow (stream, else file) file, memory-mapped."""
    pa = _pyarrow()
    if is_parquet(path):
        yield from pa.parquet.ParquetFile(path).iter_batches(batch_size=BATCH_ROWS)
        return
    source = pa.memory_map(str(path))
    try:
        reader = pa.ipc.open_stream(source)
    except pa.ArrowInvalid:
        reader = pa.ipc.open_file(source)
        yield from (reader.get_batch(i) for i in range(reader.num_record_batches))
        return
    yield from reader


def column_names(path: str | Path) -> list[str]:
    """The columns of the (first) file."""
    pa = _pyarrow()
    first = arrow_files(path)[0]
    if is_parquet(first):
        return list(pa.parquet.ParquetFile(first).schema_arrow.names)
    try:
        return list(pa.ipc.open_stream(pa.memory_map(str(first))).schema.names)
    except pa.ArrowInvalid:
        return list(pa.ipc.open_file(pa.memory_map(str(first))).schema.names)


def iter_table(path: str | Path) -> Iterator[tuple[dict[str, Any], float]]:
    """Every row as a dict, with the share of the data read so far, one record batch in memory
    at a time; nulls that Arrow fills in for struct fields a row lacks are dropped (a message
    without `tool_calls` has none)."""
    files = arrow_files(path)
    total, done = sum(f.stat().st_size for f in files) or 1, 0
    for file in files:
        size = file.stat().st_size
        rows = _pyarrow().parquet.ParquetFile(file).metadata.num_rows if is_parquet(file) else 0
        seen = got = 0
        for batch in _batches(file):
            seen, got = seen + batch.num_rows, got + batch.nbytes
            part = seen / rows if rows else got / size if size else 1.0  # stream: bytes ~ file's
            share = (done + size * min(part, 1.0)) / total
            for row in batch.to_pylist():
                yield _drop_nulls(row), share
        done += size


def _drop_nulls(value: Any) -> Any:
    """The value with None-valued keys removed from every nested object."""
    if isinstance(value, dict):
        return {k: _drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_nulls(v) for v in value]
    return value
