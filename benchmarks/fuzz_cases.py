"""Valid examples and invalid mutations of them, for the seeded hostile files of the fuzz
benchmark (`benchmarks.fuzz_files`): each file knows the line that must be reported.

Every file is a dozen valid examples with at most one hostile line among them, so the line a
check must name is known: `bad_line` > 0 is that line, 0 means a file-level error (an empty
file), None means nothing may be an error (e.g. valid lines with CR-only endings).
"""

from __future__ import annotations

import copy
import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

VALID_LINES = 12
DEPTHS = (101, 150, 254, 255, 256, 999, 1000, 1023)  # all past the checks' depth limit
JSON_DEPTHS = (1024, 1025, 5000)  # the root counts: 1024 parses, 1025 is not JSON for orjson
URL = "https://example.com/cat.png"
DEEP = "__deep__"
_DEEP_MARKER = re.compile(r'\{"__deep__": (\[[^\]]*\])\}')


@dataclass(frozen=True)
class Case:
    """One generated file: a name (what was done to it), its bytes and the line to report."""

    name: str
    data: bytes
    bad_line: int | None


def valid_chat(rng: random.Random) -> dict[str, Any]:
    """A valid chat example of one of several shapes (plain, weights, tools, vision, names)."""
    n = rng.randrange(1000)
    shape = rng.randrange(5)
    system = {"role": "system", "content": f"You are assistant number {n}."}
    user = {"role": "user", "content": f"Question {n}: what is {n} plus {n}?"}
    answer = {"role": "assistant", "content": f"It is {2 * n}."}
    if shape == 1:
        first = {"role": "assistant", "content": "Let me think.", "weight": 0}
        return {"messages": [system, user, first, dict(user), {**answer, "weight": 1}]}
    if shape == 2:
        call: dict[str, Any] = {"id": f"call_{n}", "type": "function", "function": {"name": "add"}}
        call["function"]["arguments"] = json.dumps({"a": n, "b": n})
        tool: dict[str, Any] = {"type": "function"}
        tool["function"] = {"name": "add", "description": "Add numbers"}
        tool["function"]["parameters"] = {"type": "object", "properties": {"a": {"type": "number"}}}
        messages = [
            system,
            user,
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": f"call_{n}", "content": str(2 * n)},
            answer,
        ]
        return {"messages": messages, "tools": [tool], "parallel_tool_calls": False}
    if shape == 3:
        parts = [
            {"type": "text", "text": "What is in this picture?"},
            {"type": "image_url", "image_url": {"url": URL, "detail": rng.choice(["low", "auto"])}},
        ]
        return {"messages": [system, {"role": "user", "content": parts}, answer]}
    if shape == 4:
        return {"messages": [system, {**user, "name": "alice"}, answer]}
    return {"messages": [system, user, answer]}


def valid_preference(rng: random.Random) -> dict[str, Any]:
    """A valid preference (DPO) example."""
    n = rng.randrange(1000)
    return {
        "input": {"messages": [{"role": "user", "content": f"Say {n}."}]},
        "preferred_output": [{"role": "assistant", "content": f"{n}."}],
        "non_preferred_output": [{"role": "assistant", "content": "No."}],
    }


def nested(depth: int, leaf: Any = 1, as_dict: bool = False) -> dict[str, Any]:
    """A marker for a value nested `depth` containers deep; `_line` writes it out (json.dumps
    would recurse too deep to write it)."""
    return {DEEP: [depth, leaf, as_dict]}


def _deep_json(match: re.Match[str]) -> str:
    """The JSON text of one `nested` marker."""
    depth, leaf, as_dict = json.loads(match.group(1))
    opener, closer = ('{"a": ', "}") if as_dict else ("[", "]")
    return opener * depth + json.dumps(leaf) + closer * depth


