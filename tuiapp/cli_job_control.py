"""Command-line job control, what the job screen does: `cancel`, `pause` and `resume` a job,
`jobs JOB` (one job in detail) and `watch [JOB]` (step, losses and ETA as they change; JSON
lines with --json). Exit codes: 0 done (watch: every job it followed succeeded), 1 refused or
ended badly (the job failed or was cancelled, it has already ended, the provider cannot pause),
2 it cannot be done (no such job, the provider cannot be reached), 3 an internal error."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from typing import Any

from tuiapp.cli_errors import EXIT_ACCEPTED, EXIT_REJECTED, EXIT_UNREADABLE, say
from tuiapp.cli_quality import CliError
from tuiapp.data.eta import RECENT, describe
from tuiapp.jobs.diagnosis import diagnose
from tuiapp.redact import redact
from tuiapp.services.job_watch import (
    MAX_INTERVAL,
    MIN_INTERVAL,
    Connect,
    Polled,
    Watcher,
    job_eta,
    verdict_context,
)
from tuiapp.store import Store
from tuiapp.store.jobs import (
    Job,
    get_job,
    job_checkpoints,
    job_events,
    job_metrics,
    latest_metrics,
    list_jobs,
)

CONTROLS = ("cancel", "pause", "resume")
GIVE_UP_AFTER = 5  # consecutive failed polls of one job before `watch` stops (exit 2)


def add_parsers(sub: Any) -> None:
    """Register cancel, pause, resume and watch on the main parser's subparsers."""
    helps = {
        "cancel": "cancel a job (asks first on a terminal; --yes to skip)",
        "pause": "pause a job after its current step (providers that can)",
        "resume": "resume a paused job from the step it paused at",
    }
    for name in CONTROLS:
        control = sub.add_parser(name, help=helps[name])
        control.add_argument("job", type=int, help="a job id from `tuiapp jobs`")
        control.add_argument("--yes", action="store_true", help="do not ask")
        control.add_argument("--home")
    watch = sub.add_parser("watch", help="follow a job (or every unfinished one) until it ends")
    watch.add_argument("job", type=int, nargs="?", help="one job id (default: every unfinished)")
    watch.add_argument("--once", action="store_true", help="poll once, print the state, stop")
    watch.add_argument("--json", action="store_true", help="JSON lines, one per change")
    watch.add_argument(
        "--interval", type=float, default=MIN_INTERVAL, help="seconds between polls (at least)"
    )
    watch.add_argument("--home")


def state(store: Store, job: Job, now: float | None = None) -> dict[str, Any]:
    """A job's state as the screen shows it: step, losses, elapsed, ETA."""
    now = time.time() if now is None else now
    last, valid = latest_metrics(store, job.id)
    recent = job_metrics(store, job.id, last.step - RECENT - 2) if last else []
    eta = job_eta(job, recent, now)
    return {
        "job": job.id,
        "status": job.status,
        "step": last.step if last else None,
        "total_steps": last.total_steps if last else None,
        "train_loss": last.train_loss if last else None,
        "valid_loss": valid,
        "eta_seconds": [round(eta.low), round(eta.high)] if eta else None,
        "eta": describe(eta)[4:] if eta else None,
        "fine_tuned_model": job.fine_tuned_model,
        "error": job.error,
    }


def state_line(row: dict[str, Any]) -> str:
    """`job 3: running · step 12/40 · train 1.2345 · valid 1.4567 · ETA 2m10s`."""
    parts = [f"job {row['job']}: {row['status']}"]
    if row["step"] is not None:
        parts.append(f"step {row['step']}/{row['total_steps'] or '?'}")
    for key in ("train_loss", "valid_loss"):
        if row[key] is not None:
            parts.append(f"{key.split('_')[0]} {row[key]:.4f}")
    if row["eta"]:
        parts.append(f"ETA {row['eta']}")
    if row["fine_tuned_model"]:
        parts.append(f"model {row['fine_tuned_model']}")
    if row["error"]:
        parts.append(f"error: {row['error']}")
    return redact(" · ".join(parts))


def detail(store: Store, job: Job) -> dict[str, Any]:
    """Everything about one job: its fields, state, verdict, checkpoints and latest events."""
    verdict = diagnose(job_metrics(store, job.id), job.finished, verdict_context(store, job))
    fields = {k: v for k, v in job.__dict__.items() if k not in ("client_token", "last_event_id")}
    return {
        **fields,
        **state(store, job),
        "verdict": {
            "verdict": verdict.verdict,
            "title": verdict.title,
            "detail": verdict.detail,
            "best_step": verdict.best_step,
        },
        "checkpoints": [
            {k: c[k] for k in ("step", "model_id", "metrics")}
            for c in job_checkpoints(store, job.id)
        ],
        "events": [
            {k: e[k] for k in ("created_at", "level", "type", "message")}
            for e in job_events(store, job.id, limit=10)
        ],
    }


