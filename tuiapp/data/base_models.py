"""What we know about base models: tokenizer, per-example token limit, training price (their
provider and dates are read by tuiapp.data.catalog from the same file)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

DEFAULT_MODEL = "gpt-4o-mini-2024-07-18"


@dataclass(frozen=True)
class BaseModel:
    """A base model as far as data preparation is concerned."""

    name: str
    encoding: str  # tiktoken encoding used to count tokens
    token_limit: int  # tokens per training example; longer ones are truncated
    price_per_million: float | None  # USD per 1M trained tokens; None when unknown
    exact: bool  # False when the tokenizer is only an estimate for this model


@cache
def shipped() -> dict[str, dict[str, dict[str, object]]]:
    """The whole of `base_models.toml`: its `models` and `providers` tables."""
    text = resources.files("tuiapp.data").joinpath("base_models.toml").read_text("utf-8")
    return tomllib.loads(text)


def _table() -> dict[str, dict[str, object]]:
    """The model table shipped in `base_models.toml`."""
    return shipped()["models"]


def known_models() -> list[str]:
    """Model names (prefixes) the table lists, in table order (rows kept only for their dates,
    `listed = false`, are left out)."""
    return [name for name, row in _table().items() if row.get("listed", True)]


def base_model(name: str | None) -> BaseModel:
    """Look a model up by its longest matching prefix; unknown models get an estimate."""
    name = name or DEFAULT_MODEL
    bare = name.removeprefix("ft:").split(":")[0]
    for prefix in sorted(_table(), key=len, reverse=True):
        if bare.startswith(prefix):
            row = _table()[prefix]
            return BaseModel(
                name=name,
                encoding=str(row["encoding"]),
                token_limit=int(row["token_limit"]),  # type: ignore[call-overload]
                price_per_million=row.get("price_per_million"),  # type: ignore[arg-type]
                exact=bool(row.get("exact", True)),
            )
    return BaseModel(name, "o200k_base", 65_536, None, exact=False)
