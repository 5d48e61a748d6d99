"""`tuiapp validate FILE`: check a JSONL file as the fine-tuning API would, with counts,
token statistics, the first problem of each kind and the cost; exit 1 when it would be
rejected, 2 when it cannot be read."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from tuiapp.cli_errors import EXIT_REJECTED, EXIT_UNREADABLE, say, unreadable
from tuiapp.data.base_models import DEFAULT_MODEL
from tuiapp.problems import KINDS, Problem


def add_parsers(sub: Any) -> None:
    """Register `validate` on the main parser's subparsers."""
    validate = sub.add_parser("validate", help="check a JSONL file as the fine-tuning API would")
    validate.add_argument("file", type=Path)
    validate.add_argument("--model", default=DEFAULT_MODEL, help="base model (token limit)")
    validate.add_argument("--json", action="store_true", help="print one JSON object")
    validate.add_argument(
        "--workers", type=int, help="processes (default: one per core for big files)"
    )


def cmd_validate(args: argparse.Namespace) -> int:
    """`tuiapp validate FILE`: exit 1 when the file would be rejected, 2 when unreadable."""
    from tuiapp.data.validate import validate_file

    if why := unreadable(args.file):
        say(f"{args.file}: {why}")
        return EXIT_UNREADABLE
    summary = validate_file(args.file, args.model, args.workers)
    report = summary.to_json()
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(_human_report(report, summary.file_problems))
    return EXIT_REJECTED if summary.rejected else 0


def _human_report(report: dict, file_problems: list) -> str:  # type: ignore[type-arg]
    """The validation report for people."""
    out = [
        f"{report['file']}: {report['examples']:,} examples ({report['format']} format), "
        f"{report['valid_examples']:,} valid · model {report['model']} "
        f"({report['encoding']}, limit {report['token_limit']:,} tokens)"
    ]
    for title, counts in (("Errors", report["format_errors"]), ("Warnings", report["warnings"])):
        if counts:
            out.append(f"{title}:")
            for kind, n in counts.items():
                lines = report["first_lines"].get(kind, [])
                units = f"{report.get('unit', 'line')}s"
                at = f" ({units} {', '.join(map(str, lines))}{', ...' if n > len(lines) else ''})"
                out.append(
                    f"  {kind:<36} {n:>8,}  {KINDS.get(kind, (0, ''))[1]}{at if lines else ''}"
                )
                first = report.get("first_problems", {}).get(kind)
                if first:  # where the first one is, and what exactly
                    problem = Problem.from_dict(first[0])
                    out.append(f"      {problem.describe(report.get('unit', 'line'))}")
    out.append(
        f"num examples missing system message: {report['n_missing_system']:,} · "
        f"missing user message: {report['n_missing_user']:,}"
    )
    for name in ("num_messages_per_example", "token_stats", "assistant_token_stats"):
        s = report[name]
        out.append(
            f"{name.replace('_', ' '):<25} min {s['min']:,} · p5 {s['p5']:,.0f} · "
            f"median {s['median']:,.0f} · mean {s['mean']:,.0f} · p95 {s['p95']:,.0f} · "
            f"max {s['max']:,}"
        )
    usd = report["estimated_cost_usd"]
    out.append(
        f"over the limit: {report['n_too_long']:,} · epochs (auto): {report['n_epochs']} "
        f"· billed tokens: {report['billing_tokens']:,}"
        + (f" · about ${usd:,.2f}" if usd is not None else "")
    )
    for p in file_problems:
        out.append(f"file: {p.describe()}")
    out.append(
        "REJECTED: the API would refuse this file."
        if report["rejected"]
        else "OK: the API would accept this file."
    )
    return "\n".join(out)
