"""A file in any known format as a stream of OpenAI JSON lines, each with its source record."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from tuiapp.data.examine import Examined, examine
from tuiapp.data.formats.array import is_json_array, iter_array
from tuiapp.data.formats.convert import Converted
from tuiapp.data.formats.detect import CONVERTERS, needs_conversion
from tuiapp.data.formats.kto import UNDESIRABLE
from tuiapp.data.formats.tables import TABLES, iter_table_records
from tuiapp.data.jsonl import RawLine, read_lines
from tuiapp.data.tokens import TokenCounter
from tuiapp.problems import Problem


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """One record as converted: a line to examine (number = record index or line), the
    original record's text, what it was (`record 3` / `line 3`), and conversion problems."""

    raw: RawLine
    original: str
    where: str
    problems: list[Problem]
    read: int = 0  # how far into the file (bytes, characters for an array) the record ends


def converted_records(path: str | Path, source: str, skip: int = 0) -> Iterator[SourceRecord]:
    """Every record of the file converted from `source` (JSON array or JSONL); the first
    `skip` records are read but not converted (resuming an import)."""
    if source in TABLES:
        size = Path(path).stat().st_size
        for t in iter_table_records(path, source):
            if t.index > skip:
                line, problems = _line(t.index, t.converted)
                yield SourceRecord(
                    RawLine(t.index, line, 0), t.original, t.where, problems, int(size * t.share)
                )
        return
    convert = CONVERTERS.get(source)
    if is_json_array(path):
        for e in iter_array(path):
            if e.index > skip:
                yield _record(e.index, "record", e.text, e.value, e.error, e.end, convert)
        return
    for raw in read_lines(path):
        if raw.number <= skip:
            continue
        try:
            value, error = orjson.loads(raw.data), None
        except orjson.JSONDecodeError:
            value, error = None, ""
        text = raw.data.decode("utf-8", "replace")
        read = raw.offset + len(raw.data) + 1
        yield _record(raw.number, "line", text, value, error, read, convert, raw.data)


def stored_lines(path: str | Path, source: str) -> Iterator[str]:
    """Each example's text as an import from `source` stores it, in file order: the converted
    JSON of each record (an array's, a table's row), or each line of OpenAI JSONL. What a
    changed file is compared by, record by record, as the re-import carries decisions."""
    if needs_conversion(path, source):
        for record in converted_records(path, source):
            yield record.raw.data.decode("utf-8", "replace")
        return
    for raw in read_lines(path):
        yield raw.data.decode("utf-8", "replace")


def _record(
    number: int,
    label: str,
    text: str,
    value: Any,
    error: str | None,
    read: int,
    convert: Callable[[dict[str, Any]], Converted] | None,
    data: bytes | None = None,
) -> SourceRecord:
    """One record converted: the JSON line to examine, with the conversion's problems (an
    `error` of "" leaves the line's own parse error to the checks)."""
    problems: list[Problem] = []
    if error is not None:
        if error:
            problems.append(Problem("invalid_json", number, "", f"record {number}: {error}"))
        line = data if data is not None else text.encode("utf-8")
    elif convert is not None and isinstance(value, dict):
        line, problems = _line(number, convert(value))
    else:
        line = orjson.dumps(value)
    return SourceRecord(RawLine(number, line, 0), text, f"{label} {number}", problems, read)


def _line(number: int, converted: Converted) -> tuple[bytes, list[Problem]]:
    """A converted record's JSON line and its notes as problems (each note once)."""
    notes = dict.fromkeys(converted.notes)
    line = orjson.dumps(converted.example, default=str)
    return line, [Problem(_note_kind(n), number, "", n) for n in notes]


def examine_record(
    record: SourceRecord, fmt: str, counter: TokenCounter, token_limit: int, preview: bool = True
) -> Examined:
    """Check and count a converted record; its own problems (a record that does not parse, what
    could not be converted) come first and replace the line checks' account of the same kind."""
    result = examine(record.raw, fmt, counter, token_limit, with_preview=preview)
    if record.problems:
        kinds = {p.kind for p in record.problems}
        result.problems = [*record.problems, *(p for p in result.problems if p.kind not in kinds)]
    return result


def _note_kind(note: str) -> str:
    """The problem kind of a conversion note: a broken function call is a tool-call error, a
    false KTO label `kto_undesirable`."""
    if note == UNDESIRABLE:
        return "kto_undesirable"
    return "invalid_tool_calls" if "function_call" in note else "lossy_conversion"
