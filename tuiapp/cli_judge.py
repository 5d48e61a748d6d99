"""`tuiapp judge JOB --judge PROVIDER:MODEL [--mode pairwise|rubric]`: an LLM judge over the
job's fine-tuned and base evaluation runs; the cost is shown and confirmed first (`--yes`
skips the question), progress goes to stderr, an interrupted run goes on where it stopped.
Exit 0 judged, 1 declined or nothing to judge, 2 bad input or a provider problem."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from tuiapp.cli_errors import EXIT_REJECTED, EXIT_UNREADABLE, say
from tuiapp.evals.judge import MODES, default_template
from tuiapp.paths import app_paths
from tuiapp.providers.base import ProviderError
from tuiapp.services.judge_run import (
    JudgeSummary,
    estimate,
    judge_asks,
    run_judge,
    start_judge,
    summary_lines,
    unfinished_judge,
)
from tuiapp.store import Store, open_store
from tuiapp.store.evals import EvalRun, list_runs
from tuiapp.store.jobs import get_job


def add_parsers(sub: Any) -> None:
    """Register `judge` on the main parser's subparsers."""
    cmd = sub.add_parser("judge", help="an LLM judge over a job's fine-tuned and base answers")
    cmd.add_argument("job", type=int, help="the job's id (tuiapp jobs); run tuiapp eval first")
    cmd.add_argument("--judge", required=True, metavar="PROVIDER:MODEL", help="e.g. local:SmolLM2")
    cmd.add_argument("--mode", choices=MODES, default="pairwise")
    cmd.add_argument("--template", type=Path, help="a prompt file (placeholders {question} ...)")
    cmd.add_argument("--concurrency", type=int, default=8)
    cmd.add_argument("--yes", action="store_true", help="run without asking about the cost")
    cmd.add_argument("--json", action="store_true", help="print the result as one JSON object")
    cmd.add_argument("--home")


def _providers(home: str | None):  # type: ignore[no-untyped-def]
    """The provider pool for this run (tests replace it)."""
    from tuiapp.providers.registry import Providers

    return Providers(app_paths(home))


def job_runs(store: Store, job_id: int) -> tuple[EvalRun, EvalRun]:
    """The latest completed runs of a job's fine-tuned model and of its base model."""
    job = get_job(store, job_id)
    runs = [r for r in list_runs(store, job.version_id) if r.status == "completed"]
    tuned = next(
        (r for r in runs if job.fine_tuned_model and r.model == job.fine_tuned_model), None
    )
    base = next((r for r in runs if r.model == job.base_model), None)
    if job.version_id is None or tuned is None or base is None:
        raise LookupError(
            f"job {job_id} needs finished evaluation runs of its fine-tuned and base models: "
            f"run `tuiapp eval {job_id}` first"
        )
    return tuned, base


def _confirm(text: str) -> bool:
    """Ask on the terminal; without one, the answer is no."""
    if not sys.stdin.isatty():
        say(f"{text}; pass --yes to run it without a terminal to confirm on")
        return False
    return input(f"{text}. Run it? [y/N] ").strip().lower() in ("y", "yes")


def _progress(finished: int, total: int) -> None:
    """Each reply counted on stderr (one line each; overwritten on a terminal)."""
    tty = sys.stderr.isatty()
    end = "\n" if not tty or finished == total else ""
    print(f"{chr(13) if tty else ''}judge: {finished}/{total} asked", end=end, file=sys.stderr)


def to_json(summary: JudgeSummary) -> dict[str, Any]:
    """The result as plain values."""
    win = summary.win
    return {
        "judge_run": summary.run.id,
        "mode": summary.run.mode,
        "judge": f"{summary.run.provider}:{summary.run.model}",
        "status": summary.run.status,
        "wins": win.wins,
        "ties": win.ties,
        "losses": win.losses,
        "win_rate": win.rate if win.rated else None,
        "unreadable": summary.unreadable,
        "failed": summary.failed,
        "mean_score_fine_tuned": summary.mean_score_a,
        "mean_score_base": summary.mean_score_b,
        "human_items": summary.human.n,
        "human_agreement": summary.human.raw if summary.human.n else None,
        "human_kappa": summary.human.kappa,
        "verdicts": {str(p): v for p, v in sorted(summary.verdicts.items())},
    }


async def _judge(store: Store, args: argparse.Namespace, provider_name: str, model: str) -> int:
    """Cost, confirmation, run, result."""
    tuned, base = job_runs(store, args.job)
    template = args.template.read_text("utf-8") if args.template else default_template(args.mode)
    run = unfinished_judge(store, tuned.id, base.id, model, args.mode)
    if run is None or args.template:
        guess = estimate(
            judge_asks(store, tuned.id, base.id, args.mode, template), provider_name, model
        )
        if not args.yes and not _confirm(f"judge {model} ({args.mode}): {guess.describe()}"):
            return EXIT_REJECTED
        run = start_judge(store, tuned.id, base.id, provider_name, model, args.mode, template)
    else:
        say(f"judge run {run.id} goes on where it stopped")
    providers = _providers(args.home)
    try:
        provider = await providers.get(provider_name)
        summary = await run_judge(store, provider, run.id, args.concurrency, _progress)
    finally:
        await providers.close()
    if args.json:
        print(json.dumps(to_json(summary), indent=2))
    else:
        print("\n".join(summary_lines(summary)))
    return 0


def cmd_judge(args: argparse.Namespace) -> int:
    """Run `tuiapp judge`."""
    provider_name, _, model = args.judge.partition(":")
    if not provider_name or not model:
        say(f"--judge {args.judge!r}: give it as PROVIDER:MODEL (e.g. openai:gpt-4o-mini)")
        return EXIT_UNREADABLE
    store = open_store(app_paths(args.home).ensure().database)
    try:
        return asyncio.run(_judge(store, args, provider_name, model))
    except LookupError as err:
        say(str(err).strip("'\""))
        return EXIT_REJECTED
    except (ProviderError, ValueError, OSError) as err:
        say(err)
        return EXIT_UNREADABLE
    finally:
        store.close()
