"""A planned dataset version (a freeze or a "start small" sample) and what every plan fills in
the same way: counts and tokens per side, personal data left in it, its content hash and the
stored version with that content already."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from tuiapp.data.examine import content_text, conversation
from tuiapp.data.pii import FICTIONAL
from tuiapp.data.redaction import find_in_example
from tuiapp.store import Store
from tuiapp.store.versions import SPLITS, Version, VersionEntry, content_hash, find_by_hash


@dataclass
class Plan:
    """A version about to be made: everything a person should see before confirming."""

    dataset_id: int
    kind: str  # freeze | sample
    parent_id: int | None
    entries: list[VersionEntry]
    seed: int | None
    fraction: float | None
    counts: dict[str, Any]
    report: dict[str, Any]
    content_hash: str = ""
    existing: Version | None = None  # a version with exactly this content already
    pii_kinds: Counter[str] = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)

    @property
    def pii_examples(self) -> int:
        """Examples of the version that still hold personal data or secrets."""
        return int(self.report.get("pii_examples", 0))


def last_answer(obj: Any) -> str:
    """The last assistant answer of an example."""
    answers = [
        content_text(m.get("content"))
        for m in conversation(obj)
        if isinstance(m, dict) and m.get("role") == "assistant"
    ]
    return answers[-1] if answers else ""


def label_sides(pairs: Iterable[tuple[str, str]]) -> dict[str, dict[str, int]]:
    """Examples per label on each side of the split, from (label, side) pairs."""
    sides: dict[str, dict[str, int]] = {}
    for label, side in pairs:
        sides.setdefault(label, {"train": 0, "holdout": 0})[side] += 1
    return sides


def finish_plan(store: Store, plan: Plan, tokens: dict[int, int], objs: dict[int, Any]) -> Plan:
    """Fill in counts, personal data, hash and the existing twin of a plan."""
    for split in SPLITS:
        chosen = [e for e in plan.entries if e.split == split]
        plan.counts[split] = len(chosen)
        plan.counts[f"{split}_tokens"] = sum(tokens[e.example_id] for e in chosen)
    pii_examples = 0
    for entry in plan.entries:
        kinds = {  # a fictional 555 number is nobody's: it does not hold a version back
            located.finding.kind
            for located in find_in_example(objs[entry.example_id])
            if located.finding.caveat != FICTIONAL
        }
        pii_examples += bool(kinds)
        plan.pii_kinds.update(kinds)
    plan.report["pii_examples"] = pii_examples
    plan.report["pii_kinds"] = dict(plan.pii_kinds)
    if pii_examples:
        found = ", ".join(f"{k} {n}" for k, n in plan.pii_kinds.most_common())
        plan.warnings.append(f"{pii_examples} examples still hold personal data ({found})")
    plan.content_hash = content_hash(plan.entries)
    plan.existing = find_by_hash(store, plan.dataset_id, plan.content_hash)
    return plan
