"""`tuiapp retrain JOB --provider P --model M [--dry-run] [--yes] [--wait] [--json]`: move an
imported or finished job to another provider (its version and hyperparameters mapped, what
has no equivalent said), after recording the old model's answers on the holdout; and
`tuiapp retrain JOB --compare`: both models on that holdout, side by side. Exit 0 done, 1 the
comparison is not ready yet (or the question was answered no), 2 refused or unreachable."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from tuiapp.cli_errors import EXIT_REJECTED, EXIT_UNREADABLE, describe_os_error, progress, say
from tuiapp.paths import AppPaths, app_paths


def add_parsers(sub: Any) -> None:
    """Register `retrain` on the main parser's subparsers."""
    cmd = sub.add_parser(
        "retrain", help="train a job's version again on another provider, then compare"
    )
    cmd.add_argument("job", type=int, help="a job id from `tuiapp jobs` (imported or finished)")
    cmd.add_argument("--provider", help="the target provider (local, together, fireworks...)")
    cmd.add_argument("--model", help="the target base model (default: the provider's default)")
    cmd.add_argument("--dry-run", action="store_true", help="show the mapping and cost only")
    cmd.add_argument("--compare", action="store_true", help="old vs new model on the holdout")
    cmd.add_argument("--wait", action="store_true", help="wait for the job, then compare")
    cmd.add_argument("--again", action="store_true", help="a second job to the same target")
    cmd.add_argument("--yes", action="store_true", help="do not ask before paying")
    cmd.add_argument("--allow-pii", action="store_true", help="upload personal data anyway")
    cmd.add_argument("--max-tokens", type=int, default=256, help="per answer, in evaluations")
    cmd.add_argument("--concurrency", type=int, default=8)
    cmd.add_argument("--json", action="store_true", help="print one JSON object")
    cmd.add_argument("--home")


def _providers(paths: AppPaths) -> Any:
    """The provider pool for this run (tests put a stubbed one here)."""
    from tuiapp.providers.registry import Providers

    return Providers(paths)


def cmd_retrain(args: argparse.Namespace) -> int:
    """Run `tuiapp retrain`; problems are printed, exit code 2."""
    from tuiapp.cli_quality import CliError
    from tuiapp.providers.base import ProviderError
    from tuiapp.services.retrain import RetrainError
    from tuiapp.store import open_store

    paths = app_paths(args.home).ensure()
    store = open_store(paths.database)
    try:
        if args.compare:
            return asyncio.run(_compare(store, paths, args))
        return asyncio.run(_retrain(store, paths, args))
    except (RetrainError, ProviderError, CliError, KeyError, ValueError) as err:
        say(str(err).strip(chr(39)))
        return EXIT_UNREADABLE
    except OSError as err:
        say(describe_os_error(err))
        return EXIT_UNREADABLE
    finally:
        store.close()


async def _retrain(store: Any, paths: AppPaths, args: argparse.Namespace) -> int:
    """Plan, show, confirm, record the old answers, start; with --wait, compare at the end."""
    from tuiapp.cli_local import prepare_base_model
    from tuiapp.cli_quality import CliError
    from tuiapp.providers.registry import default_base
    from tuiapp.services.retrain import (
        plan_lines,
        plan_retrain,
        record_old_answers,
        start_retrain,
    )

    if not args.provider:
        raise CliError("pass --provider (the target), or --compare")
    model = args.model or default_base(args.provider)
    if not model:
        raise CliError(f"{args.provider} declares no default base model: pass --model")
    rplan = plan_retrain(store, args.job, args.provider, model)
    if args.again:
        rplan.earlier = None
    if args.json and args.dry_run:
        shown = {**rplan.mapping.to_json(), "estimate": rplan.plan.estimate()}
        print(json.dumps({**shown, "model": model, "warnings": rplan.warnings}, indent=2))
        return 0
    for line in plan_lines(rplan):
        print(line)
    for warning in [*rplan.warnings, *rplan.plan.warnings]:
        progress(f"warning: {warning}")
    if args.dry_run:
        return 0
    earlier = rplan.earlier
    if earlier is not None and earlier.new_job is not None:
        print(
            f"job {args.job} was moved to {args.provider} {model} already: job "
            f"{earlier.new_job}; `tuiapp retrain {args.job} --compare`, or --again for another"
        )
        return 0
    if rplan.plan.needs_confirmation and not args.allow_pii:
        raise CliError("the data holds personal data: redact it, or pass --allow-pii")
    if not args.yes:
        if not sys.stdin.isatty():
            raise CliError("pass --yes to start the job without a question")
        if input("Record the old answers and start this job? [y/N] ").strip().lower() not in (
            "y",
            "yes",
        ):
            return EXIT_REJECTED
    providers = _providers(paths)
    try:
        params = {"temperature": 0, "max_tokens": args.max_tokens}
        answers = await record_old_answers(
            store, providers.get, rplan.old, args.concurrency, params
        )
        progress(answers.said)
        prepare_base_model(args.provider, model, args.home)
        provider = await providers.get(args.provider)
        folder = paths.cache_dir / "uploads" / rplan.plan.version.content_hash[:16]
        old_run = answers.run.id if answers.run else None
        link, job = await start_retrain(store, provider, rplan, folder, old_run)
        print(f"job {job.id} ({job.remote_id}) {job.status}: retrain {link.id} of job {args.job}")
        if not args.wait:
            print(f"when it has succeeded: `tuiapp retrain {args.job} --compare`")
            return 0
        return await _finish(store, providers, link, args)
    finally:
        await providers.close()


