"""Pure helpers of the data-quality scan: the text an example is compared on and the kinds
of personal data it holds (the scan that reads and writes the store is
`tuiapp.services.quality`)."""

from __future__ import annotations

from typing import Any

import orjson

from tuiapp.data.dedup import conversation_text
from tuiapp.data.limits import too_deep
from tuiapp.data.redaction import find_in_example


def parse_example(text: str) -> Any:
    """The example as JSON, or None when it does not parse or is nested too deep to look into
    (the checks reject it as `too_deep`; its raw text still takes part in duplicates)."""
    try:
        obj = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    return None if too_deep(obj) else obj


def comparable_text(obj: Any, raw: str) -> str:
    """The text duplicates are judged on: the conversation, or the raw line if not JSON."""
    return conversation_text(obj) if isinstance(obj, dict) else raw


def pii_kinds(text: str) -> set[str]:
    """Kinds of personal data in an example's text."""
    obj = parse_example(text)
    return {located.finding.kind for located in find_in_example(obj)} if obj else set()


def scan_ranges(total: int, parts: int) -> list[tuple[int, int]]:
    """Consecutive idx ranges covering 0..total."""
    step = max(1, -(-total // parts))
    return [(start, min(total, start + step)) for start in range(0, total, step)]
