"""Scores on the holdout items a version did not train on: a targeted example made from an
evaluation item has that item's prompt, so a child version trains on part of the holdout it
is compared on; its deltas against the parent are measured on the rest."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import orjson

from tuiapp.evals.metrics import score
from tuiapp.services.eval_run import EvalItem, eval_items, split_example
from tuiapp.store import Store
from tuiapp.store.evals import EvalRun, outputs
from tuiapp.store.versions import iter_entries


@dataclass(frozen=True)
class UntrainedScores:
    """Both runs' metrics over the holdout examples the new run's version did not train on
    (and the old run's holdout also holds), with how many those are out of the holdout."""

    new: dict[str, float]
    old: dict[str, float]
    compared: int
    holdout: int


def _key(prompt: list[dict[str, Any]]) -> str:
    """A prompt as comparable text."""
    return json.dumps(prompt, sort_keys=True, ensure_ascii=False)


def _trained_prompts(store: Store, version_id: int) -> set[str]:
    """The prompts of the version's train examples."""
    trained = set()
    for entry in iter_entries(store, version_id, "train"):
        parts = split_example(orjson.loads(entry.text))
        if parts is not None:
            trained.add(_key(parts[0]))
    return trained


def _scores(store: Store, run: EvalRun, items: list[EvalItem], kept: set[int]) -> dict[str, float]:
    """The run's metrics over the items of these examples only."""
    answers = outputs(store, run.id)
    chosen = [i for i in items if i.example_id in kept]
    found = score(
        [answers[i.position].output if i.position in answers else None for i in chosen],
        [i.reference for i in chosen],
        run.params.get("check"),
        run.params.get("labels"),
    )
    return dict(found.values)


def untrained_scores(store: Store, new: EvalRun, old: EvalRun) -> UntrainedScores | None:
    """The new and the old run scored on the holdout examples the new run's version did not
    train on, matched by example (not position: a child may keep only part of the parent's
    holdout); None when it trained on none of them."""
    new_items = eval_items(store, new.version_id, new.split)
    trained = _trained_prompts(store, new.version_id)
    clean = {i.example_id for i in new_items if _key(i.messages) not in trained}
    if len(clean) == len(new_items):
        return None
    old_items = eval_items(store, old.version_id, old.split)
    shared = clean & {i.example_id for i in old_items}
    return UntrainedScores(
        _scores(store, new, new_items, shared),
        _scores(store, old, old_items, shared),
        len(shared),
        len(new_items),
    )
