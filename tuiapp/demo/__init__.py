"""The demo dataset that ships with tuiapp (90 pirate-voiced capital-city answers, written for
tuiapp), and the one workflow that imports it: once, reused on every later call."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib.resources import as_file, files
from pathlib import Path

from tuiapp.services.importer import ImportProgress, open_dataset, run_import
from tuiapp.store import Store
from tuiapp.store.datasets import get_dataset, rename_dataset
from tuiapp.store.examples import count_examples
from tuiapp.store.records import Dataset

DEMO_FILE = "pirate_capitals.jsonl"
DEMO_NAME = "demo: pirate capitals"
DEMO_TASK = (
    "Captain Quill answers capital-city questions in a fixed pirate voice "
    '("Arr, matey! The capital o\' France be Paris, ... Yo ho ho!"). A short local training '
    "run on SmolLM2-135M makes the voice show on held-out countries."
)


@dataclass(frozen=True)
class DemoImport:
    """What importing the demo gave: its dataset, whether this call created it, its size."""

    dataset: Dataset
    created: bool
    examples: int


def demo_path() -> Path:
    """The demo JSONL inside the installed package (a real file in any wheel install)."""
    with as_file(files(__package__) / DEMO_FILE) as path:
        return Path(path)


def import_demo(
    store: Store,
    model: str | None = None,
    progress: Callable[[ImportProgress], None] | None = None,
) -> DemoImport:
    """Import the demo dataset, or find the one imported before (its name and decisions kept)."""
    dataset = open_dataset(store, demo_path(), model)
    created = dataset.import_state != "complete" and count_examples(store, dataset.id) == 0
    if dataset.import_state != "complete":
        for step in run_import(store, dataset.id):
            if progress is not None:
                progress(step)
    if created:
        rename_dataset(store, dataset.id, DEMO_NAME)
    dataset = get_dataset(store, dataset.id)
    return DemoImport(dataset, created, count_examples(store, dataset.id))
