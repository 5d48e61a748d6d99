"""The hostile files of the fuzz benchmark: a dozen valid lines around one hostile line (a
mutation of a valid example, or a line hostile as a whole), and files hostile as a whole."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from typing import Any

from benchmarks.fuzz_cases import (
    DEPTHS,
    JSON_DEPTHS,
    URL,
    VALID_LINES,
    Case,
    line,
    mutate,
    nested,
    valid_chat,
    valid_preference,
)


def _structural(rng: random.Random, good: dict[str, Any]) -> tuple[str, bytes]:
    """Lines that are hostile as a whole: not objects, not JSON, not UTF-8, rules of the API."""
    user = {"role": "user", "content": "hi"}
    answer = {"role": "assistant", "content": "hello"}
    image = {"type": "image_url", "image_url": {"url": URL}}
    depth = rng.choice(DEPTHS + JSON_DEPTHS)
    options: list[tuple[str, bytes]] = [
        ("null line", b"null"),
        ("number line", rng.choice([b"0", b"1", b"-2.5e300", b"123456789012345678901234567890"])),
        ("string line", b'"messages"'),
        ("array line", line([good])),
        ("bool line", b"true"),
        ("empty object", b"{}"),
        ("empty messages", b'{"messages": []}'),
        (f"deep root {depth}", b"[" * depth + b"]" * depth),
        (f"deep dict {depth}", b'{"a":' * depth + b"1" + b"}" * depth),
        ("content []", line({"messages": [{"role": "user", "content": []}, answer]})),
        (
            "image without url",
            line(
                {
                    "messages": [
                        {**user, "content": [{"type": "image_url", "image_url": {}}]},
                        answer,
                    ]
                }
            ),
        ),
        (
            "image part no image_url",
            line({"messages": [{**user, "content": [{"type": "image_url"}]}, answer]}),
        ),
        (
            "text part extra key",
            line(
                {"messages": [{**user, "content": [{"type": "text", "text": "a", "x": 1}]}, answer]}
            ),
        ),
        ("image in assistant", line({"messages": [user, {**answer, "content": [image]}]})),
        (
            "image in system",
            line({"messages": [{"role": "system", "content": [image]}, user, answer]}),
        ),
        ("65 images", line({"messages": [{**user, "content": [image] * 65}, answer]})),
        (
            "arguments not json",
            line(
                {
                    "messages": [
                        user,
                        {
                            "role": "assistant",
                            "tool_calls": [
                                {
                                    "id": "c1",
                                    "type": "function",
                                    "function": {"name": "f", "arguments": "{oops"},
                                }
                            ],
                        },
                    ]
                }
            ),
        ),
        ("no assistant", line({"messages": [user]})),
        ("special token", line({"messages": [user, {**answer, "content": "<|endoftext|>"}]})),
        ("truncated json", line(good)[: rng.randrange(1, 40)]),
        ("trailing comma", line(good)[:-1] + b",}"),
        ("nan", b'{"messages": NaN}'),
        ("single quotes", b"{'messages': []}"),
        ("lone surrogate", b'{"messages": [{"role": "user", "content": "\\ud800"}]}'),
        ("nul byte", line(good)[:5] + b"\x00" + line(good)[5:]),
        ("raw control char", b'{"messages": [{"role": "user", "content": "a\x01b"}]}'),
        ("bad utf-8", line(good).replace(b'"content": "', b'"content": "\xff', 1)),
        ("overlong utf-8", line(good).replace(b'"content": "', b'"content": "\xc0\xaf', 1)),
        ("cut utf-8", line(good)[:-2] + b"\xe2\x82"),
        ("utf-16 line", json.dumps(good).encode("utf-16")),
        ("huge invalid line", b'{"messages": "' + b"x" * rng.randrange(1 << 20, 3 << 20)),
        ("role list", line({"messages": [{"role": ["user"], "content": "a"}, answer]})),
        ("role object", line({"messages": [{"role": {"r": 1}, "content": "a"}, answer]})),
        (
            "part type list",
            line({"messages": [{**user, "content": [{"type": ["text"]}]}, answer]}),
        ),
        ("part type object", line({"messages": [{**user, "content": [{"type": {}}]}, answer]})),
        (
            "weight deep",
            line({"messages": [user, {**answer, "weight": nested(rng.choice(DEPTHS))}]}),
        ),
        (
            "content deep",
            line({"messages": [user, {**answer, "content": nested(rng.choice(DEPTHS))}]}),
        ),
    ]
    return rng.choice(options)


def _badline(rng: random.Random, good: dict[str, Any]) -> tuple[str, bytes]:
    """A hostile line: a mutation of a valid example or a structural one."""
    if rng.random() < 0.55:
        mutated = mutate(good, rng)
        if mutated is not None:
            return mutated[0], line(mutated[1])
    return _structural(rng, good)


def _file_level(rng: random.Random, i: int) -> Case:
    """Files that are hostile as a whole."""
    good = [line(valid_chat(rng)) for _ in range(VALID_LINES)]
    spaces = line(
        {
            "messages": [
                {"role": "user", "content": "a" + " " * 1_100_000},
                {"role": "assistant", "content": "b"},
            ]
        }
    )
    options = [
        Case("empty file", b"", 0),
        Case("blank lines only", b"\n\n \n\t\n", 0),
        Case("crlf blank only", b"\r\n\r\n", 0),
        Case("cr blank only", b"\r\r\r", 0),
        Case("bom only", b"\xef\xbb\xbf", 0),
        Case("cr-only valid", b"\r".join(good) + b"\r", None),
        Case(
            "mixed endings valid",
            b"".join(g + rng.choice([b"\n", b"\r\n", b"\r"]) for g in good),
            None,
        ),
        Case("no final newline", b"\n".join(good), None),
        Case("bom valid", b"\xef\xbb\xbf" + b"\n".join(good) + b"\n", None),
        Case("a million spaces", b"\n".join([*good[:3], spaces, *good[3:]]) + b"\n", None),
    ]
    return options[i % len(options)]


def cases(seed: int = 20261201, n: int = 2200) -> Iterator[Case]:
    """n hostile files, the same for the same seed."""
    rng = random.Random(seed)
    for i in range(n):
        if i % 20 == 0:
            yield _file_level(rng, i // 20)
            continue
        preference = rng.random() < 0.1
        make = valid_preference if preference else valid_chat
        lines = [line(make(rng)) for _ in range(VALID_LINES)]
        good = make(rng)
        name, bad = _badline(rng, good)
        # the first line decides a file's format: keep a mutated preference line off it
        at = rng.randrange(1 if preference else 0, VALID_LINES + 1)
        lines.insert(at, bad)
        ending = rng.choices([b"\n", b"\r\n", b"\r"], [8, 1, 1])[0]
        yield Case(f"{'pref ' if preference else ''}{name}", ending.join(lines) + ending, at + 1)
