"""Shannon entropy of a string, the measure secret detectors rank random-looking tokens by."""

from __future__ import annotations

import math
from collections import Counter


def entropy(text: str) -> float:
    """Shannon entropy in bits per character (0 for the empty string)."""
    if not text:
        return 0.0
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())
