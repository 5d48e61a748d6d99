"""`tuiapp local serve|pull`: run the embedded OpenAI-compatible backend and choose the base
models it serves (needs the `local` extra)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tuiapp.paths import app_paths

if TYPE_CHECKING:
    from tuiapp.local.model_store import Preparing


def add_parsers(sub: Any) -> None:
    """Register `local serve` and `local pull` on the main parser's subparsers."""
    local = sub.add_parser("local", help="the embedded fine-tuning backend")
    local_sub = local.add_subparsers(dest="local_command", required=True)
    serve = local_sub.add_parser("serve", help="run the OpenAI-compatible local server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("--data", type=Path, help="state folder (default: the data dir)")
    serve.add_argument("--home")
    serve.add_argument(
        "--key", help="the API key clients must send (default: $TUIAPP_LOCAL_API_KEY)"
    )
    serve.add_argument(
        "--processes",
        type=int,
        help="training processes per job, data-parallel under torchrun (default: one per CUDA "
        "GPU; on the CPU they use gloo)",
    )
    serve.add_argument(
        "--max-batch", type=int, default=16, help="requests generated together per base model"
    )
    serve.add_argument(
        "--default-max-tokens", type=int, default=512, help="max_tokens when a request has none"
    )
    serve.add_argument(
        "--max-tokens-limit", type=int, default=4096, help="the most tokens one answer may have"
    )
    pull = local_sub.add_parser(
        "pull", help="serve a base model: the default (SmolLM2-135M), ORG/NAME or a folder"
    )
    pull.add_argument("source", nargs="?", default=None, help="hub id or model folder")
    pull.add_argument("--home")


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def cmd_local(args: argparse.Namespace) -> int:
    """`tuiapp local serve|pull`: the embedded backend (needs the `local` extra)."""
    import os

    from tuiapp.local import INSTALL_HINT, missing_dependencies

    missing = missing_dependencies()
    if missing:
        print(
            f"tuiapp: the local backend needs {', '.join(missing)}. Install it with:\n"
            f"  {INSTALL_HINT}",
            file=sys.stderr,
        )
        return 2
    paths = app_paths(args.home).ensure()
    if args.local_command == "pull":
        from tuiapp.local.model_store import DEFAULT_BASE, prepare_default, pull

        try:
            if args.source in (None, DEFAULT_BASE):
                prepare_default(paths.cache_dir / "models", stderr_progress())
                name = DEFAULT_BASE
            else:
                name = pull(args.source, paths.cache_dir / "models")
        except (ValueError, OSError, RuntimeError) as err:
            print(f"tuiapp: {err}", file=sys.stderr)
            return 2
        print(f"clients can now use model={name!r}")
        return 0
    api_key = args.key or os.environ.get("TUIAPP_LOCAL_API_KEY")
    if args.host not in LOOPBACK and not api_key:
        print(
            "tuiapp: refusing to listen on a non-loopback address without a key; pass --key "
            "or set TUIAPP_LOCAL_API_KEY",
            file=sys.stderr,
        )
        return 2
    if args.processes is not None:
        if args.processes < 1:
            print("tuiapp: --processes must be at least 1", file=sys.stderr)
            return 2
        from tuiapp.local.runner import PROCESSES_ENV

        os.environ[PROCESSES_ENV] = str(args.processes)  # the job runner reads it per job
    from tuiapp.local.server import serve

    root = args.data or paths.data_dir / "local"
    print(
        f"tuiapp local backend on http://{args.host}:{args.port}/v1 (state in {root})",
        file=sys.stderr,
    )
    from tuiapp.local.api_models import ChatLimits

    limits = ChatLimits(args.default_max_tokens, args.max_tokens_limit)
    serve(args.host, args.port, root, api_key, limits=limits, max_batch=args.max_batch)
    return 0


def stderr_progress() -> Callable[[Preparing], None]:
    """Show the preparation of the default base model on stderr: a bar rewritten in place on
    a terminal, one line per step (and per tenth of the download) otherwise."""
    shown: list[tuple[str, int]] = []

    def show(step: Preparing) -> None:
        percent = round(100 * step.share)
        if sys.stderr.isatty():
            bar = "#" * (percent // 5) + "-" * (20 - percent // 5)
            end = "\n" if step.share >= 1 else ""
            print(
                f"\r\x1b[K{step.text} [{bar}] {percent:3d}%", end=end, file=sys.stderr, flush=True
            )
        elif not shown or shown[-1][0] != step.text or percent // 10 > shown[-1][1] // 10:
            print(f"{step.text}: {percent}%", file=sys.stderr, flush=True)
        shown.append((step.text, percent))

    return show


def prepare_base_model(provider: str, model: str, home: str | None) -> None:
    """Before a job: the default base model is prepared on its first use, progress on stderr
    (nothing happens for other models, a remote backend, or without the `local` extra)."""
    import os

    from tuiapp.cli_quality import CliError
    from tuiapp.local import missing_dependencies
    from tuiapp.local.model_store import needs_preparing, prepare_default

    paths = app_paths(home).ensure()
    if missing_dependencies() or not needs_preparing(provider, model, os.environ, paths):
        return
    print(f"{model} is used for the first time: preparing it (once)", file=sys.stderr)
    try:
        prepare_default(paths.cache_dir / "models", stderr_progress())
    except RuntimeError as err:
        raise CliError(f"could not prepare {model}: {err}") from None
