"""CSV (and TSV) files with a header row, streamed with the csv module: each row as a dict
with the line it starts on (quoted cells may span lines)."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tuiapp.data.formats.columns import column_map, no_columns

SUFFIXES = (".csv", ".tsv")
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # long answers: the default is 128 KiB


class BadTable(ValueError):
    """A table whose columns map to no example (the message names the columns seen)."""


@dataclass(frozen=True, slots=True)
class TableRow:
    """One row: its 1-based index, the file line it starts on, its cells by column name,
    cells beyond the header, and how far into the file it ends (characters)."""

    index: int
    line: int
    cells: dict[str, Any]
    extra_cells: int = 0
    read: int = 0


def is_csv(path: str | Path) -> bool:
    """True for a file named .csv or .tsv."""
    return Path(path).suffix.lower() in SUFFIXES


def _delimiter(path: str | Path) -> str:
    """A tab for .tsv, else a comma."""
    return "\t" if Path(path).suffix.lower() == ".tsv" else ","


class _Counted:
    """The file's lines, counting the characters handed out (the progress of the import)."""

    def __init__(self, handle: Any) -> None:
        """Read from an open text file."""
        self.handle = handle
        self.read = 0

    def __iter__(self) -> Iterator[str]:
        """Each line, counted."""
        for line in self.handle:
            self.read += len(line)
            yield line


def header(path: str | Path) -> list[str]:
    """The header row's column names ([] for an empty file)."""
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as handle:
        return next(csv.reader(handle, delimiter=_delimiter(path)), [])


def check_header(path: str | Path) -> str | None:
    """Why the file's columns map to no example (naming the columns seen), or None."""
    columns = header(path)
    return None if column_map(columns) else no_columns(columns)


def iter_rows(path: str | Path) -> Iterator[TableRow]:
    """Every data row after the header (blank rows skipped); BadTable when no columns map."""
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as handle:
        counted = _Counted(handle)
        reader = csv.reader(counted, delimiter=_delimiter(path))
        names = next(reader, [])
        if column_map(names) is None:
            raise BadTable(no_columns(names))
        index, next_line = 0, reader.line_num + 1
        for cells in reader:
            start, next_line = next_line, reader.line_num + 1
            if not any(cells):
                continue
            index += 1
            row = dict(zip(names, cells, strict=False))
            yield TableRow(index, start, row, max(0, len(cells) - len(names)), counted.read)
