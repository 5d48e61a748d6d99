"""Tool calls checked against the tools they call: the name is a tool of the example, the
arguments are JSON (once, not twice) and valid under that tool's `parameters` JSON Schema."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from jsonschema import exceptions as schema_errors
from jsonschema import validators

from tuiapp.data.limits import short
from tuiapp.problems import Problem

MAX_SCHEMA_ERRORS = 5  # per call: a wholly wrong object should not flood the report
_VALIDATORS: dict[bytes, Any] = {}  # compiled once per distinct schema, for every example
_VALIDATORS_MAX = 10_000


def declared_tools(holder: dict[str, Any]) -> dict[str, Any] | None:
    """Tool name -> its `parameters` schema (None: none given), from `tools` and `functions`;
    None when the example declares neither (then there is nothing to check calls against)."""
    if "tools" not in holder and "functions" not in holder:
        return None
    found: dict[str, Any] = {}
    tools = holder.get("tools")
    for tool in tools if isinstance(tools, list) else []:
        fn = tool.get("function") if isinstance(tool, dict) else None
        if isinstance(fn, dict) and isinstance(fn.get("name"), str):
            found[fn["name"]] = fn.get("parameters")
    functions = holder.get("functions")
    for fn in functions if isinstance(functions, list) else []:
        if isinstance(fn, dict) and isinstance(fn.get("name"), str):
            found.setdefault(fn["name"], fn.get("parameters"))
    return found


def check_tool_use(
    holder: dict[str, Any], messages: list[Any], line: int, base: str
) -> list[Problem]:
    """Every call of the assistant messages checked against the tools `holder` declares."""
    tools = declared_tools(holder)
    problems: list[Problem] = []
    for i, message in enumerate(messages):
        if type(message) is not dict or message.get("role") != "assistant":
            continue
        calls = message.get("tool_calls")
        for j, call in enumerate(calls if isinstance(calls, list) else []):
            if isinstance(call, dict):
                where = f"{base}[{i}].tool_calls[{j}].function"
                problems += check_one_call(call.get("function"), tools, line, where)
        if "function_call" in message:
            where = f"{base}[{i}].function_call"
            problems += check_one_call(message["function_call"], tools, line, where)
    return problems


def check_one_call(call: Any, tools: dict[str, Any] | None, line: int, where: str) -> list[Problem]:
    """One `{"name", "arguments"}` call (its shape is checked elsewhere)."""
    if not isinstance(call, dict) or not isinstance(call.get("name"), str):
        return []
    name = call["name"]
    if tools is not None and name not in tools:
        known = ", ".join(sorted(tools)) or "none"
        what = f"calls {short(name)}, not a tool of this example (tools: {known})"
        return [Problem("unknown_tool", line, f"{where}.name", what)]
    arguments = call.get("arguments")
    if not isinstance(arguments, str):
        return []
    try:
        value = orjson.loads(arguments)
    except orjson.JSONDecodeError:
        return []  # reported as invalid_tool_calls by the shape checks
    path = f"{where}.arguments"
    if isinstance(value, str):
        try:
            inner = orjson.loads(value)
        except orjson.JSONDecodeError:
            inner = None
        if isinstance(inner, dict):
            what = "`arguments` is JSON text inside a JSON string (encoded twice)"
            return [Problem("double_encoded_arguments", line, path, what)]
    schema = tools.get(name) if tools is not None else None
    if not isinstance(schema, dict) or not schema:
        return []
    return schema_problems(schema, value, line, path)


_TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: type(v) is str,
    "boolean": lambda v: type(v) is bool,
    "null": lambda v: v is None,
    "array": lambda v: type(v) is list,
    "object": lambda v: type(v) is dict,
    "number": lambda v: type(v) in (int, float),
    "integer": lambda v: type(v) is int,  # stricter than JSON Schema (1.0): jsonschema decides
}
_ANNOTATIONS = frozenset({"description", "title", "default", "examples"})
_NUMBER = (int, float)  # bool is not a number in JSON Schema, and type() is never bool here
_BOUNDS: dict[str, tuple[tuple[type, ...], Callable[[Any, Any], bool]]] = {
    "minimum": (_NUMBER, lambda v, b: v >= b),
    "maximum": (_NUMBER, lambda v, b: v <= b),
    "minLength": ((str,), lambda v, b: len(v) >= b),
    "maxLength": ((str,), lambda v, b: len(v) <= b),
    "minItems": ((list,), lambda v, b: len(v) >= b),
    "maxItems": ((list,), lambda v, b: len(v) <= b),
}
_FAST_KEYWORDS = (
    _ANNOTATIONS
    | _BOUNDS.keys()
    | {"type", "properties", "required", "items", "enum", "additionalProperties"}
)


def _bounded(
    types: tuple[type, ...], within: Callable[[Any, Any], bool], bound: Any
) -> Callable[[Any], bool]:
    """A test that a value of those types is within the bound (other values pass)."""
    return lambda v: type(v) not in types or within(v, bound)


def fast_check(schema: Any) -> Callable[[Any], bool] | None:
    """A quick test for the plain schemas tools use (type, properties, required, items, enum,
    bounds, additionalProperties false); None for any other keyword. It never passes what
    jsonschema fails: a False only means "ask jsonschema", which names the errors (if any)."""
    if not isinstance(schema, dict) or not schema.keys() <= _FAST_KEYWORDS:
        return None
    tests: list[Callable[[Any], bool]] = []
    kind = schema.get("type")
    if kind is not None:
        names = [kind] if isinstance(kind, str) else kind
        if not isinstance(names, list) or not all(
            isinstance(n, str) and n in _TYPES for n in names
        ):
            return None
        checks = [_TYPES[n] for n in names]
        tests.append(lambda v: any(c(v) for c in checks))
    if "enum" in schema:
        enum = schema["enum"]
        if not isinstance(enum, list):
            return None
        tests.append(lambda v: any(type(v) is type(e) and v == e for e in enum))
    properties = schema.get("properties", {})
    required = schema.get("required", [])
    if not isinstance(properties, dict) or not isinstance(required, list):
        return None
    subs: dict[str, Callable[[Any], bool]] = {}
    for name, sub in properties.items():
        test = fast_check(sub)
        if test is None:
            return None
        subs[name] = test
    if subs or required:
        tests.append(
            lambda v: (
                type(v) is not dict
                or (
                    all(r in v for r in required)
                    and all(t(v[k]) for k, t in subs.items() if k in v)
                )
            )
        )
    for key, (types, within) in _BOUNDS.items():
        if key in schema:
            bound = schema[key]
            if type(bound) not in _NUMBER:
                return None
            tests.append(_bounded(types, within, bound))
    extra = schema.get("additionalProperties", True)
    if extra is not True:
        if extra is not False:
            return None
        tests.append(lambda v: type(v) is not dict or v.keys() <= subs.keys())
    if "items" in schema:
        item = fast_check(schema["items"])
        if item is None:
            return None
        tests.append(lambda v: type(v) is not list or all(item(x) for x in v))
    return lambda v: all(t(v) for t in tests)


def _validator(schema: dict[str, Any]) -> Any:
    """(quick test or None, compiled validator) of a schema; None for a schema that is itself
    invalid."""
    try:
        key = orjson.dumps(schema, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:
        return None
    if key in _VALIDATORS:
        return _VALIDATORS[key]
    cls = validators.validator_for(schema)
    try:
        cls.check_schema(schema)
        compiled: Any = (fast_check(schema), cls(schema))
    except schema_errors.SchemaError:
        compiled = None
    if len(_VALIDATORS) >= _VALIDATORS_MAX:
        _VALIDATORS.clear()
    _VALIDATORS[key] = compiled
    return compiled


def schema_problems(schema: dict[str, Any], value: Any, line: int, path: str) -> list[Problem]:
    """Where `value` breaks `schema`, each as a field path below `path`."""
    compiled = _validator(schema)
    if compiled is None:
        return [Problem("invalid_tool_schema", line, path, "the tool's `parameters` is not a "
                        "valid JSON Schema: its calls cannot be checked")]  # fmt: skip
    quick, validator = compiled
    if quick is not None and quick(value):
        return []  # the common case, without jsonschema's per-keyword descent
    problems: list[Problem] = []
    required_seen: dict[str, int] = {}  # jsonschema reports each missing property in order
    for error in validator.iter_errors(value):
        where = path + "".join(
            f"[{step}]" if isinstance(step, int) else f".{step}" for step in error.absolute_path
        )
        if error.validator == "required" and isinstance(error.instance, dict):
            missing = [p for p in error.validator_value if p not in error.instance]
            nth = required_seen.get(where, 0)
            required_seen[where] = nth + 1
            if nth < len(missing):
                where = f"{where}.{missing[nth]}"
        problems.append(
            Problem("tool_arguments_invalid", line, where, short_message(error.message))
        )
        if len(problems) >= MAX_SCHEMA_ERRORS:
            break
    return problems


def short_message(text: str, limit: int = 160) -> str:
    """A jsonschema message cut to one readable line (it can repr a whole instance)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
