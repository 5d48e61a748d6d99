"""The OpenAI cookbook's chat data-prep logic ("Data preparation and analysis for chat model
fine-tuning"), reimplemented faithfully as the baseline for `bench_validate`.

Adaptations, each needed for the cookbook to run on the same data at all, none making it slower:
it reads the file with `json.loads` per line and counts a line that does not parse under
`invalid_json` (the cookbook crashes there); a non-string value (tool_calls, a tools list) is
JSON-encoded before counting, as tuiapp does (the cookbook crashes there too); `weight` is not
counted; roles `tool`/`developer` are accepted and content may be absent beside `tool_calls`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import tiktoken

from tuiapp.data.tokens import encoding as shipped_encoding


def _encode_value(enc: tiktoken.Encoding, value: Any) -> list[int]:
    if not isinstance(value, str):
        value = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return enc.encode(value)


def num_tokens_from_messages(enc, messages, tokens_per_message=3, tokens_per_name=1):
    num_tokens = 0
    for message in messages:
        num_tokens += tokens_per_message
        for key, value in message.items():
            if key == "weight" or value is None:
                continue
            num_tokens += len(_encode_value(enc, value))
            if key == "name":
                num_tokens += tokens_per_name
    num_tokens += 3
    return num_tokens


def num_assistant_tokens_from_messages(enc, messages):
    num_tokens = 0
    for message in messages:
        if message["role"] == "assistant" and message.get("content") is not None:
            num_tokens += len(_encode_value(enc, message["content"]))
    return num_tokens


def run(path: str, encoding_name: str = "o200k_base") -> dict[str, Any]:
    """Format error counts and token counts, the cookbook's way."""
    enc = shipped_encoding(encoding_name)
    dataset = []
    format_errors: dict[str, int] = defaultdict(int)
    with open(path, encoding="utf-8") as f:
        for line in f:
            try:
                dataset.append(json.loads(line))
            except json.JSONDecodeError:
                format_errors["invalid_json"] += 1
    convo_lens, assistant_lens = [], []
    for ex in dataset:
        if not isinstance(ex, dict):
            format_errors["data_type"] += 1
            continue
        messages = ex.get("messages", None)
        if not messages:
            format_errors["missing_messages_list"] += 1
            continue
        bad = False
        for message in messages:
            if "role" not in message or ("content" not in message and "tool_calls" not in message):
                format_errors["message_missing_key"] += 1
                bad = True
            if any(
                k
                not in (
                    "role",
                    "content",
                    "name",
                    "function_call",
                    "weight",
                    "tool_calls",
                    "tool_call_id",
                )
                for k in message
            ):
                format_errors["message_unrecognized_key"] += 1
                bad = True
            if message.get("role", None) not in (
                "system",
                "user",
                "assistant",
                "function",
                "tool",
                "developer",
            ):
                format_errors["unrecognized_role"] += 1
                bad = True
            content = message.get("content", None)
            function_call = message.get("function_call", None) or message.get("tool_calls")
            if (not content and not function_call) or (
                content is not None and not isinstance(content, str)
            ):
                format_errors["missing_content"] += 1
                bad = True
        if not any(message.get("role", None) == "assistant" for message in messages):
            format_errors["example_missing_assistant_message"] += 1
            bad = True
        if not bad:
            extra = len(_encode_value(enc, ex["tools"])) if "tools" in ex else 0
            convo_lens.append(num_tokens_from_messages(enc, messages) + extra)
            assistant_lens.append(num_assistant_tokens_from_messages(enc, messages))
    return {
        "examples": len(dataset) + format_errors["invalid_json"],
        "format_errors": dict(format_errors),
        "convo_lens": convo_lens,
        "assistant_lens": assistant_lens,
    }
