"""What a conversion gives: the OpenAI example and notes on what could not be carried over."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Converted:
    """One converted record: the OpenAI chat or preference object, and conversion notes."""

    example: Any
    notes: list[str] = field(default_factory=list)
