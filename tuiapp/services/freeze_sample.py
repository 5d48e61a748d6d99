"""Start small: a stratified sample of a frozen version's training side as a new version with
the parent's holdout unchanged; and the conversations of one side of a version."""

from __future__ import annotations

import orjson

from tuiapp.data.dedup import conversation_text
from tuiapp.data.split import detect_labels, normalize_answer, stratified_sample
from tuiapp.services.freeze_plan import Plan, finish_plan, label_sides, last_answer
from tuiapp.store import Store
from tuiapp.store.example_reads import tokens_by_id
from tuiapp.store.versions import get_version, iter_entries


def plan_sample(store: Store, version_id: int, size: int, seed: int = 0) -> Plan:
    """Plan "start small": `size` training examples of a version, stratified by label when
    the answers are labels, with the parent's holdout unchanged (so scores stay comparable)."""
    parent = get_version(store, version_id)
    train = list(iter_entries(store, version_id, "train"))
    holdout = list(iter_entries(store, version_id, "holdout"))
    objs = {e.example_id: orjson.loads(e.text) for e in [*train, *holdout]}
    labels = detect_labels([last_answer(objs[e.example_id]) for e in train])
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
            "labels": label_sides(
                [(labels[i], "train") for i in chosen]
                + [(normalize_answer(last_answer(objs[e.example_id])), "holdout") for e in holdout]
            )
            if labels
            else {},
            "sampled_from": parent.id,
            "leaks": parent.report.get("leaks", 0),
            "quality": parent.report.get("quality"),
        },
    )
    return finish_plan(store, plan, tokens, objs)


def version_conversations(store: Store, version_id: int, split: str) -> tuple[list[int], list[str]]:
    """Source line numbers and conversation texts of one side of a version."""
    get_version(store, version_id)  # KeyError when there is no such version
    entries = list(iter_entries(store, version_id, split))
    return [e.line for e in entries], [conversation_text(orjson.loads(e.text)) for e in entries]
