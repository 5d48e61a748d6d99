"""`tuiapp export-model JOB --format adapter|merged|ollama|gguf`: a local job's model (or one
of its checkpoints) as files that Ollama, llama.cpp and vLLM serve; exit 1 when the job cannot
be exported as asked, 2 when something it needs is missing."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from tuiapp.cli_errors import EXIT_REJECTED, EXIT_UNREADABLE, describe_os_error, say
from tuiapp.paths import app_paths

FORMATS = ("adapter", "merged", "ollama", "gguf")  # tuiapp.local.export_model.FORMATS


def add_parsers(sub: Any) -> None:
    """Register `export-model` on the main parser's subparsers."""
    cmd = sub.add_parser(
        "export-model",
        help="write a local job's model as an adapter, merged model, Ollama Modelfile or GGUF",
    )
    cmd.add_argument("job", help="the job's id (tuiapp jobs) or the local backend's ftjob id")
    cmd.add_argument("--checkpoint", type=int, metavar="STEP", help="a checkpoint's step")
    cmd.add_argument(
        "--format",
        required=True,
        choices=FORMATS,
        help="merged: a whole safetensors model (a full fine-tune's own weights); adapter: "
        "the LoRA adapter only (none for a full fine-tune)",
    )
    cmd.add_argument("--out", type=Path, help="the folder to write (default: under the state)")
    cmd.add_argument(
        "--converter", type=Path, help="llama.cpp's convert_hf_to_gguf.py (default: on PATH)"
    )
    cmd.add_argument("--data", type=Path, help="the local backend's state folder")
    cmd.add_argument("--json", action="store_true", help="print the result as one JSON object")
    cmd.add_argument("--home")


def cmd_export_model(args: argparse.Namespace) -> int:
    """Export, then print where and the commands that serve it."""
    from tuiapp.local import INSTALL_HINT, missing_dependencies

    if missing := missing_dependencies():
        say(f"exporting a model needs {', '.join(missing)}; install it with: {INSTALL_HINT}")
        return EXIT_UNREADABLE
    from tuiapp.local.export_model import ExportError
    from tuiapp.services.model_export import export_job
    from tuiapp.store import open_store

    paths = app_paths(args.home).ensure()
    store = open_store(paths.database)
    try:
        result = export_job(
            store,
            paths,
            os.environ,
            args.job,
            args.format,
            args.checkpoint,
            args.out,
            args.converter,
            args.data,
        )
    except ExportError as err:
        say(err)
        return EXIT_UNREADABLE if err.kind == "missing" else EXIT_REJECTED
    except OSError as err:
        say(describe_os_error(err))
        return EXIT_UNREADABLE
    finally:
        store.close()
    if args.json:
        print(json.dumps(result.to_json(), indent=2))
        return 0
    print(
        f"wrote {result.format} of {result.source.model_id} to {result.path} "
        f"({result.size_bytes / 1e6:,.1f} MB in {result.seconds:.1f} s)"
    )
    for note in result.notes:
        print(f"  {note}")
    print("serve it:")
    for command in result.commands:
        print(f"  {command}")
    return 0
