"""ShareGPT records (conversations with from/value, LLaMA-Factory's tool and DPO forms) as
OpenAI chat or preference JSON."""

from __future__ import annotations

from typing import Any

from tuiapp.data.formats.convert import Converted
from tuiapp.data.formats.tool_calls import ToolCalls, function_tools, tool_calls

ROLES = {
    "human": "user",
    "user": "user",
    "gpt": "assistant",
    "assistant": "assistant",
    "model": "assistant",
    "system": "system",
}


def is_sharegpt(record: Any) -> bool:
    """True for a record with a `conversations` list."""
    return isinstance(record, dict) and isinstance(record.get("conversations"), list)


def from_sharegpt(record: dict[str, Any]) -> Converted:
    """Turns -> messages (human -> user, gpt -> assistant, function_call -> an assistant message
    with tool_calls, observation -> a tool message answering the call before it); `system` ->
    a first system message; `tools` (a JSON string) -> OpenAI function tools; `chosen` /
    `rejected` -> a preference example whose input is the conversation."""
    notes: list[str] = []
    messages: list[dict[str, Any]] = []
    if isinstance(system := record.get("system"), str) and system:
        messages.append({"role": "system", "content": system})
    calls = ToolCalls()
    for turn in record["conversations"]:
        messages.append(_message(turn, calls, notes))
    extra: dict[str, Any] = {}
    tools = record.get("tools")
    if tools not in (None, "", []) and (parsed := function_tools(tools, notes)) != []:
        extra["tools"] = parsed  # "[]", LLaMA-Factory's "no tools", gives no key
    if "chosen" in record or "rejected" in record:
        return Converted(
            {
                "input": {"messages": messages, **extra},
                "preferred_output": [_message(record.get("chosen"), calls, notes)],
                "non_preferred_output": [_message(record.get("rejected"), calls, notes)],
            },
            notes,
        )
    return Converted({"messages": messages, **extra}, notes)


def _message(turn: Any, calls: ToolCalls, notes: list[str]) -> dict[str, Any]:
    """One ShareGPT turn as an OpenAI message (unknown shapes kept, for the checks to name)."""
    if not isinstance(turn, dict) or "from" not in turn:
        notes.append("a turn is not an object with `from` and `value`")
        return turn if isinstance(turn, dict) else {"content": turn}
    who, value = turn.get("from"), turn.get("value")
    if who == "function_call":
        return {"role": "assistant", "tool_calls": tool_calls(value, calls, notes)}
    if who == "observation":
        return {"role": "tool", "tool_call_id": calls.answer(), "content": value}
    role = ROLES.get(who, who) if isinstance(who, str) else who
    return {"role": role, "content": value}
