"""Command-line data quality and versions: `quality`, `review` (bulk, in cli_review), `freeze`,
`versions`, `version-export`, `leakage` (the same core as the screens, for scripts and CI)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from tuiapp.cli_errors import describe_os_error, say
from tuiapp.cli_review import add_review_parser, cmd_review
from tuiapp.data.language import language_mix
from tuiapp.paths import app_paths
from tuiapp.store import Store, open_store
from tuiapp.store.records import Dataset


class CliError(Exception):
    """A problem to print on stderr with exit code 2."""


def resolve_dataset(store: Store, ref: str) -> Dataset:
    """A dataset by id or by its source file, known by content (a touched or moved file is the
    same dataset; a new or changed one is refused, saying what changed)."""
    from tuiapp.services.identity import NotReviewed, reviewed_dataset
    from tuiapp.store.datasets import get_dataset

    if ref.isdigit():
        try:
            return get_dataset(store, int(ref))
        except KeyError as err:
            raise CliError(str(err).strip("'\"")) from None
    try:
        return reviewed_dataset(store, Path(ref))
    except NotReviewed as err:
        raise CliError(str(err)) from None


def add_parsers(sub: Any) -> None:
    """Register the commands on the main parser's subparsers."""
    quality = sub.add_parser("quality", help="scan a dataset for duplicates, PII, consistency")
    quality.add_argument("dataset", help="dataset id or the path of its source file")
    quality.add_argument("--threshold", type=float, default=0.7, help="near-duplicate Jaccard")
    quality.add_argument("--json", action="store_true")
    quality.add_argument("--home")
    freeze = sub.add_parser(
        "freeze", help="freeze the accepted examples (or --include) as a version"
    )
    freeze.add_argument("dataset")
    freeze.add_argument("--name", help="version name (default v<N>)")
    freeze.add_argument("--holdout", type=float, default=0.15, help="holdout share, 0-0.5")
    freeze.add_argument("--seed", type=int, default=0)
    freeze.add_argument(
        "--include",
        choices=["accepted", "not-rejected"],
        default="accepted",
        help="what to freeze: the accepted examples, or every one not rejected (pending, flagged)",
    )
    freeze.add_argument(
        "--allow-pii", action="store_true", help="freeze even if personal data remains"
    )
    freeze.add_argument("--home")
    add_review_parser(sub)
    versions = sub.add_parser("versions", help="list a dataset's frozen versions")
    versions.add_argument("dataset")
    versions.add_argument("--json", action="store_true")
    versions.add_argument("--home")
    leak = sub.add_parser("leakage", help="pairs of a holdout file that copy training data")
    leak.add_argument("train", help="a JSONL file, or a version id (its training side)")
    leak.add_argument("holdout", type=Path, help="the holdout JSONL file to check")
    leak.add_argument("--threshold", type=float, default=0.7)
    leak.add_argument("--json", action="store_true")
    leak.add_argument("--home")
    export = sub.add_parser("version-export", help="write train.jsonl + holdout.jsonl")
    export.add_argument("version", type=int)
    export.add_argument("out", type=Path)
    export.add_argument("--home")


def _store(args: argparse.Namespace) -> Store:
    """The database named by --home / $TUIAPP_HOME."""
    return open_store(app_paths(args.home).ensure().database)


def run(args: argparse.Namespace) -> int:
    """Run one of this module's commands; problems are printed, exit code 2."""
    commands = {
        "quality": cmd_quality,
        "freeze": cmd_freeze,
        "review": cmd_review,
        "versions": cmd_versions,
        "version-export": cmd_version_export,
        "leakage": cmd_leakage,
    }
    store = _store(args)
    try:
        return commands[args.command](store, args)
    except BrokenPipeError:
        raise  # the reader went away: main ends quietly
    except OSError as err:
        say(describe_os_error(err))
        return 2
    except (CliError, ValueError) as err:
        say(err)
        return 2
    finally:
        store.close()


