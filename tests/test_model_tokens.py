"""Each model's own tokens: the cost table counts every model with its own encoding, open models
with their own tokenizer and chat template, and the loss-mask preview is the local trainer's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import chat
from tuiapp.data.examine import token_counts
from tuiapp.data.tokens import TokenCounter
from tuiapp.paths import AppPaths
from tuiapp.services.importer import open_dataset, run_import
from tuiapp.services.report import DatasetReport, dataset_report
from tuiapp.store import open_store

# text on which cl100k_base and o200k_base disagree (non-English, code, numbers)
TEXTS = [
    ("Wie viele Einwohner hat Zürich ungefähr?", "Etwa 421’000 Einwohner (Stand 2023)."),
    ("Écris une fonction Python qui inverse une chaîne.", "def inverse(s):\n    return s[::-1]"),
    ("Объясни, что такое LoRA, в одном предложении.", "Низкоранговые адаптеры весов."),
    ("東京の人口は？", "約1400万人です。"),
]


def write_examples(path: Path, examples: list[dict[str, Any]]) -> Path:
    """A JSONL file of examples."""
    path.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in examples), "utf-8")
    return path


def report_for(home: AppPaths, path: Path, model: str | None = None) -> DatasetReport:
    """Import a file and build its report."""
    store = open_store(home.database)
    try:
        dataset = open_dataset(store, path, model) if model else open_dataset(store, path)
        for _ in run_import(store, dataset.id):
            pass
        return dataset_report(store, dataset.id, model)
    finally:
        store.close()


def test_the_cost_table_counts_each_openai_model_with_its_own_encoding(
    home: AppPaths, tmp_path: Path
) -> None:
    examples = [chat(q, a) for q, a in TEXTS * 3]
    report = report_for(home, write_examples(tmp_path / "mixed.jsonl", examples))
    per_epoch = {c.model: c.tokens_per_epoch for c in report.costs}
    o200k = sum(token_counts(e, TokenCounter("o200k_base"))[0] for e in examples)
    cl100k = sum(token_counts(e, TokenCounter("cl100k_base"))[0] for e in examples)
    assert o200k != cl100k  # the issue saw one figure for both
    assert per_epoch["gpt-4o-mini"] == o200k
    assert per_epoch["gpt-3.5-turbo-0125"] == cl100k
    assert per_epoch["gpt-4-0613"] == cl100k
    counted = {c.model: c.counted_with for c in report.costs}
    assert counted["gpt-3.5-turbo-0125"] == "cl100k_base"
    assert counted["gpt-4o-mini"] == "o200k_base"
