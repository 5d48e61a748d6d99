"""Known provider key formats (a vendored subset of gitleaks' default rules, with their
licence, in secret_rules.toml): each match is a secret with high precision. As in gitleaks,
a rule's regex runs only on text that holds one of its keywords."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from tuiapp.data.entropy import entropy

RULES_FILE = Path(__file__).with_name("secret_rules.toml")


@dataclass(frozen=True)
class KeyRule:
    """One provider's key format: a regex (group 1, when present, is the key) and the least
    Shannon entropy the key must have, as gitleaks checks it."""

    id: str
    keywords: tuple[str, ...]  # lower case; the regex runs only where one occurs
    pattern: re.Pattern[str]
    min_entropy: float


@cache
def key_rules() -> tuple[KeyRule, ...]:
    """The vendored rules, compiled once."""
    data = tomllib.loads(RULES_FILE.read_text(encoding="utf-8"))
    return tuple(
        KeyRule(
            r["id"],
            tuple(k.lower() for k in r.get("keywords", ())),
            re.compile(r["regex"]),
            float(r.get("entropy", 0.0)),
        )
        for r in data["rules"]
    )


@cache
def _keywords() -> tuple[str, ...]:
    """Every rule's keywords, once each (substring tests beat one alternation regex here)."""
    return tuple(sorted({k for rule in key_rules() for k in rule.keywords}))


def provider_keys(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, rule id) of every provider key in the text."""
    lower = text.lower()
    present = {k for k in _keywords() if k in lower}
    if not present:
        return
    for rule in key_rules():
        if rule.keywords and present.isdisjoint(rule.keywords):
            continue
        for m in rule.pattern.finditer(text):
            group = 1 if m.re.groups and m.group(1) is not None else 0
            if entropy(m.group(group)) >= rule.min_entropy:
                yield m.start(group), m.end(group), rule.id
