"""Check response bodies against OpenAI's published schemas (tests/openapi/openai_schemas.json)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

SCHEMAS_PATH = Path(__file__).parent / "openapi" / "openai_schemas.json"
MAX_MESSAGE = 300


@cache
def schema_document() -> dict[str, Any]:
    """Return the extracted schema document (its provenance is in source, commit and path)."""
    return json.loads(SCHEMAS_PATH.read_text(encoding="utf-8"))


def schema_names() -> list[str]:
    """Return the names of the components the local backend's responses must match."""
    return list(schema_document()["names"])


@cache
def _validator(schema_name: str) -> Draft202012Validator:
    """Return a validator for one component, resolving its $refs inside the same document."""
    document = schema_document()
    if schema_name not in document["$defs"]:
        raise KeyError(f"no schema {schema_name!r}; known: {', '.join(schema_names())}")
    schema = {**document, "$ref": f"#/$defs/{schema_name}"}
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _describe(error: ValidationError) -> str:
    """Return one line naming where the error is and why, with what each branch of a *Of said."""
    message = error.message
    if error.context:
        causes = dict.fromkeys(f"{e.json_path}: {e.message}" for e in error.context)
        message += f" ({'; '.join(causes)})"
    if len(message) > MAX_MESSAGE:
        message = message[: MAX_MESSAGE - 3] + "..."
    return f"{error.json_path}: {message}"


def schema_errors(schema_name: str, obj: Any) -> list[str]:
    """Return every way ``obj`` breaks the named schema, one line each, in document order."""
    errors = _validator(schema_name).iter_errors(obj)
    ordered = sorted(errors, key=lambda e: [str(part) for part in e.absolute_path])
    return [_describe(error) for error in ordered]


def assert_matches(schema_name: str, obj: Any) -> None:
    """Raise AssertionError listing every error path and message if ``obj`` breaks the schema."""
    problems = schema_errors(schema_name, obj)
    if problems:
        listing = "\n  ".join(problems)
        raise AssertionError(f"response does not match OpenAI's {schema_name}:\n  {listing}")
