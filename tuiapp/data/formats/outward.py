"""Formats out: an accepted OpenAI example as the record another format holds (Alpaca,
ShareGPT, OpenAI preference JSONL), or why that format cannot express it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

EXPORT_FORMATS = ("openai", "alpaca", "sharegpt", "dpo")
JSON_ARRAYS = ("alpaca", "sharegpt")  # written as one JSON array, as LLaMA-Factory keeps them
MESSAGE_KEYS = frozenset({"role", "content", "tool_calls", "tool_call_id", "weight"})


class Inexpressible(ValueError):
    """The target format has no way to say part of this example (the message says which)."""


def text_of(message: Any) -> str:
    """A message's content as text: a string, or its text parts joined; Inexpressible for
    other parts (images, audio), keys the target has no place for, or a turn not learned from."""
    if not isinstance(message, dict):
        raise Inexpressible("a message is not an object")
    if extra := sorted(set(message) - MESSAGE_KEYS):
        raise Inexpressible(f"a message has {', '.join(extra)}, which the format has no place for")
    if message.get("weight", 1) == 0:
        raise Inexpressible("an assistant turn has weight 0 (the format cannot skip a turn)")
    content = message.get("content")
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list) and all(
        isinstance(p, dict) and p.get("type") == "text" and isinstance(p.get("text"), str)
        for p in content
    ):
        return "".join(p["text"] for p in content)
    raise Inexpressible("a message has content parts other than text")


def split_system(messages: Any) -> tuple[str | None, list[Any]]:
    """The leading system message's text and the messages after it (a later system message is
    Inexpressible: these formats hold one system prompt, first)."""
    if not isinstance(messages, list) or not messages:
        raise Inexpressible("no messages")
    system = None
    if isinstance(messages[0], dict) and messages[0].get("role") == "system":
        system, messages = text_of(messages[0]), messages[1:]
    if any(isinstance(m, dict) and m.get("role") == "system" for m in messages):
        raise Inexpressible("a system message after the first turn")
    return system, messages


def as_dpo(example: Any) -> Any:
    """OpenAI preference JSONL: a preference example as it is; a chat example has no
    non-preferred answer."""
    if isinstance(example, dict) and "preferred_output" in example:
        return example
    raise Inexpressible("a chat example has no non-preferred answer to prefer against")


def converter(fmt: str) -> Callable[[Any], Any]:
    """The function that turns an OpenAI example into a record of `fmt`."""
    from tuiapp.data.formats.to_alpaca import as_alpaca
    from tuiapp.data.formats.to_sharegpt import as_sharegpt

    table: dict[str, Callable[[Any], Any]] = {
        "openai": lambda example: example,
        "alpaca": as_alpaca,
        "sharegpt": as_sharegpt,
        "dpo": as_dpo,
    }
    return table[fmt]


def format_for_path(path: str) -> str:
    """The export format a file name asks for: `x.alpaca.json`, `x.sharegpt.json`,
    `x.dpo.jsonl`; anything else is OpenAI JSONL."""
    parts = path.lower().rsplit(".", 2)
    return parts[-2] if len(parts) == 3 and parts[-2] in EXPORT_FORMATS else "openai"
