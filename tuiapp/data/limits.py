"""Limits on the shape of a parsed line (nesting depth), checked without recursion so that
no value, however deep, can exhaust the stack of a later check, repr or serialiser."""

from __future__ import annotations

from typing import Any

# Deeper than any real example (tool schemas included) and well under what orjson.dumps
# (254 levels) and Python's repr (~1,000) survive.
MAX_DEPTH = 100
PATH_STEPS_SHOWN = 6
SHORT_CHARS = 40


def too_deep(value: Any, limit: int = MAX_DEPTH) -> tuple[Any, ...] | None:
    """The path (keys and indices) to the first container nested deeper than limit, or None;
    the value itself counts as level 1."""
    if type(value) is not dict and type(value) is not list:
        return None
    stack: list[tuple[Any, int, tuple[Any, ...]]] = [(value, 1, ())]
    while stack:
        node, depth, path = stack.pop()
        if depth > limit:
            return path
        items = node.items() if type(node) is dict else enumerate(node)
        for key, child in items:
            if type(child) is dict or type(child) is list:
                stack.append((child, depth + 1, (*path, key)))
    return None


def dotted(path: tuple[Any, ...], steps: int = PATH_STEPS_SHOWN) -> str:
    """A path as a field path: `messages[1].content[0]`, cut after a few steps with `…`."""
    out = ""
    for step in path[:steps]:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out + ("…" if len(path) > steps else "")


def short(value: Any) -> str:
    """A value for a message: scalars as a short repr, containers by their type only (a repr
    of a deep or huge value would be slow, or fail)."""
    if value is None or isinstance(value, bool | int | float):
        return repr(value)
    if isinstance(value, str):
        text = repr(value[: SHORT_CHARS + 1])
        return text if len(value) <= SHORT_CHARS else text[:-2] + "…" + text[-1]
    return "a list" if isinstance(value, list) else "an object"
