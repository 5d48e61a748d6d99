"""Format checks for chat and preference (DPO) examples, as the fine-tuning API applies them."""

from __future__ import annotations

from typing import Any

from tuiapp.data.check_parts import MAX_IMAGES, check_call, check_parts, check_tool_calls
from tuiapp.data.check_preference import check_pair
from tuiapp.data.check_tools import check_tool_use
from tuiapp.data.limits import MAX_DEPTH, dotted, short, too_deep
from tuiapp.data.tokens import forbidden_token_in
from tuiapp.problems import Problem

ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})
MESSAGE_KEYS = frozenset(
    {"role", "content", "name", "weight", "function_call", "tool_calls", "tool_call_id"}
)
CHAT_KEYS = frozenset({"messages", "tools", "functions", "parallel_tool_calls"})
PREFERENCE_KEYS = frozenset({"input", "preferred_output", "non_preferred_output"})
INPUT_KEYS = frozenset({"messages", "tools", "parallel_tool_calls"})
_PLAIN_KEYS = frozenset({"role", "content"})
_PLAIN_ROLES = ROLES - {"tool"}


def detect_format(obj: Any) -> str:
    """'preference' for DPO examples, else 'chat'."""
    if isinstance(obj, dict) and ("preferred_output" in obj or "input" in obj):
        return "preference"
    return "chat"


def check_example(obj: Any, line: int, fmt: str = "chat", shallow: bool = False) -> list[Problem]:
    """All format problems of one parsed example, in the format the file uses; total over any
    JSON value (too deep a value is one `too_deep` problem, checked before anything else,
    unless the caller knows it is `shallow`)."""
    if not isinstance(obj, dict):
        what = "null" if obj is None else short(obj)
        return [Problem("data_type", line, "", f"expected an object, got {what}")]
    deep = None if shallow else too_deep(obj)
    if deep is not None:
        where = dotted(deep)
        return [Problem("too_deep", line, where, f"nested more than {MAX_DEPTH} levels deep")]
    if detect_format(obj) != fmt:
        return [
            Problem("mixed_format", line, "", f"a {detect_format(obj)} example in a {fmt} file")
        ]
    if fmt == "preference":
        return _check_preference(obj, line)
    return _check_chat(obj, line)


def _check_chat(obj: dict[str, Any], line: int) -> list[Problem]:
    """Checks for `{"messages": [...], "tools": [...]}` examples."""
    problems = [
        Problem("example_unrecognized_key", line, key, f"unexpected top-level key {short(key)}")
        for key in obj
        if key not in CHAT_KEYS
    ]
    problems += _check_tool_definitions(obj, line, "")
    messages = obj.get("messages")
    if not isinstance(messages, list) or not messages:
        return [*problems, Problem("missing_messages_list", line, "messages")]
    problems += _check_messages(messages, line, "messages")
    problems += check_tool_use(obj, messages, line, "messages")
    if not any(isinstance(m, dict) and m.get("role") == "assistant" for m in messages):
        problems.append(Problem("example_missing_assistant_message", line, "messages"))
    return problems


def _check_preference(obj: dict[str, Any], line: int) -> list[Problem]:
    """Checks for `{"input": {...}, "preferred_output": [...], "non_preferred_output": [...]}`."""
    problems = [
        Problem("example_unrecognized_key", line, key, f"unexpected top-level key {short(key)}")
        for key in obj
        if key not in PREFERENCE_KEYS
    ]
    problems += [
        Problem("preference_missing_key", line, key, f"missing {key!r}")
        for key in sorted(PREFERENCE_KEYS)
        if key not in obj
    ]
    inp = obj.get("input")
    if "input" in obj and not isinstance(inp, dict):
        problems.append(Problem("data_type", line, "input", "`input` must be an object"))
    elif isinstance(inp, dict):
        problems += [
            Problem("example_unrecognized_key", line, f"input.{k}", f"unexpected key {short(k)}")
            for k in inp
            if k not in INPUT_KEYS
        ]
        problems += _check_tool_definitions(inp, line, "input.")
        messages = inp.get("messages")
        if not isinstance(messages, list) or not messages:
            problems.append(Problem("missing_messages_list", line, "input.messages"))
        else:
            problems += _check_messages(messages, line, "input.messages")
            problems += check_tool_use(inp, messages, line, "input.messages")
    for key in ("preferred_output", "non_preferred_output"):
        if key not in obj:
            continue
        output = obj[key]
        if (
            not isinstance(output, list)
            or len(output) != 1
            or not isinstance(output[0], dict)
            or output[0].get("role") != "assistant"
        ):
            problems.append(Problem("invalid_preference_output", line, key))
        else:
            problems += _check_messages(output, line, key)
            problems += check_tool_use(inp if isinstance(inp, dict) else {}, output, line, key)
    return problems + check_pair(obj, line)