async def run(store: Store, args: argparse.Namespace, providers: Any) -> int:
    """Run watch, cancel, pause or resume with these providers (closed after)."""
    try:
        if args.command == "watch":
            return await cmd_watch(store, args, providers.get)
        return await cmd_control(store, args, providers.get)
    finally:
        await providers.close()


def cmd_job(store: Store, job_id: int, as_json: bool) -> int:
    """`tuiapp jobs JOB`: one job in detail."""
    info = detail(store, get_job(store, job_id))
    if as_json:
        print(json.dumps(info, indent=2))
        return EXIT_ACCEPTED
    print(state_line(info))
    for key in ("provider", "remote_id", "base_model", "method", "version_id", "created_at"):
        print(f"  {key:<17} {info[key]}")
    for key in ("hyperparameters", "requested"):
        print(f"  {key:<17} {json.dumps(info[key])}")
    for key in ("training_file", "validation_file", "finished_at"):
        if info[key]:
            print(f"  {key:<17} {info[key]}")
    print(f"  verdict           {info['verdict']['title']}: {info['verdict']['detail']}")
    for checkpoint in info["checkpoints"]:
        print(f"  checkpoint        step {checkpoint['step']}: {checkpoint['model_id']}")
    for event in info["events"]:
        at = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(event["created_at"]))
        print(redact(f"  {at}  {event['message']}"))
    return EXIT_ACCEPTED


async def cmd_control(store: Store, args: argparse.Namespace, connect: Connect) -> int:
    """Cancel, pause or resume one job; the store then holds its new state."""
    job = get_job(store, args.job)
    what = args.command
    if job.finished:
        say(f"job {job.id} has already {job.status}: nothing to {what}")
        return EXIT_REJECTED
    if what == "cancel" and not args.yes:
        if not sys.stdin.isatty():
            raise CliError("pass --yes to cancel the job without a question")
        if input(f"Cancel job {job.id}? Training stops. [y/N] ").strip().lower() not in (
            "y",
            "yes",
        ):
            return EXIT_REJECTED
    provider = await connect(job.provider)
    if what != "cancel" and not provider.capabilities.pause_resume:
        say(f"{job.provider} cannot {what} jobs")
        return EXIT_REJECTED
    remote = await getattr(provider, what)(job.remote_id)
    polled = await Watcher(store, connect).poll(get_job(store, job.id))  # the store catches up
    print(
        state_line(state(store, polled.job))
        if polled.job.status == remote.status
        else f"job {job.id}: {remote.status}"
    )
    return EXIT_ACCEPTED


def _ended_badly(jobs: list[Job]) -> bool:
    """True when one of these jobs failed or was cancelled."""
    return any(job.status in ("failed", "cancelled") for job in jobs)


async def cmd_watch(store: Store, args: argparse.Namespace, connect: Connect) -> int:
    """Poll until the job (or every unfinished job) ends, printing each change."""
    ids = [get_job(store, args.job).id] if args.job is not None else None
    shown: dict[int, tuple[Any, ...]] = {}
    failures: dict[int, int] = {}

    def emit(row: dict[str, Any], force: bool = False) -> None:
        key = tuple(row[k] for k in ("status", "step", "train_loss", "valid_loss", "error"))
        if force or shown.get(row["job"]) != key:
            shown[row["job"]] = key
            print(json.dumps(row) if args.json else state_line(row), flush=True)

    def report(polled: Polled) -> None:
        job = polled.job
        if polled.error:
            failures[job.id] = failures.get(job.id, 0) + 1
            say(f"job {job.id}: {polled.error}")
            return
        failures.pop(job.id, None)
        for event in (
            job_events(store, job.id, limit=polled.new_events) if polled.new_events else []
        ):
            if event["type"] != "metrics" and not args.json:
                print(redact(f"job {job.id}: {event['message']}"), flush=True)
        emit(state(store, job), force=args.once)

    watcher = Watcher(store, connect, report, args.interval, max(args.interval, MAX_INTERVAL))
    watched = [get_job(store, i) for i in ids] if ids else list_jobs(store, unfinished=True)
    for job in watched:
        if job.finished:  # nothing to poll: its state is final
            emit(state(store, job), force=True)
    while True:
        if ids is None:  # jobs started meanwhile (from the TUI, another shell) join in
            known = {j.id for j in watched}
            watched += [j for j in list_jobs(store, unfinished=True) if j.id not in known]
        pending = [j.id for j in watched if not get_job(store, j.id).finished]
        if not pending:
            break
        await watcher.poll_due(pending)
        if args.once or any(n >= GIVE_UP_AFTER for n in failures.values()):
            break
        await asyncio.sleep(args.interval)
    if failures:
        return EXIT_UNREADABLE
    if not watched and not args.json:
        print("no unfinished jobs", file=sys.stderr)
    return EXIT_REJECTED if _ended_badly([get_job(store, j.id) for j in watched]) else EXIT_ACCEPTED
