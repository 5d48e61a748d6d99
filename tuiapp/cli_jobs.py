"""Command-line jobs: `train` (plan, confirm, upload, create), `jobs` (list, or one job in
detail), `eval` (a job's model and its base over the holdout, progress on stderr) and
`experiments` (the comparison table), over the same core as the screens; `watch`, `cancel`,
`pause` and `resume` live in cli_job_control and are registered from here."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import asdict
from typing import Any

from tuiapp import cli_job_control, cli_local
from tuiapp.cli_errors import describe_os_error, say
from tuiapp.cli_quality import CliError
from tuiapp.paths import app_paths
from tuiapp.providers.base import ProviderError
from tuiapp.redact import redact
from tuiapp.store import Store, open_store

COMMANDS = ("train", "jobs", "watch", "eval", "experiments", *cli_job_control.CONTROLS)


def add_parsers(sub: Any) -> None:
    """Register the commands on the main parser's subparsers."""
    train = sub.add_parser("train", help="start a fine-tuning job on a frozen version")
    train.add_argument("version", type=int, help="a version id from `tuiapp versions`")
    train.add_argument("--model", help="base model (default: the provider's default base model)")
    train.add_argument("--provider", help="a registered provider's name (default: see README)")
    train.add_argument("--epochs", default="auto")
    train.add_argument("--batch-size", default="auto")
    train.add_argument("--lr-multiplier", default="auto")
    train.add_argument("--suffix")
    train.add_argument("--seed", type=int)
    train.add_argument("--no-holdout", action="store_true", help="no validation file")
    train.add_argument("--yes", action="store_true", help="do not ask before paying")
    train.add_argument("--allow-pii", action="store_true", help="upload personal data anyway")
    train.add_argument("--home")
    jobs = sub.add_parser("jobs", help="list fine-tuning jobs, or show one in detail")
    jobs.add_argument("job", type=int, nargs="?", help="one job id: everything about it")
    jobs.add_argument("--json", action="store_true")
    jobs.add_argument("--home")
    cli_job_control.add_parsers(sub)
    evaluate = sub.add_parser("eval", help="evaluate a job's model and its base on the holdout")
    evaluate.add_argument("job", type=int)
    evaluate.add_argument("--concurrency", type=int, default=8)
    evaluate.add_argument("--max-tokens", type=int, default=256)
    evaluate.add_argument("--check", help="a regex each answer should match (scored)")
    evaluate.add_argument("--no-base", action="store_true", help="only the fine-tuned model")
    evaluate.add_argument(
        "--labels", help="comma-separated labels: score accuracy and macro-F1 as labels"
    )
    evaluate.add_argument("--json", action="store_true", help="the runs and scores as JSON")
    evaluate.add_argument("--home")
    table = sub.add_parser("experiments", help="one row per job, as CSV, Markdown or JSON")
    table.add_argument("--markdown", action="store_true")
    table.add_argument("--json", action="store_true")
    table.add_argument("--home")


def run(args: argparse.Namespace) -> int:
    """Run one of this module's commands; problems are printed, exit code 2."""
    paths = app_paths(args.home).ensure()
    store = open_store(paths.database)
    try:
        if args.command == "jobs" and args.job is not None:
            return cli_job_control.cmd_job(store, args.job, args.json)
        if args.command == "jobs":
            return cmd_jobs(store, args)
        if args.command == "experiments":
            return cmd_experiments(store, args)
        if args.command in (*cli_job_control.CONTROLS, "watch"):
            return asyncio.run(cli_job_control.run(store, args, _providers(args)))
        commands = {"train": cmd_train, "eval": cmd_eval}
        return asyncio.run(commands[args.command](store, args))
    except BrokenPipeError:
        raise  # the reader went away: main ends quietly
    except OSError as err:
        say(describe_os_error(err))
        return 2
    except (CliError, ProviderError, ValueError, KeyError) as err:
        say(str(err).strip(chr(39)))
        return 2
    finally:
        store.close()


def _value(text: str) -> Any:
    """'auto', or the number the user typed."""
    if text == "auto":
        return "auto"
    number = float(text)
    return int(number) if number.is_integer() else number


