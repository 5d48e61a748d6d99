"""`tuiapp delete DATASET [--yes]`: remove an imported dataset from the database (its
examples, decisions, scans and versions; the file itself is never touched), asking first."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from tuiapp.cli_errors import EXIT_ACCEPTED, EXIT_REJECTED, EXIT_UNREADABLE, say
from tuiapp.paths import app_paths


def add_parser(sub: Any) -> None:
    """Register `delete` on the main parser's subparsers."""
    delete = sub.add_parser("delete", help="delete an imported dataset (asks first; --yes)")
    delete.add_argument("dataset", help="dataset id or the path of its source file")
    delete.add_argument("--yes", action="store_true", help="do not ask")
    delete.add_argument("--home")


def cmd_delete(args: argparse.Namespace) -> int:
    """Delete a dataset: 0 deleted, 1 kept (answered no, no terminal to ask on, or jobs and
    evaluations were made from its versions), 2 no such dataset."""
    from tuiapp import cli_quality
    from tuiapp.store import open_store
    from tuiapp.store.datasets import delete_dataset
    from tuiapp.store.examples import status_counts

    store = open_store(app_paths(args.home).ensure().database)
    try:
        try:
            dataset = cli_quality.resolve_dataset(store, args.dataset)
        except cli_quality.CliError as err:
            say(err)
            return EXIT_UNREADABLE
        counts = status_counts(store, dataset.id)
        decided = sum(n for status, n in counts.items() if status != "pending")
        what = (
            f"dataset {dataset.id} ({dataset.name}: {sum(counts.values()):,} examples, "
            f"{decided:,} with a decision)"
        )
        if not args.yes:
            if not sys.stdin.isatty():
                say(f"not deleting {what} without asking: pass --yes")
                return EXIT_REJECTED
            answer = input(f"Delete {what}? The file itself is kept. [y/N] ")
            if answer.strip().lower() not in ("y", "yes"):
                print(f"kept {what}")
                return EXIT_REJECTED
        try:
            delete_dataset(store, dataset.id)
        except ValueError as err:
            say(err)
            return EXIT_REJECTED
    finally:
        store.close()
    print(f"deleted {what}; the file itself is untouched")
    return EXIT_ACCEPTED
