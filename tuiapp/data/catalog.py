"""The dated model catalog: each base model's provider, tokenizer, context and price, and when
known the day its provider stops taking training jobs for it and the day it (and the models
fine-tuned from it) stops answering, with where those dates come from. `check_training` says
whether a job may start on a model today: refused once training has closed or the model has
retired, warned when either date is near."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from tuiapp.data.base_models import shipped

# Warn this many days ahead: a move takes weeks (record the old model's answers on the
# holdout, train elsewhere, evaluate both), and from 2026-12-01 both of OpenAI's dates (36 and
# 44 days away) fall inside it; 30 days would say nothing today about either.
WARN_DAYS = 45
OPEN_PROVIDERS = "an open model on local, Together or Fireworks"
PICK_INSTEAD = {  # what to pick instead of a closed model, by provider
    "openai": f"{OPEN_PROVIDERS} (e.g. SmolLM2-135M-Instruct on local, "
    "accounts/fireworks/models/llama-v3p1-8b-instruct on Fireworks)",
    "mistral": OPEN_PROVIDERS,
}
LABELS = {"openai": "OpenAI", "mistral": "Mistral"}  # the others read as their names


def today() -> date:
    """Today's date, or the ISO date in TUIAPP_TODAY (tests and demos judge the dates as on
    that day; a test may also pass `on` to check_training)."""
    pinned = os.environ.get("TUIAPP_TODAY")
    return date.fromisoformat(pinned) if pinned else date.today()


@dataclass(frozen=True)
class CatalogEntry:
    """One base model (a name prefix) as the catalog knows it."""

    name: str
    provider: str | None
    encoding: str
    context: int | None  # tokens per training example
    price_per_million: float | None  # USD per 1M trained tokens
    training_closes: date | None = None  # no new training jobs from this day
    retires: date | None = None  # the model and its fine-tuned models stop answering
    source: str = ""  # where the dates (and the note) come from
    note: str = ""  # e.g. "fine-tuning deprecated by Mistral ..."
    live: bool = False  # known only from a provider's model list, not from the file


@dataclass(frozen=True)
class TrainingCheck:
    """Whether a job may start on a model: refused (with why and what instead), or allowed
    with warnings about dates that are near."""

    refused: str = ""
    warnings: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        """True when a job may start."""
        return not self.refused


def _date(value: object) -> date | None:
    """A TOML date (or an ISO string) as a date."""
    if isinstance(value, date):
        return value
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def entries() -> list[CatalogEntry]:
    """Every model of the file, with its provider's dates and note filled in."""
    table = shipped()
    providers = table.get("providers", {})
    found = []
    for name, row in table["models"].items():
        provider = str(row["provider"]) if row.get("provider") else None
        own = providers.get(provider or "", {})
        found.append(
            CatalogEntry(
                name=name,
                provider=provider,
                encoding=str(row["encoding"]),
                context=int(row["token_limit"]) if row.get("token_limit") else None,  # type: ignore[call-overload]
                price_per_million=row.get("price_per_million"),  # type: ignore[arg-type]
                training_closes=_date(row.get("training_closes") or own.get("training_closes")),
                retires=_date(row.get("retires") or own.get("retires")),
                source=str(row.get("source") or own.get("source") or ""),
                note=str(row.get("note") or own.get("note") or ""),
            )
        )
    return found


def lookup(model: str, known: Iterable[CatalogEntry] | None = None) -> CatalogEntry | None:
    """The entry whose name is the longest prefix of the model (a fine-tuned `ft:` id counts
    as its base); None when the file has none."""
    bare = model.removeprefix("ft:").split(":")[0]
    matches = [e for e in (entries() if known is None else known) if bare.startswith(e.name)]
    return max(matches, key=lambda e: len(e.name)) if matches else None


def with_live(live: Mapping[str, Iterable[str]]) -> list[CatalogEntry]:
    """The file's entries, then each model a provider lists that no entry covers (provider,
    name; tokenizer estimated, nothing else known)."""
    known = entries()
    extra = [
        CatalogEntry(model, provider, "o200k_base", None, None, live=True)
        for provider, models in live.items()
        for model in models
        if lookup(model, known) is None
    ]
    return known + extra


def _when(day: date, now: date, source: str) -> str:
    """'2027-01-06 (in 36 days; OpenAI deprecations page)', '(today; ...)', '(31 days ago; ...)'."""
    days = (day - now).days
    ago = f"{-days} day{'s' if days != -1 else ''} ago"
    ahead = f"in {days} day{'s' if days != 1 else ''}"
    said = "today" if days == 0 else ahead if days > 0 else ago
    return f"{day.isoformat()} ({said}{'; ' + source if source else ''})"


def _provider_entry(model: str, provider: str | None) -> CatalogEntry | None:
    """An entry from a provider's own dates, for a model of it that the file does not list."""
    own = shipped().get("providers", {}).get(provider or "")
    if not own:
        return None
    return CatalogEntry(
        model,
        provider,
        "o200k_base",
        None,
        None,
        training_closes=_date(own.get("training_closes")),
        retires=_date(own.get("retires")),
        source=str(own.get("source") or ""),
        note=str(own.get("note") or ""),
    )


def check_training(
    model: str, provider: str | None, on: date | None = None, entry: CatalogEntry | None = None
) -> TrainingCheck:
    """May a job start on this model at this provider on day `on` (default: today)? A model's
    dates hold only at its own provider (gpt-4o-mini on Azure is not OpenAI's schedule)."""
    now = on or today()
    found = entry or lookup(model) or _provider_entry(model, provider)
    if found is None or (provider and found.provider and found.provider != provider):
        return TrainingCheck()
    src = found.source
    instead = PICK_INSTEAD.get(found.provider or "", OPEN_PROVIDERS)
    owner = LABELS.get(found.provider or "", found.provider or "its provider")
    if found.retires and found.retires <= now:
        return TrainingCheck(
            f"{model} was retired on {_when(found.retires, now, src)}: it takes no new jobs "
            f"and answers no more; pick {instead}"
        )
    if found.training_closes and found.training_closes <= now:
        return TrainingCheck(
            f"{owner} closed fine-tuning to new jobs on {_when(found.training_closes, now, src)}"
            f"; {model} cannot be trained there any more: pick {instead}"
        )
    warnings = [f"{model}: {found.note}"] if found.note else []
    if found.training_closes and (found.training_closes - now).days <= WARN_DAYS:
        when = _when(found.training_closes, now, src)
        warnings.append(f"{owner} takes no new fine-tuning jobs from {when}")
    if found.retires and (found.retires - now).days <= WARN_DAYS:
        warnings.append(
            f"{model} and the models fine-tuned from it stop answering on "
            f"{_when(found.retires, now, src)}: plan a move to {OPEN_PROVIDERS}"
        )
    return TrainingCheck(warnings=tuple(warnings))
