"""The job plan counts tokens with the job's model encoding, not the one the dataset was
counted with at import (gpt-3.5-turbo's cl100k_base vs gpt-4o-mini's o200k_base)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import orjson

from tests.test_jobs import frozen_version
from tuiapp.data.examine import token_counts
from tuiapp.data.tokens import TokenCounter
from tuiapp.paths import AppPaths
from tuiapp.services.launch import plan_job
from tuiapp.store.versions import iter_entries


def test_the_plan_counts_with_the_job_models_encoding(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    store, version = frozen_version(home, write_jsonl)  # imported for gpt-4o-mini (o200k_base)
    texts = [orjson.loads(e.text) for e in iter_entries(store, version.id, "train")]
    o200k = sum(token_counts(t, TokenCounter("o200k_base"))[0] for t in texts)
    cl100k = sum(token_counts(t, TokenCounter("cl100k_base"))[0] for t in texts)
    assert o200k != cl100k  # the fixture tells the two encodings apart
    new = plan_job(store, "openai", version.id, "gpt-4o-mini-2024-07-18", {"n_epochs": 1})
    old = plan_job(store, "openai", version.id, "gpt-3.5-turbo-0125", {"n_epochs": 1})
    assert new.tokens_per_epoch == o200k
    assert old.tokens_per_epoch == cl100k
