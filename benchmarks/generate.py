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


def _tool(name: str, description: str, properties: dict[str, Any], required: list[str]) -> dict:
    """A function tool with a JSON-schema `parameters` object."""
    parameters = {"type": "object", "properties": properties, "required": required}
    return {
        "type": "function",
        "function": {"name": name, "description": description, "parameters": parameters},
    }


# Tools of the kind glaive_toolcall_en_demo.json defines; each example gets 1-3 of them.
MORE_TOOLS = [
    _tool(
        "get_movie_details", "Details of a movie", {"movie_id": {"type": "string"}}, ["movie_id"]
    ),
    _tool(
        "calculate_tip",
        "Tip for a bill",
        {"bill_amount": {"type": "number"}, "tip_percentage": {"type": "number", "minimum": 0}},
        ["bill_amount", "tip_percentage"],
    ),
    _tool(
        "search_recipes",
        "Recipes from ingredients",
        {"ingredients": {"type": "array", "items": {"type": "string"}, "minItems": 1}},
        ["ingredients"],
    ),
    _tool(
        "get_news",
        "Headlines",
        {"topics": {"type": "array", "items": {"type": "string"}}, "location": {"type": "string"}},
        ["topics"],
    ),
]
ARGUMENTS = {
    "get_weather": lambda rng: {"city": rng.choice(WORDS)},
    "get_movie_details": lambda rng: {"movie_id": str(rng.randint(1, 99999))},
    "calculate_tip": lambda rng: {"bill_amount": rng.randint(5, 500), "tip_percentage": 15},
    "search_recipes": lambda rng: {"ingredients": rng.choices(WORDS, k=3)},
    "get_news": lambda rng: {"topics": rng.choices(WORDS, k=2), "location": "Paris"},
}

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


def tool_example(rng: random.Random) -> dict:
    """A valid tool-calling example: 1-3 tools, 1-2 calls with results, then an answer."""
    tools = rng.sample(TOOLS + MORE_TOOLS, rng.randint(1, 3))
    messages: list[dict[str, Any]] = [{"role": "system", "content": rng.choice(SYSTEMS)}]
    for k in range(rng.randint(1, 2)):
        name = rng.choice(tools)["function"]["name"]
        arguments = json.dumps(ARGUMENTS[name](rng))
        messages += [
            {"role": "user", "content": sentence(rng, 4, 20)},
            {
                "role": "assistant",
                "tool_calls": [
                    {
                        "id": f"call_{k}",
                        "type": "function",
                        "function": {"name": name, "arguments": arguments},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": f"call_{k}", "content": '{"ok": true}'},
            {"role": "assistant", "content": sentence(rng, 5, 30)},
        ]
    return {"messages": messages, "tools": tools}


def write_dataset(
    path: Path, n: int, seed: int = 0, broken_every: int = 500, tool_calls: bool = False
) -> Path:
    """Write n lines to path; every `broken_every`-th line is one of the broken kinds; with
    `tool_calls`, every valid line is a tool-calling example with JSON-schema tools."""
    rng = random.Random(seed)
    make = tool_example if tool_calls else example
    with open(path, "w", encoding="utf-8") as out:
        for i in range(n):
            if broken_every and i % broken_every == broken_every - 1:
                out.write(rng.choice(BROKEN) + "\n")
            else:
                out.write(json.dumps(make(rng), ensure_ascii=False) + "\n")
    return path


def main() -> None:
    """Command line: `python -m benchmarks.generate OUT N`."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("n", type=int)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tool-calls", action="store_true", help="tool-calling examples only")
    args = parser.parse_args()
    write_dataset(args.out, args.n, args.seed, tool_calls=args.tool_calls)
    print(f"wrote {args.n:,} examples to {args.out}")


if __name__ == "__main__":
    main()
