"""`tuiapp local serve|pull`: run the embedded OpenAI-compatible backend and choose the base
models it serves (needs the `local` extra)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from tuiapp.paths import app_paths


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
        from tuiapp.local.model_store import DEFAULT_BASE, pull

        try:
            name = pull(args.source or DEFAULT_BASE, paths.cache_dir / "models")
        except (ValueError, OSError) as err:
            print(f"tuiapp: {err}", file=sys.stderr)
            return 2
        print(f"clients can now use model={name!r}")
        return 0
    api_key = os.environ.get("TUIAPP_LOCAL_API_KEY")
    if args.host not in LOOPBACK and not api_key:
        print(
            "tuiapp: refusing to listen on a non-loopback address without a key; set "
            "TUIAPP_LOCAL_API_KEY",
            file=sys.stderr,
        )
        return 2
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
