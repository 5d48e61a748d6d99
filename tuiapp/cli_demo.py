"""`tuiapp demo`: import the demo dataset that ships with tuiapp (once) and open the app on it,
so that a first run has something to review, freeze, train on and compare."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from typing import Any

from tuiapp.paths import app_paths

NEXT_STEPS = """\
What to do next, in the app (`tuiapp COMMAND --help`: the same from a script):
  1. review   C accepts every example without errors (a / r: one by one)
  2. freeze   V opens the versions, f freezes one: a train split and a holdout
  3. train    t on the version opens the job form; with no API key it trains on
              the local backend from SmolLM2-135M-Instruct (prepared on first
              use: a 98 MB download, once); ctrl+s starts it
  4. compare  e on the finished job evaluates it and its base on the holdout;
              g opens the playground: ask for the capital of a holdout country"""


def add_parsers(sub: Any) -> None:
    """Register `demo` on the subcommand parser."""
    cmd = sub.add_parser("demo", help="import the demo dataset (once) and open the app on it")
    how = cmd.add_mutually_exclusive_group()
    how.add_argument(
        "--tui", action="store_true", default=None, help="open the app (default on a terminal)"
    )
    how.add_argument("--no-tui", dest="tui", action="store_false", help="only import it")
    cmd.add_argument("--json", action="store_true", help="print the import as one JSON object")
    cmd.add_argument("--home")


def cmd_demo(args: argparse.Namespace) -> int:
    """Import (or find) the demo dataset, say what to do next, open the app on a terminal."""
    from tuiapp.demo import DEMO_TASK, demo_path, import_demo
    from tuiapp.store import open_store

    paths = app_paths(args.home).ensure()
    store = open_store(paths.database)
    try:
        done = import_demo(store)
    finally:
        store.close()
    ds = done.dataset
    if args.json:
        print(
            json.dumps(
                {
                    "dataset": ds.id,
                    "name": ds.name,
                    "examples": done.examples,
                    "created": done.created,
                    "file": ds.path,
                }
            )
        )
    else:
        how = "imported" if done.created else "already imported: reusing it"
        print(f"dataset {ds.id} ({ds.name}): {done.examples} examples, {how}")
        print(textwrap.fill(DEMO_TASK, 79))
        print(NEXT_STEPS)
    # Open the app only where someone can use it: a script or a pipe gets the import and exits.
    tui = args.tui if args.tui is not None else (sys.stdin.isatty() and sys.stdout.isatty())
    if not tui:
        if not args.json:
            print(f"open it with: tuiapp demo --tui\n(or tuiapp {ds.path})")
        return 0
    from tuiapp.app import make_app

    app = make_app(paths, open_path=demo_path())
    app.run()
    return app.return_code or 0
