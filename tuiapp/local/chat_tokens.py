"""Chat examples as token ids and labels: loss on assistant tokens only, weight 0 respected."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tuiapp.data.examine import content_text

IGNORE = -100  # label value the loss skips


@dataclass(frozen=True)
class Tokenized:
    """One training example: ids, labels (IGNORE where no loss), and how many tokens it has."""

    input_ids: list[int]
    labels: list[int]

    @property
    def trained_tokens(self) -> int:
        """Tokens that carry loss."""
        return sum(1 for t in self.labels if t != IGNORE)


def template_messages(messages: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Messages as the chat template expects them: role and text content (tool calls as JSON)."""
    out = []
    for m in messages:
        content = content_text(m.get("content"))
        if content == "":
            calls = m.get("tool_calls") or m.get("function_call")
            content = json.dumps(calls) if calls else ""
        out.append({"role": str(m.get("role")), "content": content})
    return out


def _ids(tokenizer: Any, messages: list[dict[str, str]], generation_prompt: bool) -> list[int]:
    """Token ids of a conversation rendered with the tokenizer's chat template."""
    text = tokenizer.apply_chat_template(
        messages, tokenize=False, add_generation_prompt=generation_prompt
    )
    return list(tokenizer(text, add_special_tokens=False)["input_ids"])


def tokenize_chat(tokenizer: Any, messages: list[dict[str, Any]], max_len: int) -> Tokenized:
    """Render the conversation; label the tokens of each assistant reply whose weight is not 0.

    Each assistant reply's span is found by rendering the conversation up to it with the
    generation prompt (so the role header is not learned) and up to its end."""
    rendered = template_messages(messages)
    input_ids = _ids(tokenizer, rendered, generation_prompt=False)
    labels = [IGNORE] * len(input_ids)
    for i, message in enumerate(messages):
        if message.get("role") != "assistant" or message.get("weight", 1) == 0:
            continue
        start = len(_ids(tokenizer, rendered[:i], generation_prompt=True))
        end = len(_ids(tokenizer, rendered[: i + 1], generation_prompt=False))
        for j in range(start, min(end, len(input_ids))):
            labels[j] = input_ids[j]
    return Tokenized(input_ids[:max_len], labels[:max_len])
