"""LLaMA-Factory's v1 JSONL (messages whose content parts carry `value`, chosen_messages /
rejected_messages for DPO) as OpenAI chat or preference JSON."""

from __future__ import annotations

from typing import Any

from tuiapp.data.formats.convert import Converted
from tuiapp.data.formats.tool_calls import ToolCalls, function_tools, tool_calls


def is_llamafactory(record: Any) -> bool:
    """True for v1 records: `chosen_messages`, or messages with parts that carry `value`."""
    if not isinstance(record, dict):
        return False
    if "chosen_messages" in record:
        return True
    messages = record.get("messages")
    return isinstance(messages, list) and any(
        isinstance(m, dict)
        and isinstance(m.get("content"), list)
        and any(isinstance(p, dict) and "value" in p and "text" not in p for p in m["content"])
        for m in messages
    )


def from_llamafactory(record: dict[str, Any]) -> Converted:
    """Text parts joined into the content string, tool_call parts -> tool_calls, tool messages
    answer the calls before them in order (reasoning parts left out, noted); an assistant
    `loss_weight` of 0 -> `weight: 0`; chosen/rejected messages -> a preference example whose
    input is everything before the chosen answer."""
    notes: list[str] = []
    extra: dict[str, Any] = {}
    tools = record.get("tools")
    if tools not in (None, "", []) and (parsed := function_tools(tools, notes)) != []:
        extra["tools"] = parsed  # "[]", LLaMA-Factory's "no tools", gives no key
    if "chosen_messages" in record:
        chosen = _messages(record.get("chosen_messages"), notes)
        rejected = _messages(record.get("rejected_messages"), notes)
        return Converted(
            {
                "input": {"messages": chosen[:-1], **extra},
                "preferred_output": chosen[-1:],
                "non_preferred_output": rejected[-1:],
            },
            notes,
        )
    return Converted({"messages": _messages(record.get("messages"), notes), **extra}, notes)


def _messages(value: Any, notes: list[str]) -> list[Any]:
    """A v1 message list as OpenAI messages."""
    if not isinstance(value, list):
        notes.append("messages is not a list")
        return []
    result: list[Any] = []
    calls = ToolCalls()
    for message in value:
        if not isinstance(message, dict):
            result.append(message)
            continue
        out = {k: v for k, v in message.items() if k != "loss_weight"}
        if isinstance(content := message.get("content"), list):
            made = [p for p in content if isinstance(p, dict) and p.get("type") == "tool_call"]
            rest = [p for p in content if p not in made]
            out["content"] = _text(rest, notes)
            if made:
                out["tool_calls"] = [
                    c for p in made for c in tool_calls(p.get("value"), calls, notes)
                ]
                if not out["content"]:
                    out["content"] = None
        if message.get("role") == "tool" and "tool_call_id" not in message:
            out["tool_call_id"] = calls.answer()
        if message.get("role") == "assistant" and message.get("loss_weight") == 0:
            out["weight"] = 0
        result.append(out)
    return result


def _text(parts: list[Any], notes: list[str]) -> str:
    """The text parts of a content list joined; other parts noted and left out."""
    texts = []
    left_out = set()
    for part in parts:
        kind = part.get("type", "text") if isinstance(part, dict) else None
        if kind == "text" and isinstance(part, dict):
            texts.append(str(part.get("value", part.get("text", ""))))
        else:
            left_out.add(str(kind))
    notes += [f"content parts of type {kind!r} are left out" for kind in sorted(left_out)]
    return "".join(texts)
