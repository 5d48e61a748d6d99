"""Checks on a preference pair's meaning: the two answers differ, neither is empty, and the
prompt ends on the user's turn (what DPO learns from is the difference between the answers)."""

from __future__ import annotations

from difflib import SequenceMatcher
from typing import Any

import orjson

from tuiapp.data.tokens import TokenCounter
from tuiapp.problems import Problem

NEAR_IDENTICAL = 0.95  # difflib ratio above which two answers teach (almost) nothing
_SIDES = ("preferred_output", "non_preferred_output")


def _text(content: Any) -> str:
    """Text of a content string or list of text parts (examine.content_text, which imports
    the checks, so it cannot be imported here)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


def answer_text(output: Any) -> str:
    """A side's answer as one normalised string: its text and its tool calls, whitespace
    collapsed ("" when the side is not one message)."""
    if not isinstance(output, list) or len(output) != 1 or not isinstance(output[0], dict):
        return ""
    message = output[0]
    text = _text(message.get("content"))
    for key in ("tool_calls", "function_call"):
        if message.get(key):
            try:
                text += " " + orjson.dumps(message[key], option=orjson.OPT_SORT_KEYS).decode()
            except orjson.JSONEncodeError:
                text += " " + key
    return " ".join(text.split())


def check_pair(obj: dict[str, Any], line: int) -> list[Problem]:
    """Empty sides, identical or near-identical answers, a prompt not ending on a user turn."""
    problems: list[Problem] = []
    texts = {}
    for key in _SIDES:
        if key not in obj:
            continue
        texts[key] = answer_text(obj[key])
        shaped = isinstance(obj[key], list) and len(obj[key]) == 1
        if shaped and not texts[key]:
            what = "this answer is empty: the pair teaches nothing"
            problems.append(Problem("empty_preference_answer", line, f"{key}[0].content", what))
    preferred, rejected = texts.get(_SIDES[0], ""), texts.get(_SIDES[1], "")
    if preferred and rejected:
        if preferred == rejected:
            what = "the preferred and non-preferred answers are the same text"
            problems.append(Problem("identical_preference_pair", line, _SIDES[1], what))
        else:
            matcher = SequenceMatcher(None, preferred, rejected, autojunk=True)
            if matcher.quick_ratio() > NEAR_IDENTICAL and matcher.ratio() > NEAR_IDENTICAL:
                what = f"the answers are {matcher.ratio():.1%} the same text"
                problems.append(Problem("near_identical_preference_pair", line, _SIDES[1], what))
    inp = obj.get("input")
    messages = inp.get("messages") if isinstance(inp, dict) else None
    if isinstance(messages, list) and messages:
        last = messages[-1]
        role = last.get("role") if isinstance(last, dict) else None
        if role != "user":
            where = f"input.messages[{len(messages) - 1}].role"
            what = f"the prompt ends on a {role or 'non-message'} turn, not the user's"
            problems.append(Problem("preference_prompt_not_user", line, where, what))
    return problems


def length_bias(obj: Any, counter: TokenCounter) -> int | None:
    """Preferred minus non-preferred answer tokens of a pair (None when it is not one)."""
    if not isinstance(obj, dict):
        return None
    preferred, rejected = (obj.get(key) for key in _SIDES)
    if not (isinstance(preferred, list) and preferred and isinstance(rejected, list) and rejected):
        return None
    return counter.assistant(preferred) - counter.assistant(rejected)
