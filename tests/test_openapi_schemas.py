"""The OpenAPI response checker accepts OpenAI-shaped bodies and rejects ones that break it."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from tests.openapi.extract_schemas import convert
from tests.openapi_check import SCHEMAS_PATH, assert_matches, schema_document, schema_names

JOB: dict[str, Any] = {
    "object": "fine_tuning.job",
    "id": "ftjob-abc123",
    "model": "SmolLM2-135M-Instruct",
    "created_at": 1721764800,
    "finished_at": None,
    "fine_tuned_model": None,
    "organization_id": "org-local",
    "result_files": [],
    "status": "queued",
    "validation_file": None,
    "training_file": "file-abc123",
    "hyperparameters": {"batch_size": 4, "learning_rate_multiplier": "auto", "n_epochs": 3},
    "trained_tokens": None,
    "error": None,
    "seed": 42,
    "method": {
        "type": "supervised",
        "supervised": {"hyperparameters": {"batch_size": 4, "n_epochs": 3}},
    },
    "metadata": {"experiment": "pirate"},
}
FILE = {
    "id": "file-abc123",
    "object": "file",
    "bytes": 120000,
    "created_at": 1677610602,
    "filename": "train.jsonl",
    "purpose": "fine-tune",
    "status": "processed",
}
FILE_LIST = {
    "object": "list",
    "data": [FILE],
    "first_id": "file-abc123",
    "last_id": "file-abc123",
    "has_more": False,
}
ERROR = {
    "error": {
        "message": "max_tokens must be at least 1",
        "type": "invalid_request_error",
        "param": "max_tokens",
        "code": None,
    }
}
CHAT = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1741569952,
    "model": "SmolLM2-135M-Instruct",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "Lisbon.", "refusal": None},
            "logprobs": None,
            "finish_reason": "stop",
        }
    ],
    "usage": {"prompt_tokens": 19, "completion_tokens": 3, "total_tokens": 22},
}
CHUNK = {
    "id": "chatcmpl-1",
    "object": "chat.completion.chunk",
    "created": 1741569952,
    "model": "SmolLM2-135M-Instruct",
    "choices": [{"index": 0, "delta": {"content": "Lis"}, "finish_reason": None}],
    "usage": None,
}
MODELS = {
    "object": "list",
    "data": [{"id": "SmolLM2-135M-Instruct", "object": "model", "created": 1, "owned_by": "local"}],
}
EVENTS = {
    "object": "list",
    "data": [
        {
            "object": "fine_tuning.job.event",
            "id": "ftevent-1",
            "created_at": 1721764800,
            "level": "info",
            "message": "Step 1/30: training loss=2.31",
            "type": "metrics",
            "data": {"step": 1, "train_loss": 2.31},
        }
    ],
    "has_more": False,
}
CHECKPOINTS = {
    "object": "list",
    "data": [
        {
            "object": "fine_tuning.job.checkpoint",
            "id": "ftckpt-1",
            "created_at": 1721764867,
            "fine_tuned_model_checkpoint": "ft:SmolLM2-135M-Instruct:local:abc:ckpt-step-10",
            "fine_tuning_job_id": "ftjob-abc123",
            "metrics": {"step": 10, "train_loss": 1.2},
            "step_number": 10,
        }
    ],
    "first_id": "ftckpt-1",
    "last_id": "ftckpt-1",
    "has_more": False,
}

VALID = [
    ("FineTuningJob", JOB),
    ("FineTuningJob", {**JOB, "status": "paused"}),
    ("ListPaginatedFineTuningJobsResponse", {"object": "list", "data": [JOB], "has_more": False}),
    ("ListFineTuningJobEventsResponse", EVENTS),
    ("ListFineTuningJobCheckpointsResponse", CHECKPOINTS),
    ("OpenAIFile", FILE),
    ("ListFilesResponse", FILE_LIST),
    ("DeleteFileResponse", {"id": "file-abc123", "object": "file", "deleted": True}),
    ("ListModelsResponse", MODELS),
    ("DeleteModelResponse", {"id": "ft:x", "object": "model", "deleted": True}),
    ("CreateChatCompletionResponse", CHAT),
    ("CreateChatCompletionStreamResponse", CHUNK),
    ("ErrorResponse", ERROR),
]


def _without(body: dict[str, Any], *path: str | int) -> dict[str, Any]:
    """Return a deep copy of body with the key at path removed."""
    broken = copy.deepcopy(body)
    target: Any = broken
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return broken


def _with(body: dict[str, Any], value: Any, *path: str | int) -> dict[str, Any]:
    """Return a deep copy of body with the value at path replaced."""
    broken = copy.deepcopy(body)
    target: Any = broken
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return broken


@pytest.mark.parametrize(("name", "body"), VALID, ids=[name for name, _ in VALID])
def test_checker_accepts_openai_shaped_bodies(name: str, body: dict[str, Any]) -> None:
    """Bodies written as OpenAI's API reference shows them pass."""
    assert_matches(name, body)


