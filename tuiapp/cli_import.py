"""`tuiapp import FILE`: import a dataset in any known format, with progress and a summary."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from tuiapp.cli_errors import EXIT_ACCEPTED, EXIT_REJECTED, EXIT_UNREADABLE, say, unreadable
from tuiapp.data.base_models import DEFAULT_MODEL
from tuiapp.paths import app_paths
from tuiapp.problems import KINDS, Severity


def add_parser(sub: Any) -> None:
    """Register `import` on the subcommand parser."""
    from tuiapp.data.formats.detect import FORMATS

    cmd = sub.add_parser(
        "import",
        help="import a dataset: OpenAI JSONL, JSON arrays, Alpaca, ShareGPT, LLaMA-Factory, "
        "CSV, Parquet, a Hugging Face dataset folder",
    )
    cmd.add_argument("file", type=Path, help="a file, or a folder saved with save_to_disk")
    cmd.add_argument("--split", help="the split of a DatasetDict folder (default: train)")
    cmd.add_argument("--format", choices=FORMATS, help="read the file as this (default: detect)")
    cmd.add_argument("--name", help="the dataset's name (default: the file's name)")
    cmd.add_argument("--model", default=DEFAULT_MODEL, help="base model (token limit)")
    cmd.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    cmd.add_argument("--home")


def cmd_import(args: argparse.Namespace) -> int:
    """Import FILE: 0 with no example in error, 1 when some are (or too few are valid),
    2 when the file cannot be read."""
    from tuiapp.data.formats.detect import FORMATS, sniff, unknown_format
    from tuiapp.data.formats.tables import TABLES, table_problem
    from tuiapp.services.importer import open_dataset, run_import
    from tuiapp.store import open_store
    from tuiapp.store.datasets import get_dataset, rename_dataset

    folder_name = None
    if args.file.is_dir():
        if (data := _dataset_folder(args.file, args.split)) is None:
            return EXIT_UNREADABLE
        split = f"/{data.parent.name}" if data.parent != args.file else ""
        folder_name, args.file = f"{args.file.name}{split}", data
    if why := unreadable(args.file):
        say(f"{args.file}: {why}")
        return EXIT_UNREADABLE
    if not args.format and (seen := unknown_format(args.file)):
        names = ", ".join(FORMATS)
        say(f"{args.file}: {seen}. Nothing was imported; name its format with --format ({names})")
        return EXIT_REJECTED
    if args.format in TABLES and (seen := table_problem(args.file, args.format)):
        say(f"{args.file}: {seen}. Nothing was imported")
        return EXIT_REJECTED
    source = args.format or sniff(args.file)
    store = open_store(app_paths(args.home).ensure().database)
    try:
        dataset = open_dataset(store, args.file, args.model, source_format=source)
        if dataset.import_state != "complete":
            if folder_name and not args.name:
                rename_dataset(store, dataset.id, folder_name)
            for step in run_import(store, dataset.id, source_format=source):
                _progress(args.file, step.examples, step.bytes_read, step.file_size, step.done)
        if args.name:
            rename_dataset(store, dataset.id, args.name)
        summary = _summary(store, get_dataset(store, dataset.id).id, source)
    except OSError as err:
        say(f"{args.file}: {err.strerror or err}")
        return EXIT_UNREADABLE
    finally:
        store.close()
    print(json.dumps(summary, indent=2) if args.json else _human(summary))
    return EXIT_REJECTED if summary["rejected"] else EXIT_ACCEPTED


def _dataset_folder(folder: Path, split: str | None) -> Path | None:
    """The file to import for the split of a save_to_disk folder (saying which split on
    stderr), or None after saying why the folder is not one."""
    from tuiapp.data.formats.arrow_file import BadFolder, resolve_folder

    try:
        choice = resolve_folder(folder, split)
    except (BadFolder, OSError, ValueError) as err:
        say(str(err))
        return None
    if choice.split is not None:
        others = ", ".join(s for s in choice.splits if s != choice.split) or "none"
        print(f"{folder}: importing split {choice.split!r} (others: {others})", file=sys.stderr)
    return choice.path


def _progress(path: Path, examples: int, done_bytes: int, size: int, done: bool) -> None:
    """One progress line on stderr (rewritten in place on a terminal)."""
    share = f"{100 * done_bytes / size:.0f}%" if size else "100%"
    line = f"importing {path}: {examples:,} examples ({share})"
    if sys.stderr.isatty():
        print(f"\r{line}", end="\n" if done else "", file=sys.stderr, flush=True)
    else:
        print(line, file=sys.stderr)


def _summary(store: Any, dataset_id: int, source: str) -> dict[str, Any]:
    """What the import gave: counts (the examples read from the file and the targeted ones a
    re-import kept), formats, problems by kind and severity."""
    from tuiapp.store.datasets import get_dataset
    from tuiapp.store.example_reads import valid_count
    from tuiapp.store.examples import count_examples, problem_counts
    from tuiapp.store.targeted import targeted_appended

    dataset = get_dataset(store, dataset_id)
    counts = problem_counts(store, dataset_id)
    errors = {k: n for k, n in counts.items() if _severity(k) is Severity.ERROR}
    warnings = {k: n for k, n in counts.items() if k not in errors}
    file_errors = [p for p in dataset.file_problems if p.severity is Severity.ERROR]
    examples, kept = count_examples(store, dataset_id), targeted_appended(store, dataset_id)
    return {
        "dataset": dataset.id,
        "name": dataset.name,
        "file": dataset.path,
        "format": source,
        "examples_as": dataset.format,
        "examples": examples,  # file_examples + targeted_examples_kept
        "file_examples": examples - kept,
        "targeted_examples_kept": kept,
        "valid_examples": valid_count(store, dataset_id),
        "errors": dict(sorted(errors.items())),
        "warnings": dict(sorted(warnings.items())),
        "file_problems": [p.to_dict() for p in dataset.file_problems],
        "state": dataset.import_state,
        "rejected": bool(errors or file_errors or dataset.import_state != "complete"),
    }


def _severity(kind: str) -> Severity:
    """How bad a problem kind is (unknown kinds count as errors)."""
    return KINDS.get(kind, (Severity.ERROR, ""))[0]


def _human(s: dict[str, Any]) -> str:
    """The summary for people."""
    read = f"{s['file']}, read as {s['format']} -> OpenAI {s['examples_as']}"
    head = f"dataset {s['dataset']} ({s['name']}): {s['examples']:,} examples"
    if kept := s["targeted_examples_kept"]:
        plural = "" if kept == 1 else "s"
        head += f", {s['file_examples']:,} from {read}, and {kept:,} targeted example{plural} kept"
    else:
        head += f" from {read}"
    out = [f"{head}; {s['valid_examples']:,} valid"]
    for title, counts in (("errors", s["errors"]), ("warnings", s["warnings"])):
        if counts:
            out.append(f"{title}: " + ", ".join(f"{k} {n:,}" for k, n in counts.items()))
    out += [f"file: {p['message'] or p['kind']}" for p in s["file_problems"]]
    out.append(f"review it with `tuiapp {s['file']}`; quality with `tuiapp quality {s['dataset']}`")
    return "\n".join(out)