def cmd_quality(store: Store, args: argparse.Namespace) -> int:
    """Scan and print the report."""
    from tuiapp.services.quality import scan_quality

    dataset = resolve_dataset(store, args.dataset)
    report = scan_quality(store, dataset.id, args.threshold)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
        return 0
    dup, found = report.duplicates, report.consistency
    print(
        f"{dataset.name}: {report.examples:,} examples\n"
        f"duplicates: {dup.groups:,} groups, {dup.exact_to_drop:,} exact and "
        f"{dup.near_to_drop:,} near copies to drop (threshold {args.threshold})\n"
        f"personal data: {', '.join(f'{k} {n}' for k, n in report.pii.items()) or 'none'}\n"
        f"system prompts: {len(found.system_prompts)} variant(s)\n"
        f"labels: {', '.join(f'{k} {n}' for k, n in found.labels.items()) or 'not labels'}\n"
        f"languages: {', '.join(language_mix(found.languages, report.examples))}\n"
        f"long answers: {found.answer_lengths.long:,}"
    )
    for section in found.sections:
        print(f"{section.title}: " + ", ".join(f"{f.label} {f.count:,}" for f in section.findings))
    return 0


def cmd_freeze(store: Store, args: argparse.Namespace) -> int:
    """Plan, print and store a version (refused with personal data unless --allow-pii)."""
    from tuiapp.services.freeze import commit, plan_freeze
    from tuiapp.store.versions import list_versions

    dataset = resolve_dataset(store, args.dataset)
    include = args.include.replace("-", "_")
    plan = plan_freeze(store, dataset.id, args.holdout, args.seed, include=include)
    for warning in plan.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if plan.existing is not None:
        print(f"unchanged: same content as version {plan.existing.id} ({plan.existing.name})")
        return 0
    if plan.pii_examples and not args.allow_pii:
        raise CliError("personal data remains: redact it, or pass --allow-pii")
    name = args.name or f"v{len(list_versions(store, dataset.id)) + 1}"
    version = commit(store, plan, name)
    print(
        f"version {version.id} ({version.name}): train {version.counts['train']:,}, holdout "
        f"{version.counts['holdout']:,}, seed {version.split_seed}, hash {version.content_hash}"
    )
    return 0


def cmd_versions(store: Store, args: argparse.Namespace) -> int:
    """List versions."""
    from tuiapp.store.versions import list_versions

    dataset = resolve_dataset(store, args.dataset)
    versions = list_versions(store, dataset.id)
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "id": v.id,
                        "name": v.name,
                        "kind": v.kind,
                        "parent_id": v.parent_id,
                        "content_hash": v.content_hash,
                        "split_seed": v.split_seed,
                        "split_fraction": v.split_fraction,
                        "counts": v.counts,
                        "created_at": v.created_at,
                    }
                    for v in versions
                ],
                indent=2,
            )
        )
        return 0
    for v in versions:
        print(
            f"{v.id:>4}  {v.name:<16} {v.kind:<7} parent {v.parent_id or '-':<4} train "
            f"{v.counts.get('train', 0):>8,}  holdout {v.counts.get('holdout', 0):>7,}  "
            f"{v.short_hash}"
        )
    return 0


def cmd_version_export(store: Store, args: argparse.Namespace) -> int:
    """Write a version's files."""
    from tuiapp.services.export import export_version

    try:
        paths = export_version(store, args.version, args.out)
    except KeyError as err:
        raise CliError(str(err).strip("'\"")) from None
    print("wrote " + ", ".join(str(p) for p in paths))
    return 0


def cmd_leakage(store: Store, args: argparse.Namespace) -> int:
    """Exit 1 when the holdout shares (near-)duplicates with the training data."""
    from tuiapp.data.split import file_conversations, leakage
    from tuiapp.services.freeze import version_conversations

    if args.train.isdigit():
        try:
            train_lines, train = version_conversations(store, int(args.train), "train")
        except KeyError as err:
            raise CliError(str(err).strip("'\"")) from None
    else:
        train_lines, train = file_conversations(args.train)
    holdout_lines, holdout = file_conversations(args.holdout)
    leaks = leakage(train, holdout, args.threshold)
    pairs = [
        {
            "train_line": train_lines[leak.train],
            "holdout_line": holdout_lines[leak.holdout],
            "similarity": round(leak.similarity, 3),
        }
        for leak in leaks
    ]
    if args.json:
        print(json.dumps({"pairs": pairs, "train": len(train), "holdout": len(holdout)}, indent=2))
    else:
        print(
            f"{len(pairs)} leaked pair(s) between {len(train):,} training and {len(holdout):,} "
            f"holdout examples (threshold {args.threshold})"
        )
        for pair in pairs[:20]:
            print(
                f"  holdout line {pair['holdout_line']} ~ train line {pair['train_line']} "
                f"({pair['similarity']:.2f})"
            )
    return 1 if pairs else 0
