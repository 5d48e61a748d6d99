"""Tool calls as LLaMA-Factory writes them ({"name", "arguments"} JSON, `tools` as a JSON
string) turned into OpenAI tool_calls with ids and function tools."""

from __future__ import annotations

import json
from typing import Any


class ToolCalls:
    """Tool-call ids made so far in one record, so observations can answer them in order."""

    def __init__(self) -> None:
        """No calls yet."""
        self.made = 0
        self.waiting: list[str] = []
        self.last = ""

    def new(self) -> str:
        """A fresh id for a call."""
        self.made += 1
        self.last = f"call_{self.made}"
        self.waiting.append(self.last)
        return self.last

    def answer(self) -> str:
        """The id an observation answers: the oldest unanswered call, else the last one."""
        return self.waiting.pop(0) if self.waiting else self.last


def tool_calls(value: Any, calls: ToolCalls, notes: list[str]) -> list[dict[str, Any]]:
    """A function_call value ({"name", "arguments"} as JSON, or a list of them) as tool_calls."""
    try:
        parsed = json.loads(value) if isinstance(value, str) else value
    except json.JSONDecodeError:
        notes.append("a function_call value is not JSON: kept as the arguments of `unknown`")
        parsed = {"name": "unknown", "arguments": value}
    result = []
    for call in parsed if isinstance(parsed, list) else [parsed]:
        if not isinstance(call, dict):
            notes.append("a function_call is not a {name, arguments} object")
            continue
        args = call.get("arguments", {})
        arguments = args if isinstance(args, str) else json.dumps(args, ensure_ascii=False)
        result.append(
            {
                "id": calls.new(),
                "type": "function",
                "function": {"name": call.get("name"), "arguments": arguments},
            }
        )
    return result


def function_tools(value: Any, notes: list[str]) -> Any:
    """`tools` (a JSON string or a list of function definitions) as OpenAI function tools."""
    try:
        parsed = json.loads(value) if isinstance(value, str) else value
    except json.JSONDecodeError:
        notes.append("`tools` is not JSON: kept as it is")
        return value
    if isinstance(parsed, dict):
        parsed = [parsed]
    if not isinstance(parsed, list):
        return parsed
    return [
        t
        if isinstance(t, dict) and t.get("type") == "function"
        else {"type": "function", "function": t}
        for t in parsed
    ]