_WRONG_TEXT = [None, 1, 2.5, True, [], {}, ["x"], {"text": "x"}]
# Per field (the last key of a path): values that are wrong whatever else the example holds.
WRONG: dict[str, list[Any]] = {
    "messages": [None, 1, "x", {}, [], True, [1], ["x"]],
    "role": [None, 1, True, ["user"], {"r": "user"}, "bot", "", "USER", [["assistant"]]],
    "content": [1, 2.5, True, {}, [], [1], ["x"], [None], {"type": "text"}, [[]]],
    "weight": [2, -1, 0.5, "1", None, [1], {"w": 1}, True, False],
    "name": [1, None, [], {}, True],
    "tool_calls": [None, 1, "x", {}, [1], [], [[]]],
    "id": [1, None, [], {}],
    "function": [None, 1, "x", [], {}],
    "arguments": [1, None, {}, [], "not json", "{", "", "{'a': 1}", [["x"]]],
    "tool_call_id": [1, None, [], {}],
    "tools": [1, "x", {}, [1], None, [[]]],
    "parameters": [1, "x", [], None],
    "description": [1, [], {}, None],
    "parallel_tool_calls": [1, "true", None, [], {}],
    "text": [1, None, [], {}, True],
    "image_url": [1, None, [], {}, "https://example.com/x.png"],
    "url": [1, None, [], {}, "", "not a url", "ftp://example.com/x.png"],
    "detail": ["medium", 1, None, [], ""],
    "type": [1, None, [], {}, "", "image", "audio", "input_audio", "func", ["text"], {"t": 1}],
    "input": [None, 1, "x", []],
    "preferred_output": [None, 1, "x", [], {}, [1]],
    "non_preferred_output": [None, 1, "x", [], {}, [1]],
}
# Keys that may not be dropped: (parent key, key) or (None, key) for any parent.
REQUIRED = {"messages", "role", "id", "function", "arguments", "tool_call_id", "text", "url"}
REQUIRED |= {"image_url", "type", "input", "preferred_output", "non_preferred_output"}


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path (keys and indices) inside an example, containers included."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*prefix, key)
            yield from paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield (*prefix, i)
            yield from paths(item, (*prefix, i))


def _parent(obj: Any, path: tuple[Any, ...]) -> Any:
    """The container that holds the value at path."""
    for step in path[:-1]:
        obj = obj[step]
    return obj


def _message_of(obj: Any, path: tuple[Any, ...]) -> dict[str, Any] | None:
    """The message a path points into (None outside messages)."""
    for i in range(len(path) - 1, 0, -1):
        if isinstance(path[i], int) and path[i - 1] in ("messages", "preferred_output"):
            return _parent(obj, path[: i + 2])  # type: ignore[no-any-return]
    return None


def _wrong_choices(obj: dict[str, Any], path: tuple[Any, ...]) -> list[Any]:
    """Values that make the field at path invalid."""
    key = path[-1]
    if not isinstance(key, str) or key not in WRONG:
        return []
    choices = list(WRONG[key])
    message = _message_of(obj, path)
    if key == "content" and message is not None and message.get("role") != "assistant":
        choices.append(None)
    if key == "type" and len(path) >= 2 and path[-2] == "function":
        return []  # a JSON-schema "type" inside tool parameters: anything goes there
    if "parameters" in path[:-1] or "properties" in path[:-1]:
        return []
    if key == "content" and message is not None and message.get("role") == "tool":
        choices = [c for c in choices if c != [] and not isinstance(c, list)]
    return choices


def mutate(obj: dict[str, Any], rng: random.Random) -> tuple[str, dict[str, Any]] | None:
    """One invalid variant of a valid example: retype, drop or add a key, or nest deeply."""
    out = copy.deepcopy(obj)
    every = [p for p in paths(out) if "parameters" not in p[:-1] and "properties" not in p[:-1]]
    op = rng.choice(["retype", "retype", "drop", "add", "deep"])
    if op == "retype":
        choices = [(p, c) for p in every for c in _wrong_choices(out, p)]
        path, value = rng.choice(choices)
        _parent(out, path)[path[-1]] = value
        return f"retype {_dotted(path)}={json.dumps(value)[:30]}", out
    if op == "drop":
        droppable = [p for p in every if _droppable(out, p)]
        path = rng.choice(droppable)
        del _parent(out, path)[path[-1]]
        return f"drop {_dotted(path)}", out
    if op == "add":
        holders = [()] + [p for p in every if isinstance(_get(out, p), dict)]
        holders = [p for p in holders if "function" not in p and "tools" not in p]
        path = rng.choice(holders)
        _get(out, path)["extra"] = rng.choice([1, "x", None, [], {}])
        return f"add {_dotted(path) or 'root'}.extra", out
    path = rng.choice([p for p in every if isinstance(p[-1], str)])
    depth = rng.choice(DEPTHS)
    _parent(out, path)[path[-1]] = nested(depth, "x", rng.random() < 0.5)
    return f"deep{depth} {_dotted(path)}", out


def _get(obj: Any, path: tuple[Any, ...]) -> Any:
    """The value at path."""
    for step in path:
        obj = obj[step]
    return obj


def _droppable(obj: dict[str, Any], path: tuple[Any, ...]) -> bool:
    """True where dropping the key makes the example invalid."""
    if path[-1] in REQUIRED:
        return True
    message = _message_of(obj, path)
    return path[-1] == "content" and message is not None and "tool_calls" not in message


def _dotted(path: tuple[Any, ...]) -> str:
    """A path as text: messages[1].content."""
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else step)
    return out


def line(obj: Any) -> bytes:
    """An example as one JSON line (no line ending)."""
    return _DEEP_MARKER.sub(_deep_json, json.dumps(obj, ensure_ascii=False)).encode()
