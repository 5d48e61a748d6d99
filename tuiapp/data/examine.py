"""Turn one raw line into a checked, token-counted example."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from tuiapp.data.checks import check_example, detect_format
from tuiapp.data.jsonl import RawLine
from tuiapp.data.limits import MAX_DEPTH
from tuiapp.data.tokens import TokenCounter
from tuiapp.problems import Problem, Severity, worst

PREVIEW_CHARS = 160


@dataclass(slots=True)
class Examined:
    """One line after parsing, checking and counting."""

    line: int
    text: str  # the line as text (bad bytes replaced) so it can be shown and edited
    obj: Any
    problems: list[Problem] = field(default_factory=list)
    n_tokens: int = 0
    n_assistant_tokens: int = 0
    n_messages: int = 0
    preview: str = ""
    has_system: bool = False  # the cookbook's statistics: a system (or developer) message
    has_user: bool = False

    @property
    def severity(self) -> Severity:
        """The worst problem of this example."""
        return worst(self.problems)


def parse(raw: RawLine) -> tuple[str, Any, list[Problem]]:
    """Decode and parse a line: (text, object or None, problems)."""
    line = raw.number
    problems = []
    if raw.had_bom:
        problems.append(Problem("bom", line, "", "the file starts with a byte-order mark"))
    if raw.too_large:
        text = raw.data.decode("utf-8", "replace")
        return text, None, [*problems, Problem("line_too_large", line, "", "over 64 MiB")]
    try:
        text = raw.data.decode("utf-8")
    except UnicodeDecodeError as err:
        text = raw.data.decode("utf-8", "replace")
        at = f"byte {err.start + 1}"
        return text, None, [*problems, Problem("invalid_utf8", line, "", f"bad UTF-8 at {at}")]
    try:
        obj = orjson.loads(raw.data)
    except orjson.JSONDecodeError as err:
        return text, None, [*problems, Problem("invalid_json", line, "", str(err))]
    return text, obj, problems


def examine_text(
    text: str, line: int, fmt: str, counter: TokenCounter, token_limit: int
) -> Examined:
    """Check and count an example given as text (used for edits)."""
    raw = RawLine(line, text.encode("utf-8"), 0)
    return examine(raw, fmt, counter, token_limit)


def examine(
    raw: RawLine, fmt: str, counter: TokenCounter, token_limit: int, with_preview: bool = True
) -> Examined:
    """Parse, check and count one line of a dataset in the given format."""
    text, obj, problems = parse(raw)
    result = Examined(raw.number, text, obj, problems)
    result.preview = text[:PREVIEW_CHARS]
    if worst(problems) is Severity.ERROR:  # not JSON; a JSON `null` line is checked below
        return result
    # no more brackets than levels allowed: cannot be too deep (skips the walk for most lines)
    shallow = raw.data.count(b"[") + raw.data.count(b"{") <= MAX_DEPTH
    result.problems += check_example(obj, raw.number, fmt, shallow)
    if isinstance(obj, dict) and not any(p.kind == "too_deep" for p in result.problems):
        messages = conversation(obj)
        result.n_messages = len(messages)
        roles = [m.get("role") for m in messages if type(m) is dict]  # any JSON value
        result.has_system = "system" in roles or "developer" in roles
        result.has_user = "user" in roles
        n_tokens, result.n_assistant_tokens = counter.conversation(messages)
        result.n_tokens = n_tokens + _tool_tokens(obj, counter)
        if with_preview:
            result.preview = preview(messages)
        if result.n_tokens > token_limit:
            result.problems.append(
                Problem(
                    "too_long",
                    raw.number,
                    "",
                    f"{result.n_tokens:,} tokens, limit {token_limit:,}: the end will be cut off",
                )
            )
    return result


def conversation(obj: dict[str, Any]) -> list[Any]:
    """The messages an example shows the model (input plus preferred output for DPO)."""
    if detect_format(obj) == "preference":
        inp = obj.get("input")
        messages = inp.get("messages") if isinstance(inp, dict) else None
        preferred = obj.get("preferred_output")
        return [*(_as_list(messages)), *(_as_list(preferred))]
    return _as_list(obj.get("messages"))


def content_text(content: Any, separator: str = "\n", image: str = "") -> str:
    """A message's content as plain text: a string as it is, text parts joined by separator
    (image parts shown as `image` when it is not empty), anything else empty."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return ""
    parts = []
    for part in content:
        if isinstance(part, dict) and part.get("type", "text") == "text":
            parts.append(str(part.get("text", "")))
        elif isinstance(part, dict) and part.get("type") == "image_url" and image:
            parts.append(image)
    return separator.join(parts)


def _as_list(value: Any) -> list[Any]:
    """value if it is a list, else an empty list."""
    return value if isinstance(value, list) else []


def token_counts(obj: dict[str, Any], counter: TokenCounter) -> tuple[int, int]:
    """(tokens, assistant tokens) of an example as `examine` counts them: its conversation,
    tool definitions and a preference pair's rejected answer (recounts with another encoding)."""
    n_tokens, n_assistant = counter.conversation(conversation(obj))
    return n_tokens + _tool_tokens(obj, counter), n_assistant


def _tool_tokens(obj: dict[str, Any], counter: TokenCounter) -> int:
    """Tokens of tool/function definitions and the rejected DPO answer, which the API bills too."""
    total = 0
    holder = obj.get("input") if isinstance(obj.get("input"), dict) else obj
    for key in ("tools", "functions"):
        if isinstance(holder, dict) and key in holder:
            total += counter.value(holder[key])
    rejected = obj.get("non_preferred_output")
    if isinstance(rejected, list):
        total += counter.messages(rejected) - 3
    return total


def preview(messages: list[Any]) -> str:
    """A one-line summary for lists: the first user message, else the first content."""
    chosen = next(
        (m for m in messages if isinstance(m, dict) and m.get("role") == "user"),
        messages[0] if messages else None,
    )
    content = content_text(chosen.get("content"), " ") if isinstance(chosen, dict) else ""
    return " ".join(content[: PREVIEW_CHARS * 2].split())[:PREVIEW_CHARS]
