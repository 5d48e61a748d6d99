"""A word diff of two texts: which words only one of them has, as character spans to mark."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

WORD = re.compile(r"\S+")
MAX_WORDS = 3_000  # difflib is quadratic at worst (76 ms at 3,000 words): the rest is not compared

Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class WordDiff:
    """Where two texts differ: character spans of the words only in `a` / only in `b` (a run of
    such words is one span), how many words those are, and how alike the texts are (0..1)."""

    only_a: list[Span] = field(default_factory=list)
    only_b: list[Span] = field(default_factory=list)
    words_only_a: int = 0
    words_only_b: int = 0
    ratio: float = 1.0
    cut: bool = False  # a text had more than MAX_WORDS words: the rest was not compared


def _words(text: str) -> list[re.Match[str]]:
    """The words of a text (runs of non-space), with their positions."""
    return list(WORD.finditer(text))


def _span(words: list[re.Match[str]], start: int, end: int) -> Span:
    """The characters from the first word of a run to the end of its last."""
    return words[start].start(), words[end - 1].end()


def word_diff(a: str, b: str) -> WordDiff:
    """Compare two texts word by word (case and punctuation count; spacing does not)."""
    words_a, words_b = _words(a), _words(b)
    cut = len(words_a) > MAX_WORDS or len(words_b) > MAX_WORDS
    words_a, words_b = words_a[:MAX_WORDS], words_b[:MAX_WORDS]
    matcher = SequenceMatcher(
        None, [w.group() for w in words_a], [w.group() for w in words_b], autojunk=False
    )
    only_a: list[Span] = []
    only_b: list[Span] = []
    n_a = n_b = 0
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if a1 > a0:
            only_a.append(_span(words_a, a0, a1))
            n_a += a1 - a0
        if b1 > b0:
            only_b.append(_span(words_b, b0, b1))
            n_b += b1 - b0
    ratio = matcher.ratio() if words_a or words_b else 1.0
    return WordDiff(only_a, only_b, n_a, n_b, ratio, cut)
