"""Command-line bulk review: `tuiapp review DATASET --accept FILTER` gives every example the
filter selects one status, as one batch the TUI's `u` takes back."""

from __future__ import annotations

import argparse
import json
from typing import Any

from tuiapp.store import Store
from tuiapp.store.examples import ExampleFilter

DECISIONS = {"accept": "accepted", "reject": "rejected", "flag": "flagged"}


def add_review_parser(sub: Any) -> None:
    """Register `review` on the main parser's subparsers."""
    review = sub.add_parser(
        "review", help="accept, reject or flag every example a filter selects (one undoable batch)"
    )
    review.add_argument("dataset")
    decision = review.add_mutually_exclusive_group(required=True)
    for flag in ("accept", "reject", "flag"):
        decision.add_argument(
            f"--{flag}",
            metavar="FILTER",
            help="clean (no errors), errors, all, a status, a problem kind, tag:NAME or text:WORDS",
        )
    review.add_argument("--json", action="store_true")
    review.add_argument("--home")


def review_filter(spec: str) -> ExampleFilter:
    """The examples a `tuiapp review --accept FILTER` names."""
    from tuiapp.cli_quality import CliError
    from tuiapp.problems import KINDS
    from tuiapp.store.records import STATUSES

    named = {
        "all": ExampleFilter(),
        "clean": ExampleFilter(max_severity=1),
        "errors": ExampleFilter(min_severity=2),
        "warnings": ExampleFilter(min_severity=1),
    }
    if spec in named:
        return named[spec]
    if spec in STATUSES:
        return ExampleFilter(status=spec)
    if spec.startswith("tag:"):
        return ExampleFilter(tag=spec[4:])
    if spec.startswith("text:"):
        return ExampleFilter(text=spec[5:])
    if spec in KINDS:
        return ExampleFilter(kind=spec)
    choices = ", ".join([*named, *STATUSES, "tag:NAME", "text:WORDS", "a problem kind"])
    raise CliError(f"unknown filter {spec!r}: use one of {choices}")


def cmd_review(store: Store, args: argparse.Namespace) -> int:
    """Give every example the filter selects one status, as one batch; print how many."""
    from tuiapp.cli_quality import resolve_dataset
    from tuiapp.store.review import count_bulk, set_status_where

    dataset = resolve_dataset(store, args.dataset)
    status, spec = next(
        (s, getattr(args, f)) for f, s in DECISIONS.items() if getattr(args, f) is not None
    )
    flt = review_filter(spec)
    shown = count_bulk(store, dataset.id, flt, status).shown
    changed = set_status_where(store, dataset.id, flt, status)
    if args.json:
        print(
            json.dumps(
                {
                    "dataset": dataset.id,
                    "status": status,
                    "filter": spec,
                    "selected": shown,
                    "changed": changed,
                }
            )
        )
    else:
        print(
            f"{status} {changed:,} examples of {dataset.name} ({flt.describe()}: {shown:,} "
            f"selected, {shown - changed:,} were {status} already); the TUI's u undoes the batch"
        )
    return 0
