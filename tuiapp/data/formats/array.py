"""Stream the elements of a top-level JSON array without loading the whole file."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tuiapp.data.jsonl import MAX_LINE_BYTES

_CHUNK = 1024 * 1024
_WS = re.compile(r"[ \t\r\n]*")
_DECODER = json.JSONDecoder()


@dataclass(frozen=True, slots=True)
class ArrayElement:
    """One element of the array: its 1-based index, the line it starts on, its text and value
    (`error` set, and `value` None, when it does not parse)."""

    index: int
    line: int
    text: str
    value: Any = None
    error: str | None = None
    end: int = 0  # characters read up to the end of this element (for progress)


def is_json_array(path: str | Path) -> bool:
    """True when the file's first non-blank character (after a BOM) is `[`."""
    with open(path, "rb") as handle:
        head = handle.read(4096).removeprefix(b"\xef\xbb\xbf").lstrip()
    return head.startswith(b"[")


def iter_array(path: str | Path) -> Iterator[ArrayElement]:
    """Yield the array's elements one by one; memory holds about one chunk plus one element.
    An element that does not parse ends the stream with one error element."""
    with open(path, encoding="utf-8", errors="replace") as handle:
        reader = _Reader(handle)
        pos = reader.skip_ws(0)
        if reader.char(pos) == "\ufeff":
            pos = reader.skip_ws(pos + 1)
        pos = reader.skip_ws(pos + 1)  # past the `[`
        index = 0
        while True:
            char = reader.char(pos)
            if char in ("]", ""):
                return
            if char == "," and index:
                pos = reader.skip_ws(pos + 1)
            index += 1
            line = reader.line_at(pos)
            element = reader.decode(pos, index, line)
            yield element
            if element.error is not None:
                return
            pos = reader.skip_ws(reader.end)


class _Reader:
    """A sliding text window over the file, decoded with the C JSON scanner."""

    def __init__(self, handle: Any) -> None:
        """Start at the beginning of an open text file."""
        self.handle = handle
        self.buf = ""
        self.base = 0  # file position (in characters) of buf[0]
        self.line_pos = 0  # a position whose line number is known...
        self.line_no = 1  # ...and that number
        self.eof = False
        self.end = 0

    def _more(self, size: int = _CHUNK) -> bool:
        """Append text from the file; False at end of file."""
        if self.eof:
            return False
        data = self.handle.read(size)
        if not data:
            self.eof = True
            return False
        self.buf += data
        return True

    def _drop_before(self, pos: int) -> None:
        """Forget the text before absolute position pos (already consumed)."""
        cut = pos - self.base
        if cut > _CHUNK:
            self.buf = self.buf[cut:]
            self.base = pos

    def char(self, pos: int) -> str:
        """The character at absolute position pos, '' at end of file."""
        while pos - self.base >= len(self.buf):
            if not self._more():
                return ""
        return self.buf[pos - self.base]

    def skip_ws(self, pos: int) -> int:
        """The first position at or after pos that is not whitespace."""
        while True:
            end = _WS.match(self.buf, pos - self.base).end()  # type: ignore[union-attr]
            if end < len(self.buf) or not self._more():
                return self.base + end
            pos = self.base + end

    def line_at(self, pos: int) -> int:
        """The 1-based line number of absolute position pos (at or after the last one asked),
        counting only the text since then."""
        self.line_no += self.buf.count("\n", self.line_pos - self.base, pos - self.base)
        self.line_pos = pos
        self._drop_before(pos)
        return self.line_no

    def decode(self, pos: int, index: int, line: int) -> ArrayElement:
        """Decode the element at pos, reading more (doubling) until it is complete."""
        size = _CHUNK
        while True:
            start = pos - self.base
            try:
                value, end = _DECODER.raw_decode(self.buf, start)
            except json.JSONDecodeError as err:
                too_big = len(self.buf) - start > MAX_LINE_BYTES
                if too_big or not self._more(size):
                    text = self.buf[start : start + 1024]
                    at = self.line_no + self.buf.count("\n", start, err.pos)
                    why = "over 64 MiB" if too_big else f"{err.msg} at line {at}"
                    return ArrayElement(index, line, text, None, why, self.base + len(self.buf))
                size *= 2
                continue
            if end == len(self.buf) and not self.eof and self._more():
                continue  # a number may go on past the window
            self.end = self.base + end
            return ArrayElement(index, line, self.buf[start:end], value, None, self.end)
