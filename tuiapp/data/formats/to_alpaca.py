"""An OpenAI chat or preference example as an Alpaca record (instruction / input / output /
system / history, or chosen / rejected), the inverse of `alpaca.from_alpaca`."""

from __future__ import annotations

from typing import Any

from tuiapp.data.formats.outward import Inexpressible, split_system, text_of


def _pairs(messages: list[Any]) -> list[tuple[str, str]]:
    """user, assistant, user, assistant... as (prompt, answer) pairs (tool turns Inexpressible)."""
    pairs = []
    for i in range(0, len(messages), 2):
        user, answer = messages[i], messages[i + 1] if i + 1 < len(messages) else None
        if answer is None:
            raise Inexpressible("the conversation does not end with an assistant turn")
        for message, role in ((user, "user"), (answer, "assistant")):
            if not isinstance(message, dict) or message.get("role") != role:
                got = message.get("role") if isinstance(message, dict) else message
                if got == "tool" or (isinstance(message, dict) and "tool_calls" in message):
                    raise Inexpressible("tool calls (Alpaca has no tool turns)")
                raise Inexpressible(f"turns do not alternate user/assistant (a {got!r} turn)")
            if "tool_calls" in message:
                raise Inexpressible("tool calls (Alpaca has no tool turns)")
        pairs.append((text_of(user), text_of(answer)))
    return pairs


def _record(
    system: str | None, pairs: list[tuple[str, str]], prompt: str, **answers: str
) -> dict[str, Any]:
    """The Alpaca keys for a conversation whose last prompt is `prompt`, with its answer(s)."""
    record: dict[str, Any] = {"instruction": prompt, "input": "", **answers}
    if system:
        record["system"] = system
    if pairs:
        record["history"] = [list(pair) for pair in pairs]
    return record


def as_alpaca(example: Any) -> dict[str, Any]:
    """Last user turn -> instruction (input empty), last answer -> output, a first system
    message -> system, earlier pairs -> history; preferred / non-preferred -> chosen /
    rejected. Tools, tool calls, parts other than text: Inexpressible."""
    if not isinstance(example, dict):
        raise Inexpressible("the example is not an object")
    if "preferred_output" in example:
        given = example.get("input")
        if not isinstance(given, dict) or given.get("tools"):
            raise Inexpressible("tools (Alpaca has no tool definitions)")
        system, messages = split_system(given.get("messages"))
        if not messages:
            raise Inexpressible("no user turn")
        *history, last = messages
        if not isinstance(last, dict) or last.get("role") != "user":
            raise Inexpressible("the input does not end with a user turn")
        chosen = _only_answer(example.get("preferred_output"))
        rejected = _only_answer(example.get("non_preferred_output"))
        return _record(system, _pairs(history), text_of(last), chosen=chosen, rejected=rejected)
    if example.get("tools") or example.get("functions"):
        raise Inexpressible("tools (Alpaca has no tool definitions)")
    if extra := sorted(set(example) - {"messages", "tools"}):
        raise Inexpressible(f"the example has {', '.join(extra)}, which Alpaca has no place for")
    system, messages = split_system(example.get("messages"))
    pairs = _pairs(messages)
    if not pairs:
        raise Inexpressible("no user turn")
    *history, (prompt, output) = pairs
    return _record(system, history, prompt, output=output)


def _only_answer(output: Any) -> str:
    """The text of a preference output that is one assistant message without tool calls."""
    if not isinstance(output, list) or len(output) != 1:
        raise Inexpressible("a preferred or non-preferred output is not one message")
    if not isinstance(output[0], dict) or "tool_calls" in output[0]:
        raise Inexpressible("tool calls (Alpaca has no tool turns)")
    return text_of(output[0])
