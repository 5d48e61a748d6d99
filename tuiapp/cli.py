"""Command-line entry points: the TUI, `export` and `datasets`, and every other command's
parser and handler (in the cli_* modules), over the same core."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from tuiapp import (
    cli_catalog,
    cli_delete,
    cli_demo,
    cli_export_model,
    cli_import,
    cli_import_jobs,
    cli_jobs,
    cli_judge,
    cli_local,
    cli_quality,
    cli_redact,
    cli_rename,
    cli_retrain,
    cli_targeted,
    cli_validate,
)
from tuiapp.cli_errors import (
    EXIT_REJECTED,
    EXIT_UNREADABLE,
    describe_os_error,
    home_from_argv,
    quiet_broken_pipe,
    report_crash,
    say,
    unreadable,
)
from tuiapp.data.base_models import DEFAULT_MODEL
from tuiapp.data.formats.outward import EXPORT_FORMATS
from tuiapp.paths import app_paths

COMMANDS = (
    "demo",
    "import",
    "validate",
    "export",
    "datasets",
    "delete",
    "rename",
    "quality",
    "review",
    "freeze",
    "versions",
    "version-export",
    "leakage",
    "redact",
    "train",
    "jobs",
    "watch",
    "eval",
    "experiments",
    "cancel",
    "pause",
    "resume",
    "local",
    "export-model",
    "judge",
    "import-jobs",
    "models",
    "retrain",
    "target",
)


def _app_parser() -> argparse.ArgumentParser:
    """`tuiapp [FILE]`: the TUI."""
    parser = argparse.ArgumentParser(
        prog="tuiapp",
        description="Terminal app for fine-tuning LLMs. Commands: "
        + ", ".join(COMMANDS)
        + " (tuiapp COMMAND --help).",
    )
    parser.add_argument("file", nargs="?", type=Path, help="a chat-format JSONL file to review")
    parser.add_argument("--model", help=f"base model for token limits (default {DEFAULT_MODEL})")
    parser.add_argument("--home", help="keep all data in this folder (same as $TUIAPP_HOME)")
    parser.add_argument(
        "--accept-changes",
        action="store_true",
        help="open a reviewed file that changed even if decisions on changed lines do not carry",
    )
    return parser


def _command_parser() -> argparse.ArgumentParser:
    """The subcommands."""
    parser = argparse.ArgumentParser(prog="tuiapp")
    parser.add_argument("--home", help="keep all data in this folder (same as $TUIAPP_HOME)")
    sub = parser.add_subparsers(dest="command", required=True)
    cli_validate.add_parsers(sub)
    export = sub.add_parser("export", help="write a dataset's accepted examples as JSONL")
    export.add_argument("dataset", help="dataset id or the path of its source file")
    export.add_argument("out", type=Path)
    export.add_argument(
        "--format",
        choices=EXPORT_FORMATS,
        default="openai",
        help="openai JSONL (default), alpaca or sharegpt JSON arrays, dpo (preference JSONL)",
    )
    export.add_argument("--home")
    datasets = sub.add_parser("datasets", help="list imported datasets")
    datasets.add_argument("--json", action="store_true")
    datasets.add_argument("--home")
    cli_import.add_parser(sub)
    cli_demo.add_parsers(sub)
    cli_delete.add_parser(sub)
    cli_rename.add_parsers(sub)
    cli_quality.add_parsers(sub)
    cli_redact.add_parsers(sub)
    cli_jobs.add_parsers(sub)
    cli_local.add_parsers(sub)
    cli_export_model.add_parsers(sub)
    cli_judge.add_parsers(sub)
    cli_import_jobs.add_parsers(sub)
    cli_catalog.add_parsers(sub)
    cli_retrain.add_parsers(sub)
    cli_targeted.add_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `tuiapp` console script: 0 accepted, 1 rejected, 2 unreadable input,
    3 an internal error (one line here, the traceback in a log)."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        code = _dispatch(args_list)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's exit
        return code
    except BrokenPipeError:
        return quiet_broken_pipe()
    except KeyboardInterrupt:
        return 130
    except Exception as err:
        return report_crash(err, args_list, home_from_argv(args_list))


def _dispatch(args_list: list[str]) -> int:
    """Parse the command line and run the TUI or a command."""
    if any(a in COMMANDS for a in args_list[:3]):
        args = _command_parser().parse_args(args_list)
        handlers = {
            "import": cli_import.cmd_import,
            "demo": cli_demo.cmd_demo,
            "validate": cli_validate.cmd_validate,
            "export": cmd_export,
            "datasets": cmd_datasets,
            "delete": cli_delete.cmd_delete,
            "rename": cli_rename.cmd_rename,
            "local": cli_local.cmd_local,
            "export-model": cli_export_model.cmd_export_model,
            "judge": cli_judge.cmd_judge,
            "import-jobs": cli_import_jobs.cmd_import_jobs,
            "models": cli_catalog.cmd_models,
            "retrain": cli_retrain.cmd_retrain,
            "target": cli_targeted.cmd_target,
            "redact": cli_redact.run,
        }
        if args.command in cli_jobs.COMMANDS:
            return cli_jobs.run(args)
        return handlers.get(args.command, cli_quality.run)(args)
    args = _app_parser().parse_args(args_list)
    from tuiapp.app import make_app  # Textual loads only for the TUI

    if args.file is not None and (why := unreadable(args.file)):
        say(f"{args.file}: {why}")
        return EXIT_UNREADABLE
    if args.file is not None and not args.accept_changes:
        from tuiapp.services.identity import lossy_open_warning

        if why := lossy_open_warning(app_paths(args.home).ensure().database, args.file):
            say(why)
            return EXIT_REJECTED
    app = make_app(app_paths(args.home), open_path=args.file, model=args.model)
    app.run()
    return app.return_code or 0


def cmd_export(args: argparse.Namespace) -> int:
    """`tuiapp export DATASET OUT`: accepted examples, edits applied."""
    from tuiapp.services.export import NothingToWrite, export_accepted
    from tuiapp.store import open_store
    from tuiapp.store.examples import status_counts

    store = open_store(app_paths(args.home).ensure().database)
    try:
        dataset = cli_quality.resolve_dataset(store, args.dataset)
        counts = status_counts(store, dataset.id)
        if not counts.get("accepted"):
            say(
                f"dataset {dataset.id} ({dataset.name}) has no accepted examples "
                f"({sum(counts.values()):,} in all, by status: "
                + (", ".join(f"{k} {v:,}" for k, v in sorted(counts.items())) or "none")
                + "); accept examples in the review (a) first. Nothing was written."
            )
            return EXIT_REJECTED
        result = export_accepted(store, dataset.id, args.out, args.format)
    except NothingToWrite as err:
        say(f"{err}. Nothing was written.")
        return EXIT_REJECTED
    except cli_quality.CliError as err:
        say(err)
        return EXIT_UNREADABLE
    except OSError as err:
        say(describe_os_error(err))
        return EXIT_UNREADABLE
    finally:
        store.close()
    print(f"wrote {result.written:,} examples to {result.path} ({args.format})")
    if result.skipped_invalid:
        print(
            f"left out {len(result.skipped_invalid)} accepted examples that still have errors "
            f"(lines {', '.join(map(str, result.skipped_invalid[:10]))})",
            file=sys.stderr,
        )
    for reason, lines in result.inexpressible.items():
        where = ("line " if len(lines) == 1 else "lines ") + ", ".join(map(str, lines[:10]))
        say(f"left out {len(lines):,} that {args.format} cannot express: {reason} ({where})")
    return 0


def cmd_datasets(args: argparse.Namespace) -> int:
    """`tuiapp datasets`: what has been imported."""
    from tuiapp.store import open_store
    from tuiapp.store.datasets import list_datasets
    from tuiapp.store.examples import count_examples, status_counts

    store = open_store(app_paths(args.home).ensure().database)
    rows = []
    for ds in list_datasets(store):
        rows.append(
            {
                "id": ds.id,
                "name": ds.name,
                "path": ds.path,
                "model": ds.base_model,
                "state": ds.import_state,
                "examples": count_examples(store, ds.id),
                "statuses": status_counts(store, ds.id),
            }
        )
    store.close()
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        for r in rows:
            print(
                f"{r['id']:>4}  {r['name']:<30} {r['examples']:>9,} examples  {r['state']:<9} "
                f"{r['path']}"
            )
    return 0


if __name__ == "__main__":  # python -m tuiapp.cli
    raise SystemExit(main())
