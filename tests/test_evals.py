"""Evaluation end to end: a fine-tuned local model over a small holdout, outputs and scores in
the store; an interrupted run resumes without asking again for finished items."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.test_jobs import Faults, provider_for, trained_job
from tuiapp.paths import AppPaths
from tuiapp.services.eval_run import eval_items, run_eval, split_example, start_run
from tuiapp.store.evals import outputs


def test_the_prompt_is_the_conversation_before_the_last_answer() -> None:
    obj = {
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "Hello"},
            {"role": "user", "content": [{"type": "text", "text": "2+2?"}]},
            {"role": "assistant", "content": "4"},
        ]
    }
    prompt, reference = split_example(obj)  # type: ignore[misc]
    assert [m["role"] for m in prompt] == ["system", "user", "assistant", "user"]
    assert prompt[-1]["content"] == "2+2?" and reference == "4"
    assert split_example({"messages": [{"role": "user", "content": "x"}]}) is None


async def test_a_fine_tuned_local_model_is_evaluated_and_resumed(
    home: AppPaths,
    write_jsonl: Callable[..., Path],
    server: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, _api, _root = server
    store, version, done = await trained_job(home, write_jsonl, url, tmp_path / "up")
    job = done
    provider = provider_for(url)
    assert done.fine_tuned_model
    items = eval_items(store, version.id)
    assert len(items) == version.counts["holdout"] and items[0].reference == "Arr, matey!"
    params = {"max_tokens": 8, "temperature": 0, "check": "matey"}
    # first attempt over a connection that fails two calls for good: they are kept as errors
    faults = Faults({"POST /v1/chat/completions": [httpx.ConnectError("down")] * 6})
    flaky = provider_for(url, faults)
    run = start_run(store, version.id, "local", done.fine_tuned_model, job_id=job.id, params=params)
    first = await run_eval(store, flaky, run.id, concurrency=1)
    stored = outputs(store, run.id)
    failed = [p for p, o in stored.items() if o.error]
    assert first.status == "incomplete" and len(failed) == 2 and len(stored) == len(items)
    # resumed: only the two failed items are asked again
    counter = Faults({})
    steady = provider_for(url, counter)
    seen: list[tuple[int, int]] = []
    second = await run_eval(
        store, steady, run.id, concurrency=4, progress=lambda d, t: seen.append((d, t))
    )
    assert counter.seen.count("POST /v1/chat/completions") == 2
    assert second.status == "completed" and seen[-1] == (len(items), len(items))
    assert seen[0] == (len(items) - 2, len(items))  # shown before the first answer: no "--%"
    stored = outputs(store, run.id)
    assert all(
        o.output is not None and o.latency_ms and o.completion_tokens for o in stored.values()
    )
    scores = second.scores
    assert scores["items"] == len(items) and scores["failed"] == 0
    assert {"exact_match", "normalized_exact_match", "token_f1", "check"} <= set(scores)
    assert 0 <= scores["token_f1"] <= 1 and scores["mean_latency_ms"] > 0
    for client in (provider, flaky, steady):
        await client.close()
    # the same from the command line, and the experiments table that collects it
    from tuiapp.cli_jobs import cmd_eval, cmd_experiments

    monkeypatch.setenv("TUIAPP_LOCAL_URL", url)
    args = argparse.Namespace(
        job=job.id, concurrency=4, max_tokens=4, check=None, no_base=True, home=None
    )
    assert await cmd_eval(store, args) == 0
    assert f"{done.fine_tuned_model} (completed)" in capsys.readouterr().out
    assert cmd_experiments(store, argparse.Namespace(markdown=False)) == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[0].startswith("job_id,") and rows[1].startswith(f"{job.id},local,succeeded")
