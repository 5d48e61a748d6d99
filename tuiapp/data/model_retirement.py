"""When a base model (and the fine-tuned models made from it) stops answering, and how that
reads on the jobs screen ("44 days left", "retired")."""

from __future__ import annotations

import importlib
import os
import tomllib
from datetime import date
from functools import cache
from importlib import resources

CATALOG = "tuiapp.data.catalog"  # the dated catalog, when it is installed: its dates come first


def today() -> date:
    """Today's date, or the ISO date in TUIAPP_TODAY (as the catalog reads it: tests and demos
    judge the dates as on that day)."""
    pinned = os.environ.get("TUIAPP_TODAY")
    return date.fromisoformat(pinned) if pinned else date.today()


def _from_catalog(base_model: str) -> tuple[bool, date | None]:
    """(True, its retirement date) from the dated catalog's `lookup`; (False, None) without
    one (the catalog module is new: until it lands, base_models.toml is read here)."""
    try:
        catalog = importlib.import_module(CATALOG)
    except ImportError:
        return False, None
    lookup = getattr(catalog, "lookup", None)
    if not callable(lookup):
        return False, None
    entry = lookup(base_model)
    return True, getattr(entry, "retires", None) if entry is not None else None


@cache
def _retirements() -> dict[str, date]:
    """The `retires` dates of base_models.toml, by model-name prefix (none until it has them)."""
    text = resources.files("tuiapp.data").joinpath("base_models.toml").read_text("utf-8")
    found: dict[str, date] = {}
    for name, entry in tomllib.loads(text).get("models", {}).items():
        value = entry.get("retires")
        if isinstance(value, date):
            found[name] = value
        elif isinstance(value, str):
            try:
                found[name] = date.fromisoformat(value)
            except ValueError:
                continue
    return found


def retirement_date(base_model: str, table: dict[str, date] | None = None) -> date | None:
    """The date a base model leaves the API: the longest prefix in `table` that starts the
    name (default: the dated catalog's entry, else the `retires` dates of base_models.toml);
    None when none is known."""
    if table is None:
        found, retires = _from_catalog(base_model)
        if found:
            return retires
        table = _retirements()
    name = base_model.removeprefix("ft:").split(":")[0]
    matches = [prefix for prefix in table if name.startswith(prefix)]
    return table[max(matches, key=len)] if matches else None


def days_left_text(retires: date | None, today: date) -> str:
    """'44 days left', '1 day left', 'retires today', 'retired', or '' when not known."""
    if retires is None:
        return ""
    days = (retires - today).days
    if days < 0:
        return "retired"
    if days == 0:
        return "retires today"
    return f"{days} day{'s' if days != 1 else ''} left"