async def _finish(store: Any, providers: Any, link: Any, args: argparse.Namespace) -> int:
    """Watch the new job to its end, evaluate it, print the comparison."""
    from tuiapp.services.job_watch import Watcher
    from tuiapp.services.retrain import evaluate_new
    from tuiapp.services.retrain_compare import compare
    from tuiapp.store.retrains import get_retrain

    job = await Watcher(store, providers.get, min_interval=0.5).until_finished(link.new_job)
    progress(f"job {job.id}: {job.status}")
    if job.status != "succeeded":
        say(f"job {job.id} {job.status}: {job.error or 'no model to compare'}")
        return EXIT_UNREADABLE
    await evaluate_new(store, providers.get, get_retrain(store, link.id), args.concurrency)
    return _show(compare(store, get_retrain(store, link.id)), args.json)


async def _compare(store: Any, paths: AppPaths, args: argparse.Namespace) -> int:
    """Evaluate the new model when it has succeeded and has no run yet, then compare."""
    from tuiapp.cli_quality import CliError
    from tuiapp.services.retrain import evaluate_new
    from tuiapp.services.retrain_compare import compare, latest_link
    from tuiapp.store.jobs import get_job
    from tuiapp.store.retrains import get_retrain

    link = latest_link(store, args.job)
    if link is None:
        raise CliError(
            f"job {args.job} was not retrained: `tuiapp retrain {args.job} --provider P`"
        )
    new = get_job(store, link.new_job) if link.new_job is not None else None
    if new is None or new.status != "succeeded":
        state = new.status if new is not None else "not created"
        say(f"the new job is {state}: compare once it has succeeded (`tuiapp watch`)")
        return EXIT_REJECTED
    providers = _providers(paths)
    try:
        await evaluate_new(store, providers.get, link, args.concurrency)
    finally:
        await providers.close()
    return _show(compare(store, get_retrain(store, link.id)), args.json)


def _cell(value: float | None, signed: bool = False) -> str:
    """A metric as the table shows it."""
    if value is None:
        return "-"
    return f"{value:+.3f}" if signed else f"{value:.3f}"


def _show(found: Any, as_json: bool) -> int:
    """Print the comparison (exit 1 while one side has no run)."""
    if as_json:
        print(json.dumps(found.to_json(), indent=2))
        return 0 if found.complete else EXIT_REJECTED
    link = found.link
    old, new = found.old_run, found.new_run
    print(
        f"retrain {link.id}: job {link.old_job} ({old.model if old else 'no old answers'}) -> "
        f"job {link.new_job} ({new.model if new else 'not evaluated'})"
    )
    if not found.complete:
        say("the old model's answers were not recorded: nothing to compare against")
        return EXIT_REJECTED
    print(f"{'metric':<24}{'old':>9}{'new':>9}{'change':>9}")
    for row in found.rows:
        print(f"{row.name:<24}{_cell(row.old):>9}{_cell(row.new):>9}{_cell(row.delta, True):>9}")
    total = found.better + found.same + found.worse
    print(
        f"items ({total}, token F1): new better on {found.better}, same on {found.same}, "
        f"worse on {found.worse}"
    )
    return 0
