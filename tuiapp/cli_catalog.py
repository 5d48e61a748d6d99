"""`tuiapp models`: the dated model catalog (provider, tokenizer, context, price, the day
training closes and the day the model retires, with their source); with --live, the models
each provider with a key lists that the file lacks."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from tuiapp.data.catalog import CatalogEntry, today, with_live
from tuiapp.paths import app_paths
from tuiapp.providers.base import ProviderError
from tuiapp.providers.registry import available, connect


def add_parsers(sub: Any) -> None:
    """Register `models` on the main parser's subparsers."""
    cmd = sub.add_parser(
        "models", help="the model catalog: provider, tokenizer, context, price, dates, source"
    )
    cmd.add_argument("--provider", action="append", help="only this provider's (repeatable)")
    cmd.add_argument(
        "--live", action="store_true", help="add the models each provider with a key lists"
    )
    cmd.add_argument("--json", action="store_true", help="one JSON array")
    cmd.add_argument("--home")


async def _live(names: list[str], args: argparse.Namespace) -> dict[str, list[str]]:
    """Each named provider's model list (a provider that cannot answer is said and skipped)."""
    found: dict[str, list[str]] = {}
    for name in names:
        try:
            provider = await connect(name, app_paths(args.home))
            try:
                found[name] = await provider.models()
            finally:
                await provider.close()
        except ProviderError as err:
            print(f"warning: {name}: cannot list its models ({err})", file=sys.stderr)
    return found


def _state(entry: CatalogEntry) -> str:
    """What the catalog says of the model today, in a few words."""
    now, source = today(), f" ({entry.source})" if entry.source else ""
    if entry.retires and entry.retires <= now:
        return f"retired {entry.retires.isoformat()}{source}"
    if entry.training_closes and entry.training_closes <= now:
        return f"training closed {entry.training_closes.isoformat()}{source}"
    dates = [
        f"{label} {day.isoformat()}"
        for label, day in (("training closes", entry.training_closes), ("retires", entry.retires))
        if day
    ]
    said = ", ".join(dates) + (source if dates else "")
    if entry.note:
        said = f"{said}; {entry.note}" if said else entry.note
    return said or (f"listed by {entry.provider}" if entry.live else "")


def cmd_models(args: argparse.Namespace) -> int:
    """Print the catalog (text or JSON); 0."""
    wanted = set(args.provider or [])
    names = [a.name for a in available() if a.name != "local" and (not wanted or a.name in wanted)]
    rows = with_live(asyncio.run(_live(names, args)) if args.live else {})
    rows = [r for r in rows if not wanted or r.provider in wanted]
    if args.json:
        keys = ("name", "provider", "encoding", "context", "price_per_million", "source", "note")
        out = [
            {
                **{k: getattr(r, k) for k in keys},
                "training_closes": r.training_closes.isoformat() if r.training_closes else None,
                "retires": r.retires.isoformat() if r.retires else None,
                "live": r.live,
                "today": _state(r),
            }
            for r in rows
        ]
        print(json.dumps(out, indent=2))
        return 0
    print(f"as of {today().isoformat()}")
    print(f"{'model':<28} {'provider':<9} {'tokenizer':<11} {'context':>7} {'price':>8}  dates")
    for r in rows:
        price = "-" if r.price_per_million is None else f"${r.price_per_million:g}/M"
        context = f"{r.context:,}" if r.context else "-"
        print(
            f"{r.name:<28} {r.provider or '-':<9} {r.encoding:<11} {context:>7} {price:>8}  "
            f"{_state(r)}"
        )
    return 0
