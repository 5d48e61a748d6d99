"""Freezing a dataset: the accepted examples become an immutable version with a seeded,
leak-free train/holdout split; and "start small": a stratified sample of a version's
training side as a new version with the same holdout (`tuiapp.services.freeze_sample`).

Both are planned first (what the version would hold, its hash, leaks, personal data: see
`tuiapp.services.freeze_plan`) so the screen can show the plan and ask before anything is
written; `commit` writes the plan."""

from __future__ import annotations

from math import ceil

import orjson

from tuiapp.data.dedup import DEFAULT_THRESHOLD, conversation_text, find_duplicates
from tuiapp.data.split import detect_labels, holdout_split, leakage
from tuiapp.data.validate import MIN_EXAMPLES
from tuiapp.problems import Severity
from tuiapp.services.freeze_plan import Plan, finish_plan, label_sides, last_answer
from tuiapp.services.freeze_sample import plan_sample, version_conversations
from tuiapp.services.targeted import kept_holdout, targeted_to_train
from tuiapp.store import Store
from tuiapp.store.examples import iter_examples, status_counts
from tuiapp.store.quality import load_scan
from tuiapp.store.targeted import targeted_ids
from tuiapp.store.versions import Version, VersionEntry, list_versions, save_version

__all__ = [
    "DEFAULT_HOLDOUT",
    "INCLUDES",
    "Plan",
    "commit",
    "describe_left_out",
    "freeze_warnings",
    "plan_freeze",
    "plan_sample",
    "version_conversations",
]

DEFAULT_HOLDOUT = 0.15
# what a freeze takes: the accepted examples (default), or every one not rejected
INCLUDES = {"accepted": ("accepted",), "not_rejected": ("accepted", "pending", "flagged")}


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
    labels = detect_labels([last_answer(objs[i]) for i in ids])
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
        label_sides(
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
    return finish_plan(store, plan, tokens, objs)


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
