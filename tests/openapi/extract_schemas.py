"""Extract the response schemas the local backend must match from OpenAI's OpenAPI spec.

The output, ``tests/openapi/openai_schemas.json``, is one self-contained JSON Schema
(draft 2020-12) document: the components named in ``NAMES`` and every component they reach,
under ``$defs``, with OpenAPI-only keywords converted or dropped so that ``jsonschema`` checks
them. ``tests/openapi_check.py`` validates server responses against it.

Re-run it on a newer copy of the spec (https://github.com/openai/openai-openapi):

    git clone --bare https://github.com/openai/openai-openapi /tmp/openai-openapi.git
    python tests/openapi/extract_schemas.py --git-dir /tmp/openai-openapi.git --rev HEAD

or, with a spec file already on disk (name the commit it came from):

    python tests/openapi/extract_schemas.py --spec openapi.yaml --commit <sha>

then run ``python -m pytest tests/test_openapi_schemas.py`` and review the diff of the JSON.
``openapi.json`` in that repository holds the same document as ``openapi.yaml`` and needs no
YAML parser; ``.yaml`` needs PyYAML.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

SOURCE = "https://github.com/openai/openai-openapi"
OUT = Path(__file__).with_name("openai_schemas.json")
NAMES = [
    "FineTuningJob",
    "ListPaginatedFineTuningJobsResponse",
    "FineTuningJobEvent",
    "ListFineTuningJobEventsResponse",
    "FineTuningJobCheckpoint",
    "ListFineTuningJobCheckpointsResponse",
    "OpenAIFile",
    "ListFilesResponse",
    "DeleteFileResponse",
    "Model",
    "ListModelsResponse",
    "DeleteModelResponse",
    "CreateChatCompletionResponse",
    "CreateChatCompletionStreamResponse",
    "ErrorResponse",
    "Error",
]
REF_PREFIX = "#/components/schemas/"
# Annotations that never change what validates; dropped to keep the file small.
DROPPED = {"description", "title", "example", "examples", "discriminator", "min_items", "max_items"}
# Keywords whose value maps names to schemas (the names are data, not keywords).
NAME_MAPS = {"properties", "patternProperties", "$defs", "dependentSchemas"}
COMBINATORS = {"anyOf", "oneOf", "allOf", "not", "$ref", "if"}
# Where the spec contradicts itself, the fix applied, recorded in the output's "patches".
PATCHES = [
    (
        ("FineTuningJob", "properties", "status", "enum"),
        "paused",
        "FineTuningJob.status also allows 'paused': the spec's own /fine_tuning/jobs/{id}/pause"
        " example answers with it, but the enum omits it.",
    ),
]


def convert(node: Any, refs: set[str]) -> Any:
    """Return ``node`` as draft 2020-12 JSON Schema; add the components it references to refs."""
    if isinstance(node, list):
        return [convert(item, refs) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in DROPPED or key.startswith("x-") or key == "nullable":
            continue
        if key in NAME_MAPS and isinstance(value, dict):
            out[key] = {name: convert(sub, refs) for name, sub in value.items()}
        elif key == "$ref":
            if not value.startswith(REF_PREFIX):
                raise ValueError(f"unsupported $ref {value!r}")
            name = value[len(REF_PREFIX) :]
            refs.add(name)
            out[key] = f"#/$defs/{name}"
        else:
            out[key] = convert(value, refs)
    _fix_exclusive_bounds(out)
    if node.get("nullable") is True:
        return _allow_null(out)
    return out


def _fix_exclusive_bounds(schema: dict[str, Any]) -> None:
    """Turn OpenAPI 3.0's boolean exclusiveMinimum/Maximum into draft 2020-12 numbers."""
    for bound, exclusive in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
        flag = schema.get(exclusive)
        if isinstance(flag, bool):
            del schema[exclusive]
            if flag and bound in schema:
                schema[exclusive] = schema.pop(bound)


def _allow_null(schema: dict[str, Any]) -> dict[str, Any]:
    """Return ``schema`` widened to accept null, as OpenAPI's ``nullable: true`` means."""
    if "type" in schema and not COMBINATORS & schema.keys():
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        schema["type"] = [*types, "null"] if "null" not in types else types
        if "enum" in schema and None not in schema["enum"]:
            schema["enum"] = [*schema["enum"], None]
        return schema
    return {"anyOf": [schema, {"type": "null"}]}


def extract(spec: dict[str, Any], names: list[str]) -> dict[str, Any]:
    """Return the converted components ``names`` and all they reach, keyed by component name."""
    components = spec["components"]["schemas"]
    defs: dict[str, Any] = {}
    pending = list(names)
    while pending:
        name = pending.pop()
        if name in defs:
            continue
        refs: set[str] = set()
        defs[name] = convert(components[name], refs)
        pending.extend(sorted(refs - defs.keys()))
    return dict(sorted(defs.items()))


def apply_patches(defs: dict[str, Any]) -> list[str]:
    """Add each PATCHES value to the enum it names in defs and return the notes of those applied."""
    notes = []
    for path, value, note in PATCHES:
        target: Any = defs
        for key in path:
            target = target[key]
        if value not in target:
            target.append(value)
            notes.append(note)
    return notes


def load_spec(text: str, path: str) -> dict[str, Any]:
    """Parse the spec's text as JSON or, for a .yaml/.yml path, as YAML."""
    if path.endswith((".yaml", ".yml")):
        import yaml  # only needed for the YAML copy of the spec

        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        return yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader
    return json.loads(text)


def build_document(spec: dict[str, Any], commit: str, path: str) -> dict[str, Any]:
    """Return the self-contained schema document with its provenance recorded at the top."""
    defs = extract(spec, NAMES)
    patches = apply_patches(defs)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$comment": "Generated by tests/openapi/extract_schemas.py; do not edit by hand.",
        "source": SOURCE,
        "commit": commit,
        "path": path,
        "spec_version": spec.get("info", {}).get("version"),
        "names": NAMES,
        "patches": patches,
        "$defs": defs,
    }


def _git(git_dir: str, *args: str) -> str:
    """Run a git command against a (bare) clone of the spec repository and return its stdout."""
    return subprocess.run(
        ["git", f"--git-dir={git_dir}", *args], check=True, capture_output=True, text=True
    ).stdout


def main(argv: list[str] | None = None) -> int:
    """Read the spec from a git clone or a file and write ``openai_schemas.json``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--git-dir", help="a clone of openai/openai-openapi (bare is fine)")
    parser.add_argument("--rev", default="HEAD", help="revision to read with --git-dir")
    parser.add_argument("--spec", help="a spec file on disk instead of --git-dir")
    parser.add_argument("--commit", help="the commit --spec came from (required with --spec)")
    parser.add_argument("--path", default="openapi.yaml", help="the spec's path in the repo")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    if args.git_dir:
        commit = _git(args.git_dir, "rev-parse", f"{args.rev}^{{commit}}").strip()
        text = _git(args.git_dir, "show", f"{commit}:{args.path}")
    elif args.spec and args.commit:
        commit, text = args.commit, Path(args.spec).read_text(encoding="utf-8")
    else:
        parser.error("give --git-dir, or --spec with --commit")
    document = build_document(load_spec(text, args.spec or args.path), commit, args.path)
    args.out.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", "utf-8")
    print(f"{args.out}: {len(document['$defs'])} schemas from {args.path} at {commit}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
