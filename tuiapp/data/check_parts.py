"""Checks on the nested parts of a message, as the fine-tuning API applies them: content parts
(text and images, vision fine-tuning) and tool calls (whose arguments must be JSON)."""

from __future__ import annotations

from typing import Any

import orjson

from tuiapp.data.limits import short
from tuiapp.data.tokens import forbidden_token_in
from tuiapp.problems import Problem

TEXT_PART_KEYS = frozenset({"type", "text"})
IMAGE_PART_KEYS = frozenset({"type", "image_url"})
IMAGE_URL_KEYS = frozenset({"url", "detail"})
IMAGE_DETAILS = frozenset({"low", "high", "auto"})
IMAGE_URL_PREFIXES = ("https://", "http://", "data:image/")  # an HTTP URL or a base64 data URL
IMAGE_ROLES = frozenset({"user"})  # the API refuses images in assistant (and other) messages
MAX_IMAGES = 64  # per example
TOOL_CALL_KEYS = frozenset({"id", "type", "function"})
CALL_KEYS = frozenset({"name", "arguments"})


def check_parts(parts: list[Any], role: Any, line: int, path: str) -> list[Problem]:
    """Problems of a content list: not empty, text and image_url parts, images for users only."""
    if not parts:
        return [Problem("invalid_content_part", line, path, "the content list is empty")]
    problems: list[Problem] = []
    for j, part in enumerate(parts):
        where = f"{path}[{j}]"
        if not isinstance(part, dict):
            message = f"a content part must be an object, not {short(part)}"
            problems.append(Problem("invalid_content_part", line, where, message))
            continue
        kind = part.get("type")
        if kind == "text":
            problems += _text_part(part, line, where)
        elif kind == "image_url":
            problems += _image_part(part, role, line, where)
        else:
            what = "no `type`" if "type" not in part else f"unknown part type {short(kind)}"
            if "type" in part and not isinstance(kind, str):
                what = f"a part's type must be a string, not {short(kind)}"
            problems.append(Problem("invalid_content_part", line, f"{where}.type", what))
    return problems


def _extra_keys(
    part: dict[str, Any], allowed: frozenset[str], line: int, where: str
) -> list[Problem]:
    """A problem for each key the API does not accept in this object."""
    return [
        Problem("invalid_content_part", line, f"{where}.{key}", f"unexpected key {short(key)}")
        for key in part
        if key not in allowed
    ]


def _text_part(part: dict[str, Any], line: int, where: str) -> list[Problem]:
    """`{"type": "text", "text": str}`."""
    problems = _extra_keys(part, TEXT_PART_KEYS, line, where)
    text = part.get("text")
    if not isinstance(text, str):
        what = "a text part without `text`" if "text" not in part else f"text is {short(text)}"
        problems.append(Problem("invalid_content_part", line, f"{where}.text", what))
    elif token := forbidden_token_in(text):
        problems.append(Problem("forbidden_special_token", line, where, f"contains {token}"))
    return problems


def _image_part(part: dict[str, Any], role: Any, line: int, where: str) -> list[Problem]:
    """`{"type": "image_url", "image_url": {"url": str, "detail": "low"|"high"|"auto"}}`, in
    a user message."""
    problems = _extra_keys(part, IMAGE_PART_KEYS, line, where)
    if isinstance(role, str) and role not in IMAGE_ROLES:
        problems.append(Problem("image_not_allowed", line, where, f"an image in a {role} message"))
    image = part.get("image_url")
    if not isinstance(image, dict):
        what = "no `image_url`" if "image_url" not in part else f"image_url is {short(image)}"
        return [*problems, Problem("invalid_content_part", line, f"{where}.image_url", what)]
    problems += _extra_keys(image, IMAGE_URL_KEYS, line, f"{where}.image_url")
    url = image.get("url")
    if not isinstance(url, str) or not url.startswith(IMAGE_URL_PREFIXES):
        what = "no `url`" if "url" not in image else f"url is {short(url)}, not http(s) or data:"
        problems.append(Problem("invalid_content_part", line, f"{where}.image_url.url", what))
    detail = image.get("detail", "auto")
    if not isinstance(detail, str) or detail not in IMAGE_DETAILS:
        problems.append(
            Problem(
                "invalid_content_part",
                line,
                f"{where}.image_url.detail",
                f"detail is {short(detail)}, not low, high or auto",
            )
        )
    return problems


def check_call(call: Any, line: int, path: str, kind: str) -> list[Problem]:
    """A function call `{"name": str, "arguments": JSON text}` (in a tool call, or legacy)."""
    if not isinstance(call, dict):
        return [Problem(kind, line, path, f"expected an object, not {short(call)}")]
    problems = [
        Problem(kind, line, f"{path}.{key}", f"unexpected key {short(key)}")
        for key in call
        if key not in CALL_KEYS
    ]
    if not isinstance(call.get("name"), str):
        problems.append(Problem(kind, line, f"{path}.name", "`name` must be a string"))
    arguments = call.get("arguments")
    if not isinstance(arguments, str):
        what = f"`arguments` must be a string of JSON, not {short(arguments)}"
        problems.append(Problem(kind, line, f"{path}.arguments", what))
    else:
        try:
            orjson.loads(arguments)
        except orjson.JSONDecodeError as err:
            what = f"`arguments` is not JSON ({err})"
            problems.append(Problem(kind, line, f"{path}.arguments", what))
    return problems


def check_tool_calls(calls: Any, line: int, path: str) -> list[Problem]:
    """`[{"id": str, "type": "function", "function": {"name", "arguments"}}, ...]`, not empty."""
    kind = "invalid_tool_calls"
    if not isinstance(calls, list) or not calls:
        what = "an empty list" if isinstance(calls, list) else short(calls)
        return [Problem(kind, line, path, f"`tool_calls` must be a non-empty list, not {what}")]
    problems: list[Problem] = []
    for i, call in enumerate(calls):
        where = f"{path}[{i}]"
        if not isinstance(call, dict):
            problems.append(Problem(kind, line, where, f"a tool call is {short(call)}"))
            continue
        problems += [
            Problem(kind, line, f"{where}.{key}", f"unexpected key {short(key)}")
            for key in call
            if key not in TOOL_CALL_KEYS
        ]
        if not isinstance(call.get("id"), str):
            problems.append(Problem(kind, line, f"{where}.id", "`id` must be a string"))
        if call.get("type") != "function":
            what = f"`type` must be 'function', not {short(call.get('type'))}"
            problems.append(Problem(kind, line, f"{where}.type", what))
        problems += check_call(call.get("function"), line, f"{where}.function", kind)
    return problems
