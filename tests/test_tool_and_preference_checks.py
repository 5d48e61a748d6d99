"""Tool calls checked against their tools' schemas, and preference pairs checked for meaning,
on records of LLaMA-Factory's glaive_toolcall_en_demo.json and dpo_en_demo.json converted by
hand to OpenAI's chat and preference JSONL (tests/fixtures)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from tuiapp.cli import main
from tuiapp.data.check_tools import fast_check, schema_problems
from tuiapp.data.tokens import TokenCounter
from tuiapp.data.validate import validate_file
from tuiapp.paths import AppPaths
from tuiapp.services.importer import open_dataset, run_import
from tuiapp.services.report import dataset_report
from tuiapp.store import open_store

FIXTURES = Path(__file__).parent / "fixtures"
Example = dict[str, Any]


def rows(name: str) -> list[Example]:
    """The fixture's examples (line n of the file is rows[n - 1])."""
    return [json.loads(line) for line in (FIXTURES / name).read_text().splitlines()]


def tool_rows() -> list[Example]:
    """Five glaive tool-calling conversations (search_recipes, calculate_area, ...)."""
    return rows("glaive_toolcall_openai.jsonl")


def pair_rows() -> list[Example]:
    """Three dpo_en_demo pairs."""
    return rows("dpo_en_openai.jsonl")


