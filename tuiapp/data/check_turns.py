"""Turns a model should not learn from: empty or blank turns, and answers that open by refusing
("I'm sorry, but I can't..."), which teach a fine-tuned model to refuse."""

from __future__ import annotations

from array import array
from typing import Any, ClassVar

from tuiapp.data.examine import content_text, conversation
from tuiapp.data.quality_checks import Finding, item_positions, register
from tuiapp.data.refusals import is_refusal


def _messages(obj: Any) -> list[dict[str, Any]]:
    """The example's messages that are objects (any JSON value is accepted)."""
    return [m for m in conversation(obj) if isinstance(m, dict)] if isinstance(obj, dict) else []


def has_empty_turn(obj: Any) -> bool:
    """A message with no text and no tool call."""
    return any(
        not content_text(m.get("content")).strip()
        and not m.get("tool_calls")
        and not m.get("function_call")
        for m in _messages(obj)
    )


def has_refusal(obj: Any) -> bool:
    """An assistant answer that opens by refusing (`tuiapp.data.refusals`)."""
    return any(
        is_refusal(content_text(m.get("content")))
        for m in _messages(obj)
        if m.get("role") == "assistant"
    )


@register
class TurnsCheck:
    """Empty or blank turns, and refusals."""

    name: ClassVar[str] = "turns"
    title: ClassVar[str] = "turns"

    def __init__(self) -> None:
        self.items: dict[str, array[int]] = item_positions()

    def add(self, idx: int, obj: Any) -> None:
        """Note the example under each finding it has."""
        if has_empty_turn(obj):
            self.items["empty_turn"].append(idx)
        if has_refusal(obj):
            self.items["refusal"].append(idx)

    def merge(self, other: TurnsCheck) -> None:
        """Add the positions another range found."""
        for key, members in other.items.items():
            self.items[key].extend(members)

    def finish(self, examples: int) -> list[Finding]:
        """Both lines, even when empty (a clean dataset says 0)."""
        return turn_findings(len(self.items["empty_turn"]), len(self.items["refusal"]), examples)


def turn_findings(empty: int, refusals: int, examples: int) -> list[Finding]:
    """The section's two lines from its counts (also for reports stored before sections)."""
    share = f"{refusals / max(1, examples):.1%}"
    return [
        Finding("empty_turn", "empty or blank turns", empty),
        Finding("refusal", "refusals", refusals, share),
    ]
