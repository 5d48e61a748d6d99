"""Freezing a dataset: the accepted examples become an immutable version with a seeded,
leak-free train/holdout split; and "start small": a stratified sample of a version's
training side as a new version with the same holdout.

Both are planned first (what the version would hold, its hash, leaks, personal data) so the
screen can show the plan and ask before anything is written."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from math import ceil
from typing import Any

import orjson

from tuiapp.data.dedup import DEFAULT_THRESHOLD, conversation_text, find_duplicates
from tuiapp.data.examine import content_text, conversation
from tuiapp.data.pii import FICTIONAL
from tuiapp.data.redaction import find_in_example
from tuiapp.data.split import (
    detect_labels,
    holdout_split,
    leakage,
    normalize_answer,
    stratified_sample,
)
from tuiapp.data.validate import MIN_EXAMPLES
from tuiapp.problems import Severity
from tuiapp.services.targeted import kept_holdout, targeted_to_train
from tuiapp.store import Store
from tuiapp.store.example_reads import tokens_by_id
from tuiapp.store.examples import iter_examples, status_counts
from tuiapp.store.quality import load_scan
from tuiapp.store.targeted import targeted_ids
from tuiapp.store.versions import (
    SPLITS,
    Version,
    VersionEntry,
    content_hash,
    find_by_hash,
    get_version,
    iter_entries,
    list_versions,
    save_version,
)

DEFAULT_HOLDOUT = 0.15
# what a freeze takes: the accepted examples (default), or every one not rejected
INCLUDES = {"accepted": ("accepted",), "not_rejected": ("accepted", "pending", "flagged")}


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


def _last_answer(obj: Any) -> str:
    """The last assistant answer of an example."""
    answers = [
        content_text(m.get("content"))
        for m in conversation(obj)
        if isinstance(m, dict) and m.get("role") == "assistant"
    ]
    return answers[-1] if answers else ""


def _label_sides(pairs: Iterable[tuple[str, str]]) -> dict[str, dict[str, int]]:
    """Examples per label on each side of the split, from (label, side) pairs."""
    sides: dict[str, dict[str, int]] = {}
    for label, side in pairs:
        sides.setdefault(label, {"train": 0, "holdout": 0})[side] += 1
    return sides


def _finish(store: Store, plan: Plan, tokens: dict[int, int], objs: dict[int, Any]) -> Plan:
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


def plan_freeze(
    store: Store,
    dataset_id: int,
    fraction: float = DEFAULT_HOLDOUT,
    seed: int = 0,
    threshold: float = DEFAULT_THRESHOLD,
    include: str = "accepted",
) -> Plan:
    """Plan a version of the accepted examples (`include="not_rejected"`: pending and flagged
    ones too), edits applied, those still in error left out: split seeded and stratified by
    label, near-duplicate groups on one side, and any remaining cross-split pair (a chain of
    near-duplicates) moved to the training side. The plan says what it left out and why."""
    if include not in INCLUDES:
        raise ValueError(f"include must be one of {', '.join(INCLUDES)}, not {include!r}")
    taken = INCLUDES[include]
    by_status = status_counts(store, dataset_id)
    left_out = {s: n for s, n in by_status.items() if s not in taken and n}
    ids, lines, texts, objs, tokens, excluded = [], [], [], {}, {}, []
    statuses = [None] if include == "not_rejected" else ["accepted"]
    for example in (e for status in statuses for e in iter_examples(store, dataset_id, status)):
        if example.status not in taken:
            continue
        if example.severity is Severity.ERROR:
            excluded.append(example.line)
            continue
        obj = orjson.loads(example.text)
        ids.append(example.id)
        lines.append(example.line)
        texts.append(orjson.dumps(obj).decode())
        objs[example.id] = obj
        tokens[example.id] = example.n_tokens
    if excluded:
        left_out["in error"] = len(excluded)
    if not ids:
        what = "accepted" if include == "accepted" else "not rejected"
        raise ValueError(
            f"no {what} examples without errors to freeze ({describe_left_out(left_out)}): "
            + ("accept some first" if include == "accepted" else "fix or accept some first")
        )
    compare = [conversation_text(objs[i]) for i in ids]
    labels = detect_labels([_last_answer(objs[i]) for i in ids])
    groups = find_duplicates(compare, threshold)
    parent = next(iter(list_versions(store, dataset_id)), None)
    targeted = targeted_ids(store, dataset_id) & set(ids)  # added from bad answers
    kept: list[str] = []
    if parent is not None and targeted:  # the parent's holdout, so the scores compare
        train, holdout, kept = kept_holdout(store, parent, ids, targeted, objs)
        fraction = parent.split_fraction or fraction  # the split is the parent's
        seed = seed if parent.split_seed is None else parent.split_seed
        moved: set[int] = set()
    else:
        split = holdout_split(len(ids), fraction, seed, labels, groups)
        train, holdout = targeted_to_train(split.train, split.holdout, ids, targeted)
        leaks = leakage([compare[i] for i in train], [compare[i] for i in holdout], threshold)
        moved = {holdout[leak.holdout] for leak in leaks}
    if moved:
        train = sorted({*train, *moved})
        holdout = [i for i in holdout if i not in moved]
    entries = [VersionEntry("train", ids[i], lines[i], texts[i]) for i in train]
    entries += [VersionEntry("holdout", ids[i], lines[i], texts[i]) for i in holdout]
    warnings = kept + freeze_warnings(len(ids), fraction, len(holdout), len(groups), len(train))
    if moved:
        warnings.append(f"{len(moved)} holdout examples moved to train: near-copies in train")
    if left_out:
        warnings.append(f"left out: {describe_left_out(left_out)}")
    label_counts = (
        _label_sides(
            [(labels[i], "train") for i in train] + [(labels[i], "holdout") for i in holdout]
        )
        if labels is not None
        else {}
    )
    scan = load_scan(store, dataset_id)
    plan = Plan(
        dataset_id=dataset_id,
        kind="freeze",
        parent_id=parent.id if parent else None,
        entries=entries,
        seed=seed,
        fraction=fraction,
        counts={"examples": len(entries)},
        report={
            "stratified": labels is not None,
            "labels": label_counts,
            "duplicate_groups": len(groups),
            "leaks_moved_to_train": len(moved),
            "leaks": 0,
            "excluded_error_lines": excluded,
            "include": include,
            "left_out": left_out,
            "threshold": threshold,
            "quality": scan.report if scan else None,
            "targeted": len(targeted),
            "holdout_kept_from": parent.id if kept and parent else None,
        },
        warnings=warnings,
    )
    return _finish(store, plan, tokens, objs)


def describe_left_out(left_out: dict[str, int]) -> str:
    """`202 pending, 3 rejected, 1 in error` (or `nothing left out`)."""
    parts = [f"{n:,} {why}" for why, n in left_out.items() if n]
    return ", ".join(parts) or "nothing left out"


def freeze_warnings(
    examples: int, fraction: float, holdout: int, groups: int, train: int
) -> list[str]:
    """What is wrong with a split's sizes, with the true reason."""
    warnings = []
    target = round(fraction * examples)
    if train < MIN_EXAMPLES:
        warnings.append(
            f"{train} training examples: the fine-tuning API needs at least {MIN_EXAMPLES}"
        )
    if not holdout and target == 0:
        warnings.append(
            f"the holdout is empty: {fraction:.0%} of {examples} examples rounds to none "
            f"(freeze at least {ceil(0.5 / fraction)} for one holdout example)"
        )
    elif not holdout and groups:
        warnings.append(
            f"the holdout is empty: {groups} near-duplicate groups cover the data "
            "(see the duplicates view)"
        )
    elif not holdout:
        warnings.append("the holdout is empty")
    elif holdout < target / 2:
        warnings.append(f"the holdout has {holdout} examples, under half the {target} asked")
    return warnings


