"""Exact token counts, offline: tiktoken encodings built from BPE files shipped in the package."""

from __future__ import annotations

import marshal
import os
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Any

import orjson
import tiktoken
from tiktoken.load import load_tiktoken_bpe

from tuiapp.paths import app_paths

ENDOFTEXT = "<|endoftext|>"
FIM_PREFIX = "<|fim_prefix|>"
FIM_MIDDLE = "<|fim_middle|>"
FIM_SUFFIX = "<|fim_suffix|>"
ENDOFPROMPT = "<|endofprompt|>"

# Same pattern strings, hashes and special tokens as tiktoken_ext.openai_public.
_O200K_PAT = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)
_CL100K_PAT = r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""  # noqa: E501

_SPECS: dict[str, tuple[str, str, dict[str, int]]] = {
    "o200k_base": (
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
        _O200K_PAT,
        {ENDOFTEXT: 199999, ENDOFPROMPT: 200018},
    ),
    "cl100k_base": (
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
        _CL100K_PAT,
        {
            ENDOFTEXT: 100257,
            FIM_PREFIX: 100258,
            FIM_MIDDLE: 100259,
            FIM_SUFFIX: 100260,
            ENDOFPROMPT: 100276,
        },
    ),
}

# Special tokens the fine-tuning API refuses inside content, whatever the model's encoding.
FORBIDDEN_TOKENS = (
    ENDOFTEXT,
    FIM_PREFIX,
    FIM_MIDDLE,
    FIM_SUFFIX,
    ENDOFPROMPT,
    "<|im_start|>",
    "<|im_end|>",
    "<|im_sep|>",
)

TOKENS_PER_MESSAGE = 3  # the cookbook's num_tokens_from_messages constants
TOKENS_PER_NAME = 1
REPLY_PRIMING = 3
# what an assistant turn is billed for as output: its text and the calls it makes
_BILLED_ASSISTANT_KEYS = frozenset({"content", "tool_calls", "function_call"})


@cache
def encoding(name: str) -> tiktoken.Encoding:
    """Build the named encoding from the BPE file inside the package (no download)."""
    if name not in _SPECS:
        raise ValueError(f"unknown encoding {name!r}; known: {', '.join(_SPECS)}")
    expected_hash, pat_str, special = _SPECS[name]
    ranks = _cached_ranks(name, expected_hash)
    return tiktoken.Encoding(name, pat_str=pat_str, mergeable_ranks=ranks, special_tokens=special)


def _cached_ranks(name: str, expected_hash: str) -> dict[bytes, int]:
    """The BPE ranks, from a marshal copy in the cache dir when there is one.

    Parsing the base64 rank file takes ~0.4 s; the marshal copy loads in ~0.03 s, which is
    what puts the first page of a new file on screen in under a second."""
    cached = app_paths().cache_dir / "tiktoken" / f"{name}-{expected_hash[:16]}.marshal"
    try:
        ranks = marshal.loads(cached.read_bytes())
        if isinstance(ranks, dict):
            return ranks
    except (OSError, ValueError, EOFError, TypeError):
        pass
    path = resources.files("tuiapp.data").joinpath("tiktoken", f"{name}.tiktoken")
    ranks = load_tiktoken_bpe(str(path), expected_hash=expected_hash)  # checks the SHA-256
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(marshal.dumps(ranks))
        os.replace(tmp, cached)
    except OSError:
        pass  # a read-only cache only costs speed
    return ranks


def forbidden_token_in(text: str) -> str | None:
    """The first forbidden special token found in text, if any."""
    if "<|" not in text:  # fast path: almost every string
        return None
    return next((tok for tok in FORBIDDEN_TOKENS if tok in text), None)


class TokenCounter:
    """Counts tokens like the cookbook's `num_tokens_from_messages`, memoising repeated strings."""

    _CACHE_MAX = 200_000
    _CACHEABLE_LEN = 4_096
    # tiktoken's pattern overflows its stack on ~1M characters of spaces (a Rust panic, which
    # no `except Exception` catches): longer texts are counted in pieces, within a token or so
    # of the exact count per piece.
    _PIECE = 100_000

    def __init__(self, encoding_name: str) -> None:
        self.encoding_name = encoding_name
        self._encode = encoding(encoding_name).encode_ordinary
        self._cache: dict[str, int] = {}

    def text(self, text: str) -> int:
        """Tokens in a string; special-token text counts as ordinary text."""
        n = self._cache.get(text)
        if n is None:
            if len(text) > 2 * self._PIECE:
                step = self._PIECE
                return sum(len(self._encode(text[i : i + step])) for i in range(0, len(text), step))
            n = len(self._encode(text))
            if len(text) <= self._CACHEABLE_LEN:
                if len(self._cache) >= self._CACHE_MAX:
                    self._cache.clear()
                self._cache[text] = n
        return n

    def value(self, value: Any) -> int:
        """Tokens in a field: text as is, anything else (tool calls, tool lists) as JSON."""
        if value is None:
            return 0
        if isinstance(value, str):
            return self.text(value)
        try:
            return self.text(orjson.dumps(value).decode())
        except orjson.JSONEncodeError:  # nested past orjson's limit: count its strings
            return sum(self.text(leaf) for leaf in _strings(value)) + 1

    def content(self, content: Any) -> int:
        """Tokens in message content: text, or the text parts of a content list."""
        if isinstance(content, list):
            return sum(
                self.text(p["text"])
                for p in content
                if isinstance(p, dict) and isinstance(p.get("text"), str)
            )
        return self.value(content)

    def conversation(self, messages: list[Any]) -> tuple[int, int]:
        """(prompt tokens, assistant tokens) of a conversation, in one pass; an assistant turn's
        tool calls (as JSON, arguments included) count as assistant tokens, as the API bills them.

        Prompt tokens follow the cookbook: 3 per message, +1 per name, +3 reply priming."""
        cache = self._cache  # this loop runs for every message of every file: keep it tight
        total = REPLY_PRIMING
        assistant = 0
        for message in messages:
            total += TOKENS_PER_MESSAGE
            if type(message) is not dict:
                continue
            is_assistant = message.get("role") == "assistant"
            for key, value in message.items():
                if type(value) is str:
                    n = cache.get(value)
                    if n is None:
                        n = self.text(value)
                elif key == "content":
                    n = self.content(value)
                elif key != "weight":  # a training flag, never shown to the model
                    n = self.value(value)
                else:
                    continue
                total += n
                if key == "name":
                    total += TOKENS_PER_NAME
                elif is_assistant and key in _BILLED_ASSISTANT_KEYS:
                    assistant += n
        return total, assistant

    def messages(self, messages: list[Any]) -> int:
        """Prompt tokens of a conversation."""
        return self.conversation(messages)[0]

    def assistant(self, messages: list[Any]) -> int:
        """Tokens of assistant messages: content and tool calls (what the model learns to write)."""
        return self.conversation(messages)[1]


def _strings(value: Any) -> Iterator[str]:
    """Every string (keys included) inside a JSON value, without recursion."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            yield node
        elif isinstance(node, dict):
            stack += node.keys()
            stack += node.values()
        elif isinstance(node, list):
            stack += node
