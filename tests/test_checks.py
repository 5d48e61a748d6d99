"""Format checks: each kind the API enforces, with worked examples, and valid data that passes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import chat
from tuiapp.data.checks import check_example


def kinds(obj: Any, fmt: str = "chat") -> list[str]:
    """The problem kinds for one example."""
    return sorted(p.kind for p in check_example(obj, 7, fmt))


def test_valid_chat_has_no_problems() -> None:
    assert kinds(chat()) == []


def test_valid_tool_calling_data_is_not_an_error() -> None:
    example = {
        "messages": [
            {"role": "user", "content": "Weather in Paris?"},
            {
                "role": "assistant",
                "tool_calls": [
                    {
                        "id": "c1",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "c1", "content": '{"temp": 18}'},
            {"role": "assistant", "content": "18 degrees.", "weight": 1},
        ],
        "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {}}}],
        "parallel_tool_calls": False,
    }
    assert kinds(example) == []


def test_legacy_function_call_without_content_is_valid() -> None:
    example = {
        "messages": [
            {"role": "user", "content": "hi"},
            {"role": "assistant", "function_call": {"name": "f", "arguments": "{}"}},
            {"role": "function", "name": "f", "content": "ok"},
            {"role": "assistant", "content": "done"},
        ],
        "functions": [{"name": "f", "parameters": {}}],
    }
    assert kinds(example) == []


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        ([1, 2], ["data_type"]),
        ("text", ["data_type"]),
        ({}, ["missing_messages_list"]),
        ({"messages": []}, ["missing_messages_list"]),
        ({"messages": "hi"}, ["missing_messages_list"]),
        (
            {"messages": [{"content": "hi"}, {"role": "assistant", "content": "x"}]},
            ["message_missing_key"],
        ),
        (
            {"messages": [{"role": "user"}, {"role": "assistant", "content": "x"}]},
            ["message_missing_key"],
        ),
        (
            {
                "messages": [
                    {"role": "user", "content": "a", "mood": 1},
                    {"role": "assistant", "content": "x"},
                ]
            },
            ["message_unrecognized_key"],
        ),
        (
            {"messages": [{"role": "bot", "content": "a"}, {"role": "assistant", "content": "x"}]},
            ["unrecognized_role"],
        ),
        (
            {
                "messages": [
                    {"role": "user", "content": None},
                    {"role": "assistant", "content": "x"},
                ]
            },
            ["missing_content"],
        ),
        (
            {"messages": [{"role": "user", "content": 5}, {"role": "assistant", "content": "x"}]},
            ["missing_content"],
        ),
        (
            {"messages": [{"role": "user", "content": "only a question"}]},
            ["example_missing_assistant_message"],
        ),
        (
            {
                "messages": [
                    {"role": "user", "content": "q"},
                    {"role": "assistant", "content": None},
                ]
            },
            ["missing_content"],
        ),
        ({**chat(), "extra": 1}, ["example_unrecognized_key"]),
    ],
)
def test_cookbook_kinds(obj: Any, expected: list[str]) -> None:
    assert kinds(obj) == expected


def test_weight_only_zero_or_one_and_only_on_assistant() -> None:
    example = {
        "messages": [
            {"role": "user", "content": "q", "weight": 1},
            {"role": "assistant", "content": "a", "weight": 0.5},
            {"role": "assistant", "content": "b", "weight": True},
        ]
    }
    problems = check_example(example, 3)
    assert sorted(p.kind for p in problems) == [
        "invalid_weight",
        "invalid_weight",
        "weight_on_non_assistant",
    ]
    assert {p.path for p in problems} == {
        "messages[0].weight",
        "messages[1].weight",
        "messages[2].weight",
    }
    assert all(p.line == 3 for p in problems)


@pytest.mark.parametrize("token", ["<|endoftext|>", "<|fim_prefix|>", "<|fim_suffix|>"])
def test_forbidden_special_tokens(token: str) -> None:
    problems = check_example(chat(answer=f"the end {token}"), 1)
    assert [(p.kind, p.path) for p in problems] == [
        ("forbidden_special_token", "messages[2].content")
    ]


def test_tool_shapes() -> None:
    bad_tools = {**chat(), "tools": [{"type": "function", "function": {"description": "x"}}]}
    assert kinds(bad_tools) == ["invalid_tools"]
    bad_parallel = {**chat(), "parallel_tool_calls": "yes"}
    assert kinds(bad_parallel) == ["invalid_parallel_tool_calls"]
    bad_functions = {**chat(), "functions": {"name": "f"}}
    assert kinds(bad_functions) == ["invalid_functions"]
    bad_calls = {
        "messages": [
            {"role": "user", "content": "q"},
            {"role": "assistant", "tool_calls": [{"id": "c", "function": {}}]},
        ]
    }
    assert set(kinds(bad_calls)) == {"invalid_tool_calls"}  # one per field: type, name, args
    tool_without_id = {
        "messages": [
            {"role": "user", "content": "q"},
            {"role": "tool", "content": "r"},
            {"role": "assistant", "content": "a"},
        ]
    }
    assert kinds(tool_without_id) == ["tool_missing_call_id"]


def test_empty_content_is_a_warning() -> None:
    problems = check_example(chat(answer="   "), 1)
    assert [(p.kind, p.severity.name) for p in problems] == [("empty_content", "WARNING")]


def test_content_parts() -> None:
    parts: dict[str, Any] = {
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "what is this?"},
                    {"type": "image_url", "image_url": {"url": "https://x"}},
                ],
            },
            {"role": "assistant", "content": "a cat"},
        ]
    }
    assert kinds(parts) == []
    parts["messages"][0]["content"].append({"type": "audio"})
    assert kinds(parts) == ["invalid_content_part"]


def test_preference_format() -> None:
    good = {
        "input": {"messages": [{"role": "user", "content": "Hi"}]},
        "preferred_output": [{"role": "assistant", "content": "Hello!"}],
        "non_preferred_output": [{"role": "assistant", "content": "What."}],
    }
    assert kinds(good, "preference") == []
    missing = {"input": good["input"], "preferred_output": good["preferred_output"]}
    assert kinds(missing, "preference") == ["preference_missing_key"]
    two = {**good, "preferred_output": [{"role": "assistant", "content": "a"}] * 2}
    assert kinds(two, "preference") == ["invalid_preference_output"]
    assert kinds(chat(), "preference") == ["mixed_format"]
    assert kinds(good, "chat") == ["mixed_format"]