def validate(
    tmp_path: Path, examples: list[Example], capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, dict[str, Any]]:
    """Write the examples (repeated to the API's minimum of 10) and run `tuiapp validate`:
    (exit status, text output, --json report)."""
    path = tmp_path / "data.jsonl"
    padded = examples * (10 // len(examples) + 1)
    path.write_text("".join(json.dumps(e) + "\n" for e in padded))
    status = main(["validate", str(path)])
    text = capsys.readouterr().out
    assert main(["validate", str(path), "--json"]) == status
    return status, text, json.loads(capsys.readouterr().out)


def call(example: Example, message: int) -> dict[str, Any]:
    """The first tool call's function of one message."""
    function: dict[str, Any] = example["messages"][message]["tool_calls"][0]["function"]
    return function


def test_the_converted_real_files_pass(
    home: AppPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for examples in (tool_rows(), pair_rows()):
        status, text, report = validate(tmp_path, examples, capsys)
        assert status == 0 and report["format_errors"] == {}, text
        assert report["warnings"] == {}


def broken_tools() -> list[Example]:
    """One fault per line, each as seen in the issue."""
    examples = tool_rows()
    call(examples[0], 3)["name"] = "order_pizza"  # line 1: tools has only search_recipes
    args = {"shape": "rectangle", "dimensions": {"length": 5, "width": 3}}
    call(examples[1], 1)["arguments"] = json.dumps(json.dumps(args))  # line 2: encoded twice
    call(examples[2], 1)["arguments"] = '{"movie": 12345}'  # line 3: schema wants movie_id
    call(examples[3], 1)["arguments"] = '{"topics": ["tech"'  # line 4: unterminated
    call(examples[4], 1)["arguments"] = '{"bill_amount": "100", "tip_percentage": 15}'  # line 5
    return examples


@pytest.mark.parametrize(
    ("kind", "where"),
    [
        ("unknown_tool", "line 1 messages[3].tool_calls[0].function.name: calls 'order_pizza'"),
        ("double_encoded_arguments", "line 2 messages[1].tool_calls[0].function.arguments:"),
        (
            "tool_arguments_invalid",
            "line 3 messages[1].tool_calls[0].function.arguments.movie_id: "
            "'movie_id' is a required property",
        ),
        ("invalid_tool_calls", "line 4 messages[1].tool_calls[0].function.arguments: `arguments`"),
    ],
)
def test_each_tool_call_fault_is_named_with_its_line_and_field(
    kind: str, where: str, home: AppPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, text, report = validate(tmp_path, broken_tools(), capsys)
    assert status == 1 and report["rejected"]
    assert where in text
    assert report["first_lines"][kind][0] == int(where.split()[1])


def test_a_wrong_type_names_the_argument_and_the_type(
    home: AppPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, text, report = validate(tmp_path, broken_tools(), capsys)
    problems = report["first_problems"]["tool_arguments_invalid"]
    at_5 = [p for p in problems if p["line"] == 5]
    assert at_5 == [
        {
            "kind": "tool_arguments_invalid",
            "line": 5,
            "path": "messages[1].tool_calls[0].function.arguments.bill_amount",
            "message": "'100' is not of type 'number'",
        }
    ]
    assert report["warnings"] == {"double_encoded_arguments": 3}  # line 2 and its repeats


def test_a_tool_result_must_answer_an_earlier_call(
    home: AppPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    examples = tool_rows()
    examples[1]["messages"][2]["tool_call_id"] = "call_nobody_made"
    status, text, report = validate(tmp_path, examples, capsys)
    assert "line 2 messages[2].tool_call_id: no earlier tool call has id 'call_nobody_made'" in text
    assert report["warnings"]["unknown_tool_call_id"] == 3


def test_legacy_functions_are_checked_like_tools(
    home: AppPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    examples = tool_rows()
    for example in examples:
        example["functions"] = [t["function"] for t in example.pop("tools")]
    call(examples[2], 1)["arguments"] = '{"movie_id": 12345}'
    status, text, _ = validate(tmp_path, examples, capsys)
    assert status == 1
    assert "line 3 messages[1].tool_calls[0].function.arguments.movie_id: 12345 is not of" in text


def test_tool_call_only_answers_count_as_assistant_tokens() -> None:
    counter = TokenCounter("o200k_base")
    example = tool_rows()[2]
    calling = example["messages"][1]  # an assistant turn with only a tool call
    assert counter.assistant([calling]) == counter.value(calling["tool_calls"]) > 0
    final = example["messages"][3]
    both = counter.assistant([calling, final])
    assert both == counter.value(calling["tool_calls"]) + counter.text(final["content"])


def near_copy(text: str) -> str:
    """The text with one word changed near its end."""
    return text[:-10] + "X" + text[-9:]


PAIR_FAULTS: list[tuple[str, Callable[[Example], None], str]] = [
    (
        "identical_preference_pair",
        lambda e: e["non_preferred_output"][0].update(
            content="  " + e["preferred_output"][0]["content"].replace(" ", "\n ") + "\n"
        ),
        "line 1 non_preferred_output: the preferred and non-preferred answers are the same text",
    ),
    (
        "near_identical_preference_pair",
        lambda e: e["non_preferred_output"][0].update(
            content=near_copy(e["preferred_output"][0]["content"])
        ),
        "line 1 non_preferred_output: the answers are 99.9% the same text",
    ),
    (
        "empty_preference_answer",
        lambda e: e["preferred_output"][0].update(content=" \n "),
        "line 1 preferred_output[0].content: this answer is empty",
    ),
    (
        "preference_prompt_not_user",
        lambda e: e["input"]["messages"].append({"role": "assistant", "content": "Sure."}),
        "line 1 input.messages[1].role: the prompt ends on a assistant turn",
    ),
]


@pytest.mark.parametrize(("kind", "fault", "where"), PAIR_FAULTS, ids=[f[0] for f in PAIR_FAULTS])
def test_each_preference_fault_is_named_with_its_line(
    kind: str,
    fault: Callable[[Example], None],
    where: str,
    home: AppPaths,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    examples = pair_rows()
    fault(examples[0])
    status, text, report = validate(tmp_path, examples, capsys)
    assert where in text
    assert report["first_lines"][kind][0] == 1
    errors = kind in ("identical_preference_pair", "empty_preference_answer")
    assert (status == 1) is errors and (kind in report["format_errors"]) is errors


def test_a_pair_that_differs_a_little_more_is_not_near_identical(
    home: AppPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    examples = pair_rows()
    answer = examples[0]["preferred_output"][0]["content"]
    examples[0]["non_preferred_output"][0]["content"] = answer[: int(len(answer) * 0.85)]
    assert validate(tmp_path, copy.deepcopy(examples), capsys)[2]["warnings"] == {}


def test_the_report_shows_the_length_bias_of_the_pairs(home: AppPaths, tmp_path: Path) -> None:
    examples = pair_rows()
    path = tmp_path / "pairs.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in examples * 4))
    store = open_store(home.database)
    dataset = open_dataset(store, path)
    for _ in run_import(store, dataset.id):
        pass
    report = dataset_report(store, dataset.id)
    store.close()
    counter = TokenCounter("o200k_base")
    diffs = [
        counter.text(e["preferred_output"][0]["content"])
        - counter.text(e["non_preferred_output"][0]["content"])
        for e in examples
    ]
    longer = sum(d > 0 for d in diffs)
    assert report.pair_diffs == diffs * 4
    mean = sum(diffs) / 3
    assert report.length_bias_line == (
        f"length bias: preferred answer longer in {4 * longer} of 12 pairs "
        f"({longer / 3:.0%}), mean difference {mean:+,.1f} tokens"
    )


def test_a_chat_report_has_no_length_bias(home: AppPaths, tmp_path: Path) -> None:
    path = tmp_path / "chat.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in tool_rows() * 2))
    store = open_store(home.database)
    dataset = open_dataset(store, path)
    for _ in run_import(store, dataset.id):
        pass
    report = dataset_report(store, dataset.id)
    store.close()
    assert report.usable == 10 and report.pair_diffs == [] and report.length_bias_line == ""


SCHEMA = {
    "type": "object",
    "properties": {
        "n": {"type": "integer"},
        "x": {"type": ["number", "null"]},
        "unit": {"type": "string", "enum": ["c", "f"]},
        "tags": {"type": "array", "items": {"type": "string"}},
        "flag": {"enum": [1, "yes"]},
        "pct": {"type": "number", "minimum": 0, "maximum": 100},
        "code": {"type": "string", "minLength": 2, "maxLength": 3},
        "few": {"type": "array", "minItems": 1, "maxItems": 2},
        "only": {"type": "object", "properties": {"a": {}}, "additionalProperties": False},
    },
    "required": ["n"],
}
VALUES = [
    {"n": 1},
    {"n": True},
    {"n": 1.0},
    {"n": 1, "x": None},
    {"n": 1, "x": False},
    {"n": 1, "unit": "k"},
    {"n": 1, "tags": ["a", 2]},
    {"n": 1, "flag": True},
    {"n": 1, "flag": 1.0},
    {"x": 2.5},
    {"n": 1, "pct": 100.0, "code": "ab", "few": [1, 2], "only": {"a": [1]}},
    {"n": 1, "pct": -1},
    {"n": 1, "pct": True},
    {"n": 1, "code": "abcd"},
    {"n": 1, "few": []},
    {"n": 1, "only": {"b": 1}},
    [],
    "n",
]


@pytest.mark.parametrize("value", VALUES, ids=[json.dumps(v) for v in VALUES])
def test_the_quick_schema_test_never_passes_what_jsonschema_fails(value: Any) -> None:
    quick = fast_check(SCHEMA)
    assert quick is not None
    valid = Draft202012Validator(SCHEMA).is_valid(value)
    assert not quick(value) or valid
    assert (schema_problems(SCHEMA, value, 1, "a") == []) is valid


def test_keywords_beyond_the_quick_test_are_checked_by_jsonschema(
    home: AppPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    examples = tool_rows()
    tip = examples[4]["tools"][0]["function"]["parameters"]["properties"]["tip_percentage"]
    tip["exclusiveMinimum"] = 0
    assert fast_check(examples[4]["tools"][0]["function"]["parameters"]) is None
    call(examples[4], 1)["arguments"] = '{"bill_amount": 100, "tip_percentage": -15}'
    status, text, _ = validate(tmp_path, examples, capsys)
    assert status == 1
    where = "line 5 messages[1].tool_calls[0].function.arguments.tip_percentage"
    assert f"{where}: -15 is less than or equal to the minimum of 0" in text


def test_the_cookbook_statistics_count_missing_system_and_user_messages(
    home: AppPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    examples = tool_rows()  # glaive has no system prompts: every example lacks one
    examples[0]["messages"].insert(0, {"role": "system", "content": "You can call tools."})
    examples[1]["messages"] = [m for m in examples[1]["messages"] if m["role"] != "user"]
    status, text, report = validate(tmp_path, examples, capsys)  # 5 examples, 3 times
    assert (report["n_missing_system"], report["n_missing_user"]) == (12, 3)
    messages = sorted(len(e["messages"]) for e in examples * 3)
    stats = report["num_messages_per_example"]
    assert (stats["count"], stats["min"], stats["max"]) == (15, messages[0], messages[-1])
    assert "num examples missing system message: 12 · missing user message: 3" in text
    assert f"num messages per example  min {messages[0]} · " in text


def test_the_statistics_do_not_depend_on_the_number_of_workers(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in tool_rows() * 40))
    one, four = validate_file(path, workers=1).to_json(), validate_file(path, workers=4).to_json()
    for key in ("n_missing_system", "n_missing_user", "num_messages_per_example"):
        assert one[key] == four[key]
    assert one["n_missing_system"] == 200


def test_a_file_level_problem_has_no_line_0(
    home: AppPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "few.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in tool_rows()))
    assert main(["validate", str(path)]) == 1
    text = capsys.readouterr().out
    assert "file: 5 valid, the API needs 10\n" in text and "line 0" not in text
