"""`tuiapp rename DATASET NAME`: give an imported dataset the name lists show, as `n` on the
datasets screen does (the file itself is never touched)."""

from __future__ import annotations

import argparse
from typing import Any

from tuiapp.cli_errors import EXIT_ACCEPTED, EXIT_REJECTED, EXIT_UNREADABLE, say
from tuiapp.paths import app_paths


def add_parsers(sub: Any) -> None:
    """Register `rename` on the main parser's subparsers."""
    rename = sub.add_parser("rename", help="rename an imported dataset")
    rename.add_argument("dataset", help="dataset id or the path of its source file")
    rename.add_argument("name", help="the new name (the file keeps its own)")
    rename.add_argument("--home")


def cmd_rename(args: argparse.Namespace) -> int:
    """Rename a dataset: 0 renamed, 1 an empty name, 2 no such dataset."""
    from tuiapp import cli_quality
    from tuiapp.store import open_store
    from tuiapp.store.datasets import rename_dataset

    name = args.name.strip()
    if not name:
        say("a dataset needs a name: nothing renamed")
        return EXIT_REJECTED
    store = open_store(app_paths(args.home).ensure().database)
    try:
        try:
            dataset = cli_quality.resolve_dataset(store, args.dataset)
        except cli_quality.CliError as err:
            say(err)
            return EXIT_UNREADABLE
        rename_dataset(store, dataset.id, name)
    finally:
        store.close()
    print(f"renamed dataset {dataset.id} from {dataset.name!r} to {name!r}")
    return EXIT_ACCEPTED