INVALID = [
    ("FineTuningJob", _without(JOB, "object"), r"\$: 'object' is a required property"),
    ("FineTuningJob", _with(JOB, "stopped", "status"), r"\$\.status: 'stopped' is not one of"),
    ("FineTuningJob", _without(JOB, "seed"), r"'seed' is a required property"),
    ("FineTuningJob", _with(JOB, "2024-07-23", "created_at"), r"\$\.created_at: .* not of type"),
    (
        "FineTuningJob",
        _with(JOB, 0, "hyperparameters", "n_epochs"),
        r"n_epochs: 0 is not valid.*less than the minimum of 1",
    ),
    ("ListFilesResponse", _without(FILE_LIST, "first_id"), r"'first_id' is a required property"),
    ("ListFilesResponse", _with(FILE_LIST, "uploads", "data", 0, "purpose"), r"data\[0\]\.purpose"),
    ("ErrorResponse", _without(ERROR, "error", "param"), r"\$\.error: 'param' is a required"),
    ("ErrorResponse", {"detail": "Not Found"}, r"'error' is a required property"),
    ("CreateChatCompletionResponse", _without(CHAT, "choices", 0, "logprobs"), r"'logprobs'"),
    (
        "CreateChatCompletionStreamResponse",
        _with(CHUNK, "done", "choices", 0, "finish_reason"),
        r"finish_reason: 'done' is not one of",
    ),
]


@pytest.mark.parametrize(("name", "body", "expected"), INVALID)
def test_checker_rejects_bodies_that_break_the_spec(name: str, body: Any, expected: str) -> None:
    """A body that breaks the schema raises AssertionError naming the path and the reason."""
    with pytest.raises(AssertionError) as caught:
        assert_matches(name, body)
    assert re.search(expected, str(caught.value)), str(caught.value)


def test_checker_lists_every_error() -> None:
    """Several faults in one body are all reported, not only the first."""
    broken = _with(_without(JOB, "object"), "stopped", "status")
    with pytest.raises(AssertionError) as caught:
        assert_matches("FineTuningJob", broken)
    lines = str(caught.value).splitlines()[1:]
    assert len(lines) == 2, lines
    assert any("'object' is a required" in line for line in lines)
    assert any(line.strip().startswith("$.status:") for line in lines)


def test_unknown_schema_name_is_an_error() -> None:
    """A typo in a schema name fails loudly instead of validating against nothing."""
    with pytest.raises(KeyError, match="FineTuningJob"):
        assert_matches("FineTuningJobs", JOB)


def test_document_names_its_source_and_is_valid_json_schema() -> None:
    """The stored schemas say where they came from and are a valid draft 2020-12 document."""
    document = schema_document()
    assert document["source"] == "https://github.com/openai/openai-openapi"
    assert re.fullmatch(r"[0-9a-f]{40}", document["commit"])
    assert document["path"] == "openapi.yaml"
    assert set(schema_names()) <= document["$defs"].keys()
    assert [note.split(" ")[0] for note in document["patches"]] == ["FineTuningJob.status"]
    Draft202012Validator.check_schema(document)
    text = SCHEMAS_PATH.read_text(encoding="utf-8")
    assert "#/components/" not in text and '"nullable"' not in text


def test_conversion_of_openapi_keywords() -> None:
    """nullable widens type and enum; boolean exclusive bounds become numbers; refs move."""
    refs: set[str] = set()
    schema = convert(
        {
            "type": "object",
            "x-oaiMeta": {"name": "dropped"},
            "properties": {
                "description": {"type": "string", "enum": ["a"], "nullable": True},
                "usage": {"$ref": "#/components/schemas/CompletionUsage", "nullable": True},
                "lr": {"type": "number", "minimum": 0, "exclusiveMinimum": True},
            },
        },
        refs,
    )
    assert refs == {"CompletionUsage"}
    assert json.loads(json.dumps(schema)) == {
        "type": "object",
        "properties": {
            "description": {"type": ["string", "null"], "enum": ["a", None]},
            "usage": {"anyOf": [{"$ref": "#/$defs/CompletionUsage"}, {"type": "null"}]},
            "lr": {"type": "number", "exclusiveMinimum": 0},
        },
    }
