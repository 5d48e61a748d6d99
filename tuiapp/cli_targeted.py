"""`tuiapp target RUN ITEM --answer TEXT | --answer-file F | --reference`: what ctrl+t does on
the evaluate screen, from a script. Item ITEM (the # column there) of evaluation run RUN (the
`run N` that `tuiapp eval` prints) becomes an accepted example of its version's dataset with
the desired answer, tagged `targeted`, with the run, the item, the model and its answer (and
a judge's verdict on it) kept as where it came from. Exit 0 added, 1 refused (an empty answer,
an example with errors), 2 no such run or item, or an answer file that cannot be read."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from tuiapp.cli_errors import (
    EXIT_ACCEPTED,
    EXIT_REJECTED,
    EXIT_UNREADABLE,
    describe_os_error,
    progress,
    say,
)
from tuiapp.paths import app_paths


def add_parsers(sub: Any) -> None:
    """Register `target` on the main parser's subparsers."""
    cmd = sub.add_parser(
        "target", help="turn an evaluation item into a training example with a better answer"
    )
    cmd.add_argument("run", type=int, help="an evaluation run id (`tuiapp eval JOB` prints it)")
    cmd.add_argument("item", type=int, help="the item's number (# on the evaluate screen)")
    answer = cmd.add_mutually_exclusive_group(required=True)
    answer.add_argument("--answer", help="the desired answer")
    answer.add_argument("--answer-file", type=Path, help="a file with it (- for stdin)")
    answer.add_argument("--reference", action="store_true", help="the data's own answer")
    cmd.add_argument("--json", action="store_true", help="print one JSON object")
    cmd.add_argument("--home")


def _desired(args: argparse.Namespace, reference: str) -> str:
    """The desired answer from the flag that gave it (OSError when the file cannot be read)."""
    if args.reference:
        return reference
    if args.answer_file is None:
        return str(args.answer)
    if str(args.answer_file) == "-":
        return sys.stdin.read()
    return args.answer_file.read_text(encoding="utf-8")


def cmd_target(args: argparse.Namespace) -> int:
    """Add the targeted example and say where it went."""
    from tuiapp.services.targeted import add_targeted, eval_target
    from tuiapp.store import open_store
    from tuiapp.store.datasets import get_dataset

    store = open_store(app_paths(args.home).ensure().database)
    try:
        try:
            target = eval_target(store, args.run, args.item)
            desired = _desired(args, target.reference)
        except KeyError as err:
            say(str(err).strip("'"))
            return EXIT_UNREADABLE
        except (OSError, UnicodeDecodeError) as err:
            why = describe_os_error(err) if isinstance(err, OSError) else f"{err}"
            say(f"{why}: no answer read, nothing added")
            return EXIT_UNREADABLE
        version_id = target.origin.details["version_id"]
        try:
            added = add_targeted(
                store, version_id, target.messages, desired, target.origin, target.answer
            )
        except ValueError as err:
            say(f"{target.origin.location}: {err}; nothing added")
            return EXIT_REJECTED
        dataset = get_dataset(store, added.dataset_id)
    finally:
        store.close()
    for problem in added.warnings:
        progress(f"warning: {problem.describe()}")
    if args.json:
        shown = {
            "dataset": dataset.id,
            "name": dataset.name,
            "idx": added.idx,
            "line": added.line,
            "tokens": added.n_tokens,
            "origin": target.origin.location,
            "warnings": [p.to_dict() for p in added.warnings],
        }
        print(json.dumps(shown, indent=2))
        return EXIT_ACCEPTED
    print(
        f"added to dataset {dataset.id} ({dataset.name}) as line {added.line} "
        f"({added.n_tokens} tokens), accepted and tagged targeted, from "
        f"{target.origin.location}; freeze a new version to train on it "
        f"(`tuiapp freeze {dataset.id}`)"
    )
    return EXIT_ACCEPTED
