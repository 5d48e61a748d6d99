"""Write a realistic chat JSONL file: varied lengths, system prompts, turns, tools, faults."""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import Any

SYSTEMS = [
    "You are a helpful assistant.",
    "You are Marv, a factual chatbot that is also sarcastic.",
    "You are a support agent for Acme Cloud. Answer briefly and link to the docs when useful.",
    "Classify the sentiment of the customer's message as positive, negative or neutral.",
    "You translate English into French. Keep the register of the original.",
]
WORDS = [
    "the",
    "model",
    "data",
    "training",
    "loss",
    "token",
    "example",
    "answer",
    "question",
    "cloud",
    "server",
    "account",
    "billing",
    "refund",
    "password",
    "reset",
    "error",
    "latency",
    "deploy",
    "region",
    "invoice",
    "customer",
    "order",
    "shipping",
    "delivery",
    "weather",
    "Paris",
    "London",
    "capital",
    "population",
    "history",
    "science",
    "river",
    "mountain",
]
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Current weather for a city",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    }
]
BROKEN = [
    '{"messages": [{"role": "user", "content": "unterminated}',
    '["not", "an", "object"]',
    '{"messages": []}',
    '{"messages": [{"role": "user", "content": "hi"}]}',
    '{"messages": [{"role": "bot", "content": "hi"}, {"role": "assistant", "content": "x"}]}',
    '{"messages": [{"role": "user"}, {"role": "assistant", "content": "x"}]}',
    '{"messages": [{"role": "user", "content": "hi", "extra": 1}, '
    '{"role": "assistant", "content": "x"}]}',
]


def sentence(rng: random.Random, lo: int, hi: int) -> str:
    """A sentence of lo..hi random words."""
    words = rng.choices(WORDS, k=rng.randint(lo, hi))
    return " ".join(words).capitalize() + rng.choice([".", "?", "!"])


def example(rng: random.Random) -> dict:
    """One valid chat example: maybe a system prompt, 1-3 turns, sometimes a tool call."""
    messages: list[dict[str, Any]] = []
    if rng.random() < 0.8:
        messages.append({"role": "system", "content": rng.choice(SYSTEMS)})
    if rng.random() < 0.1:
        messages += [
            {"role": "user", "content": "What's the weather in " + rng.choice(WORDS) + "?"},
            {
                "role": "assistant",
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": '{"temp_c": 18}'},
            {"role": "assistant", "content": sentence(rng, 5, 20)},
        ]
        return {"messages": messages, "tools": TOOLS}
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        messages.append({"role": "user", "content": sentence(rng, 3, 40)})
        messages.append(
            {
                "role": "assistant",
                "content": " ".join(sentence(rng, 4, 30) for _ in range(rng.randint(1, 6))),
            }
        )
    return {"messages": messages}


def write_dataset(path: Path, n: int, seed: int = 0, broken_every: int = 500) -> Path:
    """Write n lines to path; every `broken_every`-th line is one of the broken kinds."""
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as out:
        for i in range(n):
            if broken_every and i % broken_every == broken_every - 1:
                out.write(rng.choice(BROKEN) + "\n")
            else:
                out.write(json.dumps(example(rng), ensure_ascii=False) + "\n")
    return path


def main() -> None:
    """Command line: `python -m benchmarks.generate OUT N`."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("n", type=int)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    write_dataset(args.out, args.n, args.seed)
    print(f"wrote {args.n:,} examples to {args.out}")


if __name__ == "__main__":
    main()
