"""An OpenAI chat or preference example as ShareGPT the way LLaMA-Factory writes it
(human / gpt / function_call / observation turns, `system`, `tools` as a JSON string, DPO's
chosen / rejected), the inverse of `sharegpt.from_sharegpt`."""

from __future__ import annotations

import json
from typing import Any

from tuiapp.data.formats.outward import Inexpressible, split_system, text_of

ASKS = ("human", "observation")  # LLaMA-Factory: these at even positions...
ANSWERS = ("gpt", "function_call")  # ...these at odd ones


class _Calls:
    """Tool-call ids waiting for their results, so results must come in the calls' order (the
    importer answers calls in order)."""

    def __init__(self) -> None:
        """None waiting yet."""
        self.waiting: list[Any] = []

    def made(self, ids: list[Any]) -> None:
        """Calls made by one assistant turn."""
        self.waiting += ids

    def answered(self, call_id: Any) -> None:
        """A tool result: it must answer the oldest call still waiting."""
        if not self.waiting or self.waiting.pop(0) != call_id:
            raise Inexpressible("tool results do not answer their calls in order")


def _call_value(calls: Any) -> str:
    """OpenAI tool_calls as a function_call value: {"name", "arguments"} JSON (a list for
    several), the arguments as an object."""
    if not isinstance(calls, list) or not calls:
        raise Inexpressible("tool_calls is not a list of calls")
    out = []
    for call in calls:
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(function, dict) or call.get("type", "function") != "function":
            raise Inexpressible("a tool call is not a function call")
        try:
            arguments = json.loads(function.get("arguments") or "{}")
        except (TypeError, json.JSONDecodeError):
            raise Inexpressible("tool-call arguments are not JSON") from None
        out.append({"name": function.get("name"), "arguments": arguments})
    return json.dumps(out[0] if len(out) == 1 else out, ensure_ascii=False)


def _turn(message: Any, calls: _Calls) -> dict[str, Any]:
    """One OpenAI message as a ShareGPT turn."""
    role = message.get("role") if isinstance(message, dict) else None
    if role == "user":
        return {"from": "human", "value": text_of(message)}
    if role == "tool":
        calls.answered(message.get("tool_call_id"))
        return {"from": "observation", "value": text_of(message)}
    if role != "assistant":
        raise Inexpressible(f"a {role!r} turn")
    text = text_of(message)
    if "tool_calls" not in message:
        return {"from": "gpt", "value": text}
    if text:
        raise Inexpressible("an assistant turn has both text and tool calls")
    calls.made([c.get("id") if isinstance(c, dict) else None for c in message["tool_calls"]])
    return {"from": "function_call", "value": _call_value(message["tool_calls"])}


def _conversation(messages: list[Any], calls: _Calls) -> list[dict[str, Any]]:
    """The turns, checked to alternate as LLaMA-Factory reads them."""
    turns = [_turn(m, calls) for m in messages]
    for i, turn in enumerate(turns):
        if turn["from"] not in (ASKS, ANSWERS)[i % 2]:
            raise Inexpressible(
                "turns do not alternate (user or tool result, then assistant or tool call)"
            )
    return turns


def _tools(tools: Any) -> str:
    """OpenAI function tools as LLaMA-Factory's `tools`: a JSON string of the functions."""
    if not isinstance(tools, list) or not all(
        isinstance(t, dict) and t.get("type") == "function" and set(t) == {"type", "function"}
        for t in tools
    ):
        raise Inexpressible("tools that are not plain function tools")
    return json.dumps([t["function"] for t in tools], ensure_ascii=False)


def _head(system: str | None, tools: Any) -> dict[str, Any]:
    """The record's system and tools keys, when there are any."""
    head: dict[str, Any] = {}
    if system:
        head["system"] = system
    if tools:
        head["tools"] = _tools(tools)
    return head


def as_sharegpt(example: Any) -> dict[str, Any]:
    """A chat example as conversations (+ system, tools); a preference example as its input's
    conversation with chosen / rejected turns."""
    if not isinstance(example, dict):
        raise Inexpressible("the example is not an object")
    calls = _Calls()
    if "preferred_output" in example:
        given = example.get("input")
        if not isinstance(given, dict):
            raise Inexpressible("the input is not an object")
        system, messages = split_system(given.get("messages"))
        turns = _conversation(messages, calls)
        if len(turns) % 2 == 0:
            raise Inexpressible("the input does not end with a user turn or tool result")
        answers = []
        for output in (example.get("preferred_output"), example.get("non_preferred_output")):
            if not isinstance(output, list) or len(output) != 1:
                raise Inexpressible("a preferred or non-preferred output is not one message")
            answers.append(_turn(output[0], _Calls()))
        head = _head(system, given.get("tools"))
        return {"conversations": turns, "chosen": answers[0], "rejected": answers[1], **head}
    if extra := sorted(set(example) - {"messages", "tools"}):
        raise Inexpressible(f"the example has {', '.join(extra)}, which ShareGPT has no place for")
    system, messages = split_system(example.get("messages"))
    turns = _conversation(messages, calls)
    if not turns or len(turns) % 2:
        raise Inexpressible("the conversation does not end with an assistant turn")
    return {"conversations": turns, **_head(system, example.get("tools"))}
