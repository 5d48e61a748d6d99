"""What a token sits in: URLs, file paths, UUIDs, hex hashes, base64 data URLs and version
strings are ordinary content, so the secret detector skips them and nothing inside a URL is
redacted unless the user picks it."""

from __future__ import annotations

import re
from bisect import bisect_right

_URL = re.compile(
    r"(?:\b[a-zA-Z][\w+.-]*://|\bwww\.|\bmailto:)[^\s<>\"'`]+"
    r"|\b(?:[a-zA-Z0-9-]+\.)+[a-zA-Z]{2,}/[^\s<>\"'`]*"  # a domain and a path, no scheme
)
_DATA_URL = re.compile(r"\bdata:[\w/+.-]+(?:;[\w=-]+)*;base64,[A-Za-z0-9+/=]+")
_PATH = re.compile(
    r"(?:(?<![\w/])(?:~|\.{1,2})?/|\b[A-Za-z]:\\)[\w.@%+~-]+(?:[/\\][\w.@%+~-]*)+"
    r"|\b[\w.-]+(?:/[\w.-]+){2,}"  # relative paths with two or more slashes
)
_UUID = re.compile(
    r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"
)
_HASH = re.compile(r"\b(?:sha\d+[:-])?[0-9a-fA-F]{32,}\b")
HASH_LENGTHS = {32, 40, 56, 64, 96, 128}  # md5, sha1, sha224, sha256, sha384, sha512
_VERSION = re.compile(r"\bv?\d+(?:\.\d+){1,3}(?:[-+][\w.]+)?\b")
_URL_END = ".,;:!?)]}"  # punctuation that ends a sentence, not the URL


class Context:
    """The spans of URLs and other ordinary content in one text, for quick lookups."""

    def __init__(self, text: str) -> None:
        slash = "/" in text or "\\" in text  # no URL, path or data URL without one
        self.urls = _spans(_URL, text, trim=True) if slash or "www." in text else []
        self.blobs = _spans(_DATA_URL, text) if "data:" in text else []
        self.blobs += _spans(_UUID, text) if "-" in text else []
        self.blobs += [
            (m.start(), m.end())
            for m in _HASH.finditer(text)
            if len(m.group().rsplit(":", 1)[-1].rsplit("-", 1)[-1]) in HASH_LENGTHS
        ]
        ordinary = [*self.urls, *self.blobs, *_spans(_VERSION, text)]
        ordinary += _spans(_PATH, text) if slash else []
        self.ordinary = sorted(ordinary)
        self._starts = [s for s, _ in self.ordinary]

    def in_url(self, start: int, end: int) -> bool:
        """Whether the span overlaps a URL."""
        return any(start < e and s < end for s, e in self.urls)

    def in_blob(self, start: int, end: int) -> bool:
        """Whether the span lies inside a hash, UUID or data URL (digits there are no number)."""
        return any(s <= start and end <= e for s, e in self.blobs)

    def ordinary_at(self, start: int, end: int) -> bool:
        """Whether the span overlaps a URL, path, UUID, hash, data URL or version string."""
        i = bisect_right(self._starts, end)
        return any(start < e and s < end for s, e in self.ordinary[:i])


def _spans(pattern: re.Pattern[str], text: str, trim: bool = False) -> list[tuple[int, int]]:
    """Match spans; `trim` drops the sentence punctuation that follows a URL."""
    out = []
    for m in pattern.finditer(text):
        end = m.end()
        while trim and end > m.start() and text[end - 1] in _URL_END:
            end -= 1
        out.append((m.start(), end))
    return out