def _check_messages(messages: list[Any], line: int, base: str) -> list[Problem]:
    """Checks on each message of a list."""
    problems: list[Problem] = []
    call_ids: set[str] = set()
    images = 0
    for i, message in enumerate(messages):
        if _is_plain_valid(message):  # fast path: most messages of most files
            continue
        path = f"{base}[{i}]"
        if not isinstance(message, dict):
            problems.append(Problem("data_type", line, path, "a message must be an object"))
            continue
        problems += _check_message(message, line, path)
        content = message.get("content")
        if isinstance(content, list):
            seen = sum(isinstance(p, dict) and p.get("type") == "image_url" for p in content)
            if images <= MAX_IMAGES < images + seen:
                problems.append(
                    Problem("too_many_images", line, f"{path}.content", f"over {MAX_IMAGES} images")
                )
            images += seen
        calls = message.get("tool_calls")
        for call in calls if isinstance(calls, list) else []:
            if isinstance(call, dict) and isinstance(call.get("id"), str):
                call_ids.add(call["id"])
        call_id = message.get("tool_call_id")
        if message.get("role") == "tool" and isinstance(call_id, str) and call_id not in call_ids:
            problems.append(
                Problem(
                    "unknown_tool_call_id",
                    line,
                    f"{path}.tool_call_id",
                    f"no earlier tool call has id {short(call_id)}",
                )
            )
    return problems


def _is_plain_valid(message: Any) -> bool:
    """True for a `{"role", "content"}` message with nothing to report."""
    if type(message) is not dict or not message.keys() <= _PLAIN_KEYS:
        return False
    content = message.get("content")
    role = message.get("role")
    return (
        type(content) is str
        and type(role) is str
        and role in _PLAIN_ROLES
        and bool(content)
        and not content.isspace()
        and "<|" not in content
    )


def _check_message(message: dict[str, Any], line: int, path: str) -> list[Problem]:
    """Checks on one message: keys, role, content, weight, name, tool calls."""
    problems = [
        Problem("message_unrecognized_key", line, f"{path}.{key}", f"unexpected key {short(key)}")
        for key in message
        if key not in MESSAGE_KEYS
    ]
    role = message.get("role")
    if "role" not in message:
        problems.append(Problem("message_missing_key", line, f"{path}.role", "missing `role`"))
    elif not isinstance(role, str):
        problems.append(
            Problem("unrecognized_role", line, f"{path}.role", f"role is {short(role)}, not text")
        )
    elif role not in ROLES:
        problems.append(
            Problem("unrecognized_role", line, f"{path}.role", f"unknown role {short(role)}")
        )
    calls_tool = "tool_calls" in message or "function_call" in message
    if "content" not in message:
        if not (role == "assistant" and calls_tool):
            problems.append(
                Problem("message_missing_key", line, f"{path}.content", "missing `content`")
            )
    else:
        problems += _check_content(message["content"], role, calls_tool, line, f"{path}.content")
    if "weight" in message:
        weight = message["weight"]
        if role != "assistant":
            problems.append(Problem("weight_on_non_assistant", line, f"{path}.weight"))
        if isinstance(weight, bool) or weight not in (0, 1):
            problems.append(
                Problem(
                    "invalid_weight", line, f"{path}.weight", f"weight is {short(weight)}, not 0/1"
                )
            )
    if "name" in message and not isinstance(message["name"], str):
        problems.append(Problem("invalid_name", line, f"{path}.name"))
    if "tool_calls" in message:
        problems += check_tool_calls(message["tool_calls"], line, f"{path}.tool_calls")
    if "function_call" in message:
        call = message["function_call"]
        problems += check_call(call, line, f"{path}.function_call", "invalid_function_call")
    if role == "tool" and not isinstance(message.get("tool_call_id"), str):
        problems.append(Problem("tool_missing_call_id", line, f"{path}.tool_call_id"))
    return problems


def _check_content(
    content: Any, role: Any, calls_tool: bool, line: int, path: str
) -> list[Problem]:
    """Checks on a message's content: text, or a list of text/image parts."""
    if content is None:
        if role == "assistant" and calls_tool:
            return []
        return [Problem("missing_content", line, path, "content is null")]
    if isinstance(content, list):
        return check_parts(content, role, line, path)
    if not isinstance(content, str):
        return [Problem("missing_content", line, path, f"content is a {type(content).__name__}")]
    problems = []
    if not content.strip() and not calls_tool:
        problems.append(Problem("empty_content", line, path))
    token = forbidden_token_in(content)
    if token:
        problems.append(Problem("forbidden_special_token", line, path, f"contains {token}"))
    return problems


def _valid_function(fn: Any) -> bool:
    """A function definition: a name, an optional description and JSON-schema parameters."""
    return (
        isinstance(fn, dict)
        and isinstance(fn.get("name"), str)
        and isinstance(fn.get("description", ""), str)
        and isinstance(fn.get("parameters", {}), dict)
    )


def _check_tool_definitions(obj: dict[str, Any], line: int, base: str) -> list[Problem]:
    """Shapes of `tools`, `functions` and `parallel_tool_calls` at the example level."""
    problems = []
    if "tools" in obj:
        tools = obj["tools"]
        if not isinstance(tools, list) or not all(
            isinstance(t, dict)
            and t.get("type") == "function"
            and _valid_function(t.get("function"))
            for t in tools
        ):
            problems.append(Problem("invalid_tools", line, f"{base}tools"))
    if "functions" in obj:
        fns = obj["functions"]
        if not isinstance(fns, list) or not all(_valid_function(f) for f in fns):
            problems.append(Problem("invalid_functions", line, f"{base}functions"))
    if "parallel_tool_calls" in obj and not isinstance(obj["parallel_tool_calls"], bool):
        problems.append(Problem("invalid_parallel_tool_calls", line, f"{base}parallel_tool_calls"))
    return problems