def plan_sample(store: Store, version_id: int, size: int, seed: int = 0) -> Plan:
    """Plan "start small": `size` training examples of a version, stratified by label when
    the answers are labels, with the parent's holdout unchanged (so scores stay comparable)."""
    parent = get_version(store, version_id)
    train = list(iter_entries(store, version_id, "train"))
    holdout = list(iter_entries(store, version_id, "holdout"))
    objs = {e.example_id: orjson.loads(e.text) for e in [*train, *holdout]}
    labels = detect_labels([_last_answer(objs[e.example_id]) for e in train])
    chosen = stratified_sample(len(train), size, seed, labels)
    tokens = tokens_by_id(store, parent.dataset_id)
    plan = Plan(
        dataset_id=parent.dataset_id,
        kind="sample",
        parent_id=parent.id,
        entries=[train[i] for i in chosen] + holdout,
        seed=seed,
        fraction=parent.split_fraction,
        counts={"examples": len(chosen) + len(holdout)},
        report={
            "stratified": labels is not None,
            "labels": _label_sides(
                [(labels[i], "train") for i in chosen]
                + [(normalize_answer(_last_answer(objs[e.example_id])), "holdout") for e in holdout]
            )
            if labels
            else {},
            "sampled_from": parent.id,
            "leaks": parent.report.get("leaks", 0),
            "quality": parent.report.get("quality"),
        },
    )
    return _finish(store, plan, tokens, objs)


def version_conversations(store: Store, version_id: int, split: str) -> tuple[list[int], list[str]]:
    """Source line numbers and conversation texts of one side of a version."""
    get_version(store, version_id)  # KeyError when there is no such version
    entries = list(iter_entries(store, version_id, split))
    return [e.line for e in entries], [conversation_text(orjson.loads(e.text)) for e in entries]


def commit(store: Store, plan: Plan, name: str) -> Version:
    """Write the planned version (the existing twin if the content is already frozen)."""
    if plan.existing is not None:
        return plan.existing
    return save_version(
        store,
        plan.dataset_id,
        name=name,
        kind=plan.kind,
        parent_id=plan.parent_id,
        entries=plan.entries,
        split_seed=plan.seed,
        split_fraction=plan.fraction,
        counts=plan.counts,
        report=plan.report,
    )
