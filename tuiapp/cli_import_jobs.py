"""`tuiapp import-jobs --provider openai|together|fireworks|local [--limit N] [--json] [--yes]`: an
account's fine-tuning jobs, their files (as datasets and a version), hyperparameters, metrics
and fine-tuned model ids brought into the store; progress on stderr. Exit 0 when every job came
in whole, 1 when some came without their version (a file could not be downloaded: the report
says which and why), 2 when the provider cannot be reached or listed."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from tuiapp.cli_errors import EXIT_REJECTED, EXIT_UNREADABLE, describe_os_error, progress, say
from tuiapp.paths import AppPaths, app_paths


def add_parsers(sub: Any) -> None:
    """Register `import-jobs` on the main parser's subparsers."""
    cmd = sub.add_parser(
        "import-jobs",
        help="import a provider's fine-tuning jobs (files, version, metrics, model ids)",
    )
    cmd.add_argument("--provider", required=True, help="openai, together, local, ...")
    cmd.add_argument("--limit", type=int, help="only the N newest jobs")
    cmd.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    cmd.add_argument("--yes", action="store_true", help="do not ask before downloading")
    cmd.add_argument("--home")


def _providers(paths: AppPaths) -> Any:
    """The provider pool for this run (tests put a stubbed one here)."""
    from tuiapp.providers.registry import Providers

    return Providers(paths)


def _confirmed(count: int, files: int, yes: bool) -> bool:
    """Ask before downloading, unless --yes (no terminal to ask on: refuse, say so)."""
    if yes:
        return True
    if not sys.stdin.isatty():
        say("pass --yes to import without a question")
        return False
    answer = input(f"Import {count} jobs ({files} files to download)? [y/N] ")
    return answer.strip().lower() in ("y", "yes")


async def _run(args: argparse.Namespace) -> int:
    """List, confirm, import, report."""
    from tuiapp.providers.base import ProviderError
    from tuiapp.services.import_jobs import import_jobs, list_jobs_to_import
    from tuiapp.store import open_store

    paths = app_paths(args.home).ensure()
    providers = _providers(paths)
    store = open_store(paths.database)
    try:
        provider = await providers.get(args.provider)
        listed = await list_jobs_to_import(provider, args.limit)
        files = sum(bool(j.training_file) + bool(j.validation_file) for j in listed)
        progress(f"{args.provider}: {len(listed)} jobs, {files} files")
        if not _confirmed(len(listed), files, args.yes):
            return EXIT_UNREADABLE
        report = await import_jobs(
            store, provider, paths.data_dir / "imported", say=progress, listed=listed
        )
    except ProviderError as err:
        say(err)
        return EXIT_UNREADABLE
    except OSError as err:
        say(describe_os_error(err))
        return EXIT_UNREADABLE
    finally:
        store.close()
        await providers.close()
    if args.json:
        print(json.dumps(report.to_json(), indent=2))
    else:
        for job in report.jobs:
            version = f"version {job.version_id}" if job.version_id else "no version"
            state = "new" if job.new else "updated"
            print(
                f"job {job.job_id} ({state}) {job.remote_id} · {job.status} · {job.base_model}"
                f" · {version} · {job.metric_steps} steps · {job.fine_tuned_model or '-'}"
            )
            for problem in job.problems:
                print(f"  {problem}")
    return 0 if report.complete else EXIT_REJECTED


def cmd_import_jobs(args: argparse.Namespace) -> int:
    """`tuiapp import-jobs`: see the module's docstring."""
    return asyncio.run(_run(args))
