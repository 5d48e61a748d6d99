"""A file in any known format as a stream of OpenAI JSON lines, each with its source record."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson

from tuiapp.data.examine import Examined, examine
from tuiapp.data.formats.array import is_json_array, iter_array
from tuiapp.data.formats.detect import CONVERTERS
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
    convert = CONVERTERS.get(source)
    if is_json_array(path):
        items = ((e.index, e.text, e.value, e.error, e.end) for e in iter_array(path))
        label = "record"
    else:
        items = (  # type: ignore[assignment]
            (raw.number, raw.data, None, None, raw.offset + len(raw.data) + 1)
            for raw in read_lines(path)
        )
        label = "line"
    for number, text, value, error, read in items:
        if number <= skip:
            continue
        data = text.encode("utf-8") if isinstance(text, str) else text
        if label == "line":
            try:
                value = orjson.loads(data)
            except orjson.JSONDecodeError:
                value = None
        original = data.decode("utf-8", "replace")
        problems: list[Problem] = []
        if error is not None:
            problems.append(Problem("invalid_json", number, "", f"record {number}: {error}"))
        elif convert is not None and isinstance(value, dict):
            converted = convert(value)
            data = orjson.dumps(converted.example)
            problems += [
                Problem(_note_kind(n), number, "", n) for n in dict.fromkeys(converted.notes)
            ]
        elif value is not None or label == "record":
            data = orjson.dumps(value)
        raw = RawLine(number, data, 0)
        yield SourceRecord(raw, original, f"{label} {number}", problems, read)


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
    """The problem kind of a conversion note: a broken function call is a tool-call error."""
    return "invalid_tool_calls" if "function_call" in note else "lossy_conversion"
