"""What changed between two versions of a file, line by line: added, removed, edited."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

# Past this many lines between the common head and tail, or when one line repeats more often
# than MAX_REPEATS, lines are only counted (an edit is then a removal matched with an addition):
# SequenceMatcher's cost grows with the repeats. Aligned, 410k lines with 4,000 edits take 2.5 s.
ALIGN_LIMIT = 500_000
MAX_REPEATS = 1_000


@dataclass(frozen=True)
class LineDiff:
    """Counts of lines added, removed, edited (replaced in place) and unchanged."""

    added: int
    removed: int
    edited: int
    unchanged: int

    def describe(self) -> str:
        """A short summary such as `lines: 2 added, 1 removed, 3 edited`."""
        if not (self.added or self.removed or self.edited):
            return "no lines changed"
        return f"lines: {self.added} added, {self.removed} removed, {self.edited} edited"


def diff_lines(old: Sequence[int], new: Sequence[int]) -> LineDiff:
    """Compare two sequences of line hashes."""
    head = 0
    while head < min(len(old), len(new)) and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < min(len(old), len(new)) - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    a, b = old[head : len(old) - tail], new[head : len(new) - tail]
    same = head + tail
    counts_a, counts_b = Counter(a), Counter(b)
    repeats = max([*counts_a.values(), *counts_b.values(), 0])
    if max(len(a), len(b)) > ALIGN_LIMIT or repeats > MAX_REPEATS:
        common = sum((counts_a & counts_b).values())
        gone, came = len(a) - common, len(b) - common
        edited = min(gone, came)
        return LineDiff(came - edited, gone - edited, edited, same + common)
    added = removed = edited = 0
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            same += i2 - i1
        elif tag == "replace":
            edited += min(i2 - i1, j2 - j1)
            removed += max(0, (i2 - i1) - (j2 - j1))
            added += max(0, (j2 - j1) - (i2 - i1))
        elif tag == "delete":
            removed += i2 - i1
        else:
            added += j2 - j1
    return LineDiff(added, removed, edited, same)
