"""Scores on the holdout items a version did not train on: a targeted example made from an
evaluation item has that item's prompt, so a child version trains on part of the holdout it
is compared on; its deltas against the parent are measured on the rest."""

from __future__ import annotations

import json
from typing import Any

import orjson

from tuiapp.evals.metrics import score
from tuiapp.services.eval_run import eval_items, split_example
from tuiapp.store import Store
from tuiapp.store.evals import EvalRun, outputs
from tuiapp.store.versions import iter_entries


def _key(prompt: list[dict[str, Any]]) -> str:
    """A prompt as comparable text."""
    return json.dumps(prompt, sort_keys=True, ensure_ascii=False)


def untrained_positions(store: Store, version_id: int) -> tuple[list[int], int]:
    """(positions of the holdout items whose prompt no train example of the version has, how
    many holdout items there are)."""
    trained = set()
    for entry in iter_entries(store, version_id, "train"):
        parts = split_example(orjson.loads(entry.text))
        if parts is not None:
            trained.add(_key(parts[0]))
    items = eval_items(store, version_id)
    return [i.position for i in items if _key(i.messages) not in trained], len(items)


def scores_on(store: Store, run: EvalRun, positions: list[int]) -> dict[str, float]:
    """The run's metrics over these holdout positions only."""
    references = {i.position: i.reference for i in eval_items(store, run.version_id, run.split)}
    answers = outputs(store, run.id)
    kept = [p for p in positions if p in references]
    found = score(
        [answers[p].output if p in answers else None for p in kept],
        [references[p] for p in kept],
        run.params.get("check"),
        run.params.get("labels"),
    )
    return dict(found.values)
