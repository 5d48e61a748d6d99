"""`tuiapp redact DATASET`: what redaction would change per kind (with before -> after
examples), then the picked kinds applied as one undoable batch, the same plan as the TUI's."""

from __future__ import annotations

import argparse
import json
from typing import Any

from tuiapp.cli_errors import say
from tuiapp.cli_quality import CliError, resolve_dataset
from tuiapp.paths import app_paths
from tuiapp.store import Store, open_store

SAMPLES = 3


def add_parsers(sub: Any) -> None:
    """Register `redact` on the main parser's subparsers."""
    redact = sub.add_parser(
        "redact", help="replace personal data by typed placeholders (one undoable batch)"
    )
    redact.add_argument("dataset", help="dataset id or the path of its source file")
    redact.add_argument(
        "--kinds", help="comma-separated kinds, e.g. email,phone (default: every certain kind)"
    )
    redact.add_argument(
        "--include-caveated",
        action="store_true",
        help="also findings inside URLs and fictional 555 numbers of those kinds",
    )
    redact.add_argument("--dry-run", action="store_true", help="list what would change, only")
    redact.add_argument("--json", action="store_true")
    redact.add_argument("--home")


def picked_groups(names: list[str], kinds: str | None, caveated: bool) -> set[str]:
    """The plan groups (`phone`, `phone (fictional 555 number)`, ...) the options pick:
    `--kinds` by kind, the caveated ones only when asked."""
    wanted = None if kinds is None else {k.strip() for k in kinds.split(",") if k.strip()}
    out = set()
    for name in names:
        kind, _, caveat = name.partition(" (")
        if (wanted is None or kind in wanted) and (caveated or not caveat):
            out.add(name)
    return out


def run(args: argparse.Namespace) -> int:
    """Plan, print, and (unless --dry-run) apply; problems exit 2."""
    store = open_store(app_paths(args.home).ensure().database)
    try:
        return _redact(store, args)
    except CliError as err:
        say(err)
        return 2
    finally:
        store.close()


def _redact(store: Store, args: argparse.Namespace) -> int:
    """The command itself."""
    from tuiapp.data.pii import KINDS
    from tuiapp.services.edits import apply_redaction, plan_redaction
    from tuiapp.services.quality import scan_quality
    from tuiapp.store.quality import load_scan

    dataset = resolve_dataset(store, args.dataset)
    if args.kinds:
        unknown = {k.strip() for k in args.kinds.split(",")} - set(KINDS) - {""}
        if unknown:
            raise CliError(
                f"unknown kind(s): {', '.join(sorted(unknown))}; known: {', '.join(KINDS)}"
            )
    if load_scan(store, dataset.id) is None:
        scan_quality(store, dataset.id)
    plan = plan_redaction(store, dataset)
    picked = picked_groups(list(plan.groups), args.kinds, args.include_caveated)
    changed = 0 if args.dry_run else apply_redaction(store, dataset, plan, picked)
    groups: list[dict[str, Any]] = [
        {
            "name": name,
            "kind": group.kind,
            "caveat": group.caveat,
            "findings": len(group.items),
            "examples": group.examples,
            "picked": name in picked,
            "samples": [
                {"line": i.line, "before": i.before, "after": i.after}
                for i in group.items[:SAMPLES]
            ],
        }
        for name, group in plan.groups.items()
    ]
    if args.json:
        print(json.dumps({"dry_run": args.dry_run, "groups": groups, "changed": changed}, indent=2))
        return 0
    if not groups:
        print(f"{dataset.name}: no personal data found")
        return 0
    for g in groups:
        mark = "redact" if g["picked"] else "keep  "
        print(f"{mark} {g['name']}: {g['findings']:,} in {g['examples']:,} example(s)")
        for s in g["samples"]:
            print(f"         line {s['line']}: {s['before']} -> {s['after']}")
    n = len(plan.chosen(picked))
    if args.dry_run:
        print(f"dry run: {n:,} replacement(s) would be made; nothing changed")
    else:
        print(
            f"redacted {n:,} finding(s) in {changed:,} example(s) as one batch "
            "(u in the review undoes it)"
        )
    return 0
