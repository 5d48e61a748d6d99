"""Stream a JSONL file line by line without loading it, noting BOMs, CRLF, CR-only line endings
and blank lines. A lone CR ends a line, as in Python's universal newlines."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from tuiapp.problems import Problem

MAX_LINE_BYTES = 64 * 1024 * 1024  # a line longer than this is reported, not read
_CHUNK = 1024 * 1024
BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True, slots=True)
class RawLine:
    """One non-blank line: its 1-based number, its bytes (no line ending) and what we noticed."""

    number: int
    data: bytes
    offset: int  # byte offset of the line in the file
    had_bom: bool = False
    too_large: bool = False


@dataclass
class FileNotes:
    """File-level observations gathered while streaming."""

    lines: int = 0  # every line read, blank ones included
    crlf_lines: int = 0
    cr_lines: int = 0  # lines ended by a lone CR (old Mac files)
    blank_lines: list[int] = field(default_factory=list)
    bytes_read: int = 0


def read_lines(
    path: str | Path, notes: FileNotes | None = None, start: int = 0, end: int | None = None
) -> Iterator[RawLine]:
    """Yield the non-blank lines of a file (or of the byte range [start, end), which must begin
    at a line start); line numbers count from 1 at `start`. Blank lines and CRLF go in `notes`."""
    notes = notes if notes is not None else FileNotes()
    with open(path, "rb") as handle:
        handle.seek(start)
        yield from _lines(handle, notes, start, end)


def line_aligned_ranges(path: str | Path, parts: int) -> list[tuple[int, int]]:
    """Split a file into about `parts` byte ranges that each start at the start of a line."""
    size = Path(path).stat().st_size
    cuts = [0]
    with open(path, "rb") as handle:
        for i in range(1, parts):
            target = max(cuts[-1], size * i // parts)
            handle.seek(target)
            if target > 0:
                handle.seek(target - 1)
                while (chunk := handle.readline(_CHUNK)) and not chunk.endswith(b"\n"):
                    pass
            cut = handle.tell()
            if cut > cuts[-1] and cut < size:
                cuts.append(cut)
    cuts.append(size)
    return list(zip(cuts, cuts[1:], strict=False))


def _lines(handle: BinaryIO, notes: FileNotes, start: int, end: int | None) -> Iterator[RawLine]:
    """The line loop, with a cap on line size so a giant line cannot exhaust memory."""
    number = 0
    offset = start
    while end is None or offset < end:
        data = handle.readline(MAX_LINE_BYTES + 1)
        if not data:
            return
        number += 1
        notes.lines = number
        line_start = offset
        offset += len(data)
        too_large = len(data) > MAX_LINE_BYTES and not data.endswith(b"\n")
        if too_large:  # skip the rest of this line without keeping it
            while (more := handle.readline(_CHUNK)) and not more.endswith(b"\n"):
                offset += len(more)
            offset += len(more)
            data = data[:1024]
        ended = data.endswith(b"\n")
        if ended:
            data = data[:-1]
            if data.endswith(b"\r"):
                data = data[:-1]
                notes.crlf_lines += 1
        pieces = [data] if too_large or b"\r" not in data else data.split(b"\r")
        notes.cr_lines += len(pieces) - 1
        if not ended and len(pieces) > 1 and not pieces[-1]:
            pieces.pop()  # the file ends with a lone CR: no line after it
        at = line_start
        for i, piece in enumerate(pieces):
            if i:
                number += 1
                notes.lines = number
            # a lone CR ends this piece: resuming from here must not skip the pieces after it
            last = i == len(pieces) - 1
            notes.bytes_read = (offset if last else at + len(piece) + 1) - start
            had_bom = start == 0 and number == 1 and piece.startswith(BOM)
            text = piece[len(BOM) :] if had_bom else piece
            if not too_large and not text.strip():
                notes.blank_lines.append(number)
            else:
                yield RawLine(number, text, at, had_bom, too_large)
            at += len(piece) + 1


def line_ending_problems(notes: FileNotes) -> list[Problem]:
    """Warnings for a file's line endings: CRLF lines and lines ended by a lone CR."""
    problems = []
    if notes.crlf_lines:
        problems.append(Problem("crlf", 1, "", f"{notes.crlf_lines} line(s) end in CRLF"))
    if notes.cr_lines:
        problems.append(
            Problem("cr", 1, "", f"{notes.cr_lines} line(s) end in a lone CR (old Mac endings)")
        )
    return problems
