"""Alpaca records (instruction / input / output / system / history) as OpenAI chat JSON."""

from __future__ import annotations

from typing import Any

from tuiapp.data.formats.convert import Converted


def is_alpaca(record: Any) -> bool:
    """True for a record with Alpaca's `instruction` key (and no `messages`)."""
    return isinstance(record, dict) and "instruction" in record and "messages" not in record


def from_alpaca(record: dict[str, Any]) -> Converted:
    """system -> system; each [prompt, answer] of history -> user, assistant; instruction and
    input (joined by a newline) -> user; output -> assistant. `chosen` / `rejected` (Alpaca's
    preference form) -> a preference example instead."""
    notes: list[str] = []
    messages: list[dict[str, Any]] = []
    if isinstance(system := record.get("system"), str) and system:
        messages.append({"role": "system", "content": system})
    history = record.get("history") or []
    if not isinstance(history, list):
        notes.append("`history` is not a list of [prompt, answer] pairs: left out")
        history = []
    for turn in history:
        if isinstance(turn, list) and len(turn) == 2:
            messages.append({"role": "user", "content": turn[0]})
            messages.append({"role": "assistant", "content": turn[1]})
        else:
            notes.append("a `history` entry is not a [prompt, answer] pair: left out")
    prompt = record.get("instruction")
    query = record.get("input")
    if isinstance(prompt, str) and isinstance(query, str) and query:
        prompt = f"{prompt}\n{query}"
    messages.append({"role": "user", "content": prompt})
    if "chosen" in record and "rejected" in record:
        return Converted(
            {
                "input": {"messages": messages},
                "preferred_output": [{"role": "assistant", "content": record["chosen"]}],
                "non_preferred_output": [{"role": "assistant", "content": record["rejected"]}],
            },
            notes,
        )
    messages.append({"role": "assistant", "content": record.get("output")})
    return Converted({"messages": messages}, notes)