def _providers(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """The provider pool for this run."""
    from tuiapp.providers.registry import Providers

    return Providers(app_paths(args.home))


async def cmd_train(store: Store, args: argparse.Namespace) -> int:
    """Plan, show the estimate, confirm, upload and create."""
    from tuiapp.data.catalog import check_training
    from tuiapp.providers.registry import DEFAULT_SETTING, default_base, default_provider
    from tuiapp.services.launch import plan_job, start_job

    provider_name = args.provider or default_provider(chosen=store.get_setting(DEFAULT_SETTING))
    base_model = args.model or default_base(provider_name)
    if not base_model:
        raise CliError(f"{provider_name} declares no default base model: pass --model")
    dated = check_training(base_model, provider_name)  # the catalog's dates (data/catalog.py)
    if dated.refused:
        raise CliError(dated.refused)
    for warning in dated.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    plan = plan_job(
        store,
        provider_name,
        args.version,
        base_model,
        {
            "n_epochs": _value(args.epochs),
            "batch_size": _value(args.batch_size),
            "learning_rate_multiplier": _value(args.lr_multiplier),
        },
        suffix=args.suffix,
        seed=args.seed,
        use_holdout=not args.no_holdout,
    )
    usd = "unknown" if plan.usd is None else f"${plan.usd:,.2f}"
    print(
        f"{provider_name} · {plan.base_model} · {plan.train_examples:,} examples · "
        f"{plan.n_epochs} epochs · {plan.billed_tokens:,} billed tokens · {usd}"
    )
    for warning in plan.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if plan.needs_confirmation and not args.allow_pii:
        raise CliError("the data holds personal data: redact it, or pass --allow-pii")
    if not args.yes:
        if not sys.stdin.isatty():
            raise CliError("pass --yes to start the job without a question")
        if input("Start this job? [y/N] ").strip().lower() not in ("y", "yes"):
            return 1
    cli_local.prepare_base_model(provider_name, plan.base_model, args.home)  # first use
    providers = _providers(args)
    try:
        provider = await providers.get(provider_name)
        folder = app_paths(args.home).cache_dir / "uploads" / plan.version.content_hash[:16]
        job = await start_job(store, provider, plan, folder)
    finally:
        await providers.close()
    print(f"job {job.id} ({job.remote_id}) {job.status}: follow it with `tuiapp watch`")
    return 0


def cmd_jobs(store: Store, args: argparse.Namespace) -> int:
    """Every job with its status and last losses."""
    from tuiapp.store.jobs import latest_metrics, list_jobs

    rows = []
    for job in list_jobs(store):
        last, valid = latest_metrics(store, job.id)
        rows.append(
            {
                "id": job.id,
                "provider": job.provider,
                "remote_id": job.remote_id,
                "status": job.status,
                "base_model": job.base_model,
                "version_id": job.version_id,
                "fine_tuned_model": job.fine_tuned_model,
                "step": last.step if last else None,
                "total_steps": last.total_steps if last else None,
                "train_loss": last.train_loss if last else None,
                "valid_loss": valid,
                "created_at": job.created_at,
                "error": job.error,
            }
        )
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for r in rows:
        loss = f"{r['train_loss']:.4f}" if r["train_loss"] is not None else "-"
        step = f"{r['step']}/{r['total_steps']}" if r["step"] is not None else "-"
        print(
            f"{r['id']:>4}  {r['provider']:<8} {r['status']:<17} {r['base_model']:<28} "
            f"step {step:<9} loss {loss:<8} {r['fine_tuned_model'] or ''}"
        )
    return 0


async def cmd_eval(store: Store, args: argparse.Namespace) -> int:
    """Run the fine-tuned model (and its base) over the holdout; print the scores."""
    from tuiapp.services.eval_run import run_eval, start_run
    from tuiapp.store.jobs import get_job

    job = get_job(store, args.job)
    if not job.fine_tuned_model or not job.version_id:
        raise CliError(f"job {job.id} has no fine-tuned model yet ({job.status})")
    params = {"temperature": 0, "max_tokens": args.max_tokens}
    if args.check:
        params["check"] = args.check
    if getattr(args, "labels", None):
        params["labels"] = [label.strip() for label in args.labels.split(",") if label.strip()]
    models: list[tuple[str, int | None]] = [(job.fine_tuned_model, job.id)]
    if not args.no_base:
        models.append((job.base_model, None))
    providers = _providers(args)
    try:
        provider = await providers.get(job.provider)
        runs = [
            start_run(store, job.version_id, job.provider, model, job_id=job_id, params=params)
            for model, job_id in models
        ]
        done = await asyncio.gather(
            *(
                run_eval(store, provider, run.id, args.concurrency, _progress(run.id, run.model))
                for run in runs
            )
        )
    finally:
        await providers.close()
    if getattr(args, "json", False):
        keys = ("id", "model", "job_id", "status", "scores")
        print(json.dumps([{k: getattr(run, k) for k in keys} for run in done], indent=2))
        return 0
    for run in done:
        shown = ", ".join(
            f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in run.scores.items()
        )
        print(f"run {run.id} {run.model} ({run.status}): {shown}")
    return 0


def _progress(run_id: int, model: str):  # type: ignore[no-untyped-def]
    """Report each answered item on stderr (one line each; overwritten on a terminal)."""
    tty = sys.stderr.isatty()

    def report(finished: int, total: int) -> None:
        line = f"eval run {run_id} {model}: {finished}/{total} answered"
        end = "\n" if not tty or finished == total else ""
        print(("\r" if tty else "") + redact(line), end=end, file=sys.stderr, flush=True)

    return report


def cmd_experiments(store: Store, args: argparse.Namespace) -> int:
    """Print the experiments table."""
    from tuiapp.evals.experiments import to_csv, to_markdown
    from tuiapp.services.experiments import experiments

    rows = experiments(store)
    if getattr(args, "json", False):
        print(json.dumps([asdict(row) for row in rows], indent=2))
        return 0
    print(to_markdown(rows) if args.markdown else to_csv(rows), end="")
    return 0
