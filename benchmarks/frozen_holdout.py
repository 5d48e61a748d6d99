"""What the evaluation benchmarks start from: a store holding a frozen version whose 10% holdout
has a given number of distinct items (bench_eval and bench_judge)."""

from __future__ import annotations

import json
from pathlib import Path

from tuiapp.services.freeze import commit, plan_freeze
from tuiapp.services.importer import open_dataset, run_import
from tuiapp.store import Store, open_store
from tuiapp.store.versions import Version


def dataset(folder: Path, items: int) -> Path:
    """items * 10 distinct examples, so the 10% holdout has `items` of them."""
    path = folder / "data.jsonl"
    with open(path, "w") as out:
        for i in range(items * 10):
            row = {
                "messages": [
                    {"role": "user", "content": f"question number {i} about item {i * 7919}"},
                    {"role": "assistant", "content": f"answer {i}"},
                ]
            }
            out.write(json.dumps(row) + "\n")
    return path


def frozen_holdout(folder: Path, items: int) -> tuple[Store, Version]:
    """A store in `folder` with those examples imported, all accepted and frozen as `v1`."""
    store = open_store(folder / "b.db")
    ds = open_dataset(store, dataset(folder, items))
    for _ in run_import(store, ds.id):
        pass
    store.conn.execute("UPDATE example_statuses SET status = 'accepted'")
    store.conn.commit()
    return store, commit(store, plan_freeze(store, ds.id, fraction=0.1), "v1")
