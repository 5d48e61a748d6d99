"""Which format a file holds, from its first records, and each format's converter."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from itertools import islice
from pathlib import Path
from typing import Any

import orjson

from tuiapp.data.checks import detect_format
from tuiapp.data.formats.alpaca import from_alpaca, is_alpaca
from tuiapp.data.formats.array import is_json_array, iter_array
from tuiapp.data.formats.convert import Converted
from tuiapp.data.formats.kto import from_kto, is_kto
from tuiapp.data.formats.llamafactory import from_llamafactory, is_llamafactory
from tuiapp.data.formats.sharegpt import from_sharegpt, is_sharegpt
from tuiapp.data.formats.tables import TABLES, first_examples, table_kind, table_problem
from tuiapp.data.jsonl import read_lines

SNIFF_RECORDS = 20
NATIVE = ("chat", "preference")  # OpenAI's own: stored as read
CONVERTERS: dict[str, Callable[[dict[str, Any]], Converted]] = {
    "alpaca": from_alpaca,
    "sharegpt": from_sharegpt,
    "llamafactory": from_llamafactory,
    "kto": from_kto,
}
FORMATS = (*NATIVE, *CONVERTERS, *TABLES)


class UnknownFormat(ValueError):
    """A `--format` name tuiapp does not know."""


def record_format(record: Any) -> str | None:
    """The format one parsed record is in, None for a value that is not an object."""
    if not isinstance(record, dict):
        return None
    if is_kto(record):
        return "kto"
    if is_llamafactory(record):
        return "llamafactory"
    if is_sharegpt(record):
        return "sharegpt"
    if is_alpaca(record):
        return "alpaca"
    return detect_format(record)


def first_records(path: str | Path, n: int = SNIFF_RECORDS) -> list[Any]:
    """The first n records that parse, from a JSON array or a JSONL file."""
    if is_json_array(path):
        return [e.value for e in islice(iter_array(path), n) if e.error is None]
    records = []
    for raw in islice(read_lines(path), n * 5):
        try:
            records.append(orjson.loads(raw.data))
        except orjson.JSONDecodeError:
            continue
        if len(records) >= n:
            break
    return records


def sniff(path: str | Path) -> str:
    """The table kind its name says (CSV, Parquet, Arrow), else the format most of the first
    records are in (`chat` when nothing parses)."""
    if kind := table_kind(path):
        return kind
    seen = Counter(f for r in first_records(path) if (f := record_format(r)) is not None)
    return seen.most_common(1)[0][0] if seen else "chat"


KNOWN_KEYS = frozenset(
    {"messages", "input", "preferred_output", "conversations", "instruction", "chosen_messages"}
)


def unknown_format(path: str | Path) -> str | None:
    """What was seen when none of the first records is in a known format (or a table's columns
    map to nothing, or pyarrow is missing for it), else None."""
    if kind := table_kind(path):
        return table_problem(path, kind)
    records = first_records(path)
    if any(isinstance(r, dict) and KNOWN_KEYS & r.keys() for r in records):
        return None
    if not records:
        return "no record parses as JSON"
    keys = sorted({k for r in records if isinstance(r, dict) for k in r})
    kinds = sorted({type(r).__name__ for r in records if not isinstance(r, dict)})
    seen = [f"keys {', '.join(keys[:12])}"] if keys else []
    return "no known format: the first records have " + "; ".join(
        seen + ([f"values of type {', '.join(kinds)}"] if kinds else [])
    )


def checked_format(name: str) -> str:
    """`name` if it is a format tuiapp reads, else UnknownFormat naming the ones it does."""
    if name not in FORMATS:
        raise UnknownFormat(f"unknown format {name!r}: use one of {', '.join(FORMATS)}")
    return name


def target_format(path: str | Path, source: str) -> str:
    """What the file's examples become: `chat` or `preference` (from its first record)."""
    if source in NATIVE:
        return source
    if source in TABLES:
        return next((detect_format(e) for e in first_examples(path, source, 1)), "chat")
    convert = CONVERTERS[source]
    for record in first_records(path, 5):
        if isinstance(record, dict):
            return detect_format(convert(record).example)
    return "chat"


def needs_conversion(path: str | Path, source: str) -> bool:
    """False only for OpenAI JSONL, which the line reader takes as it is."""
    return source not in NATIVE or table_kind(path) is not None or is_json_array(path)
