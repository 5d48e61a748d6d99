"""What can be wrong with a line of a dataset, and how bad it is (shared by data and store)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import IntEnum
from typing import Any


class Severity(IntEnum):
    """How a problem affects a fine-tuning job; higher is worse."""

    OK = 0
    WARNING = 1  # the job runs, but the data is probably not what you meant
    ERROR = 2  # the provider rejects the file (or fails the job at this example)


# Every kind we report, with its severity and a short explanation for the screens.
# The first seven names are the OpenAI cookbook's, so counts can be compared with it.
KINDS: dict[str, tuple[Severity, str]] = {
    "data_type": (Severity.ERROR, "the line is not a JSON object"),
    "missing_messages_list": (Severity.ERROR, "no non-empty `messages` list"),
    "message_missing_key": (Severity.ERROR, "a message lacks `role` or `content`"),
    "message_unrecognized_key": (Severity.ERROR, "a message has a key the API does not accept"),
    "unrecognized_role": (Severity.ERROR, "a message has a role the API does not accept"),
    "missing_content": (Severity.ERROR, "a message's content is null or not text"),
    "example_missing_assistant_message": (Severity.ERROR, "no assistant message to learn from"),
    "invalid_json": (Severity.ERROR, "the line is not valid JSON"),
    "invalid_utf8": (Severity.ERROR, "the line is not valid UTF-8"),
    "line_too_large": (Severity.ERROR, "the line is larger than tuiapp reads"),
    "too_deep": (Severity.ERROR, "values nested deeper than tuiapp (and the API) accept"),
    "example_unrecognized_key": (Severity.ERROR, "the example has a top-level key the API rejects"),
    "invalid_weight": (Severity.ERROR, "`weight` must be 0 or 1"),
    "weight_on_non_assistant": (Severity.ERROR, "`weight` is only allowed on assistant messages"),
    "invalid_name": (Severity.ERROR, "`name` must be a string"),
    "invalid_content_part": (Severity.ERROR, "a content part is not a valid text/image part"),
    "image_not_allowed": (Severity.ERROR, "images are only allowed in user messages"),
    "too_many_images": (Severity.ERROR, "more images in one example than the API accepts"),
    "invalid_tools": (Severity.ERROR, "`tools` is not a list of function tools"),
    "invalid_functions": (Severity.ERROR, "`functions` is not a list of function definitions"),
    "invalid_parallel_tool_calls": (Severity.ERROR, "`parallel_tool_calls` must be true or false"),
    "invalid_tool_calls": (Severity.ERROR, "`tool_calls` has the wrong shape"),
    "invalid_function_call": (Severity.ERROR, "`function_call` has the wrong shape"),
    "tool_missing_call_id": (Severity.ERROR, "a tool message has no `tool_call_id`"),
    "forbidden_special_token": (Severity.ERROR, "content holds a special token the API forbids"),
    "preference_missing_key": (Severity.ERROR, "a preference example lacks a required key"),
    "invalid_preference_output": (Severity.ERROR, "an output must be one assistant message"),
    "mixed_format": (Severity.ERROR, "chat and preference examples in one file"),
    "unknown_tool": (Severity.ERROR, "a tool call names a tool the example does not define"),
    "tool_arguments_invalid": (Severity.ERROR, "tool-call arguments break the tool's schema"),
    "empty_preference_answer": (Severity.ERROR, "a preference answer is empty"),
    "identical_preference_pair": (Severity.ERROR, "the preferred and non-preferred answers match"),
    "kto_undesirable": (Severity.ERROR, "a KTO record labelled undesirable: SFT would learn it"),
    "too_long": (Severity.WARNING, "over the model's token limit: the end will be cut off"),
    "unknown_tool_call_id": (Severity.WARNING, "a tool message answers a call that was not made"),
    "double_encoded_arguments": (Severity.WARNING, "tool-call arguments are JSON encoded twice"),
    "invalid_tool_schema": (Severity.WARNING, "a tool's `parameters` is not a valid JSON Schema"),
    "near_identical_preference_pair": (Severity.WARNING, "the two answers are nearly the same"),
    "preference_prompt_not_user": (Severity.WARNING, "the prompt does not end on a user turn"),
    "lossy_conversion": (Severity.WARNING, "part of the record has no OpenAI form: left out"),
    "empty_content": (Severity.WARNING, "a message's content is empty or only whitespace"),
    "bom": (Severity.WARNING, "the file starts with a UTF-8 byte-order mark"),
    "blank_line": (Severity.WARNING, "a blank line (skipped)"),
    "crlf": (Severity.WARNING, "Windows line endings (CRLF)"),
    "cr": (Severity.WARNING, "old Mac line endings (a lone CR): read as line breaks"),
    "too_few_examples": (Severity.ERROR, "the API needs at least 10 valid examples"),
    "empty_file": (Severity.ERROR, "the file has no examples"),
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one line: its kind, where (line, field path) and what."""

    kind: str
    line: int
    path: str = ""
    message: str = ""

    @property
    def severity(self) -> Severity:
        """How bad this kind of problem is."""
        return KINDS.get(self.kind, (Severity.ERROR, ""))[0]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Problem:
        """Rebuild from `to_dict` output."""
        return cls(data["kind"], int(data["line"]), data.get("path", ""), data.get("message", ""))

    def describe(self, unit: str = "line") -> str:
        """One line for people: `line 12 messages[2].role: unknown role 'bot'` (a file-level
        problem, line 0, is its message alone; `unit`: "record" for a JSON array's records,
        "row" for a table's rows)."""
        what = self.message or KINDS.get(self.kind, (0, self.kind))[1]
        if self.line <= 0 and not self.path:  # a problem of the whole file, not of a line
            return what
        where = f"{unit} {self.line}" + (f" {self.path}" if self.path else "")
        return f"{where}: {what}"


def worst(problems: list[Problem]) -> Severity:
    """The highest severity among the problems (OK when there are none)."""
    return max((p.severity for p in problems), default=Severity.OK)
