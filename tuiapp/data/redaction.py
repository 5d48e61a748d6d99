"""Personal data inside a chat example: where each finding sits (message, content part) and a
copy of the example with some or all findings replaced by typed placeholders."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tuiapp.data.examine import conversation
from tuiapp.data.pii import Finding, find_pii, redact


@dataclass(frozen=True)
class Located:
    """A finding and the text it is in: message number, content part number (None for string
    content), and the finding's span within that text."""

    message: int
    part: int | None
    finding: Finding
    role: str

    def describe(self) -> str:
        """e.g. `email in user message 2: jane@example.com`."""
        return f"{self.finding.kind} in {self.role} message {self.message + 1}: {self.finding.text}"


def _texts(obj: Any) -> Iterator[tuple[int, int | None, dict[str, Any], str]]:
    """(message number, part number, message, text) for every text in the conversation."""
    messages = conversation(obj) if isinstance(obj, dict) else []
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            continue
        content = message.get("content")
        if isinstance(content, str):
            yield i, None, message, content
        elif isinstance(content, list):
            for j, part in enumerate(content):
                if isinstance(part, dict) and isinstance(part.get("text"), str):
                    yield i, j, message, part["text"]


def find_in_example(obj: Any) -> list[Located]:
    """Every finding in the example's message texts, in reading order."""
    return [
        Located(i, j, finding, str(message.get("role")))
        for i, j, message, text in _texts(obj)
        for finding in find_pii(text)
    ]


def redact_example(obj: Any, only: Located | None = None) -> Any:
    """A copy of the example with every finding (or just `only`) replaced by its placeholder."""
    out = copy.deepcopy(obj)
    for i, j, message, text in list(_texts(out)):
        findings = find_pii(text)
        if only is not None:
            if (i, j) != (only.message, only.part):
                continue
            findings = [f for f in findings if f == only.finding]
        if not findings:
            continue
        new = redact(text, findings)
        if j is None:
            message["content"] = new
        else:
            message["content"][j]["text"] = new
    return out
