"""Tables (CSV, Parquet, Hugging Face dataset folders) as records: each row converted by the
record format it is in (chat, preference, Alpaca, ShareGPT, LLaMA-Factory), else by its
prompt / completion columns."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

import orjson

from tuiapp.data.formats import arrow_file, csv_file
from tuiapp.data.formats.alpaca import from_alpaca, is_alpaca
from tuiapp.data.formats.columns import ColumnMap, column_map, from_columns, no_columns
from tuiapp.data.formats.convert import Converted
from tuiapp.data.formats.llamafactory import from_llamafactory, is_llamafactory
from tuiapp.data.formats.sharegpt import from_sharegpt, is_sharegpt

TABLES = ("csv", "parquet", "arrow")
NATIVE_KEYS = ("messages", "preferred_output")


@dataclass(frozen=True, slots=True)
class TableRecord:
    """One row converted: its 1-based index, `row 3 (line 4)`, the row as JSON, the conversion
    and the share of the file read once it is."""

    index: int
    where: str
    original: str
    converted: Converted
    share: float


def table_kind(path: str | Path) -> str | None:
    """`csv`, `parquet` or `arrow` (an .arrow file or a saved dataset's state.json), else None."""
    if csv_file.is_csv(path):
        return "csv"
    if Path(path).suffix.lower() in (".parquet", ".pq"):
        return "parquet"
    return "arrow" if arrow_file.is_arrow(path) else None


def convert_row(row: dict[str, Any], cmap: ColumnMap | None) -> Converted:
    """A row in a record format converted by that format's rules; else by its columns; else
    kept as it is (for the checks to name what is wrong)."""
    if is_llamafactory(row):
        return from_llamafactory(row)
    if is_sharegpt(row):
        return from_sharegpt(row)
    if any(k in row for k in NATIVE_KEYS):
        return Converted(row)
    if is_alpaca(row):
        return from_alpaca(row)
    return from_columns(row, cmap) if cmap is not None else Converted(row)


def _claimed(row: Any) -> bool:
    """True when a record format (not the column names) says what the row is."""
    return isinstance(row, dict) and (
        any(k in row for k in NATIVE_KEYS) or is_sharegpt(row) or is_alpaca(row)
    )


def table_problem(path: str | Path, source: str) -> str | None:
    """Why the table cannot be read as examples (pyarrow missing, no known columns), or None."""
    try:
        if source == "csv":
            return csv_file.check_header(path)
        columns = arrow_file.column_names(path)
        if column_map(columns) is not None:
            return None
        rows = [row for row, _ in islice(arrow_file.iter_table(path), 20)]
    except (arrow_file.MissingPyarrow, arrow_file.BadFolder) as err:
        return str(err)
    except Exception as err:  # pyarrow's own errors: a file that is not what it says
        return f"cannot read it as {source}: {err}"
    return None if any(_claimed(r) for r in rows) else no_columns(columns)


def iter_table_records(path: str | Path, source: str) -> Iterator[TableRecord]:
    """Every row of the table converted (BadTable when a CSV's columns map to nothing)."""
    if source == "csv":
        size = Path(path).stat().st_size or 1
        cmap = column_map(csv_file.header(path))
        for row in csv_file.iter_rows(path):
            converted = from_columns(row.cells, cmap) if cmap else Converted(row.cells)
            if row.extra_cells:
                note = f"{row.extra_cells} cell(s) past the header's last column are left out"
                converted = Converted(converted.example, [*converted.notes, note])
            original = orjson.dumps(row.cells).decode()
            where = f"row {row.index} (line {row.line})"
            yield TableRecord(row.index, where, original, converted, min(row.read / size, 1.0))
        return
    cmap = column_map(arrow_file.column_names(path))
    for index, (cells, share) in enumerate(arrow_file.iter_table(path), 1):
        original = orjson.dumps(cells, default=str).decode()
        yield TableRecord(index, f"row {index}", original, convert_row(cells, cmap), share)


def first_examples(path: str | Path, source: str, n: int = 5) -> list[Any]:
    """The first n rows converted (for the format their examples take)."""
    return [r.converted.example for r in islice(iter_table_records(path, source), n)]
