"""Run a model over the holdout of a frozen version: each example's conversation minus its
last assistant turn is the prompt, that turn is the reference. Calls run concurrently (a
bounded number at a time), each output is stored as it arrives, and a rerun of an interrupted
run only asks for the items that have no answer yet."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from tuiapp.data.examine import content_text, conversation
from tuiapp.evals.metrics import score
from tuiapp.providers.base import Provider, ProviderError
from tuiapp.store import Store
from tuiapp.store.evals import (
    EvalOutput,
    EvalRun,
    create_run,
    finish_run,
    get_run,
    outputs,
    save_output,
)
from tuiapp.store.versions import iter_entries

DEFAULT_CONCURRENCY = 8
CALL_OPTIONS = ("temperature", "top_p", "max_tokens", "seed", "stop")  # run params sent along


@dataclass(frozen=True)
class EvalItem:
    """One prompt and the answer the data says is right."""

    position: int
    example_id: int
    messages: list[dict[str, Any]]
    reference: str


def split_example(obj: Any) -> tuple[list[dict[str, Any]], str] | None:
    """(the conversation before the last assistant turn, that turn's text), or None."""
    messages = [m for m in conversation(obj) if isinstance(m, dict)]
    last = max((i for i, m in enumerate(messages) if m.get("role") == "assistant"), default=None)
    if last is None:
        return None
    prompt = [
        {"role": str(m.get("role")), "content": content_text(m.get("content"))}
        for m in messages[:last]
    ]
    return prompt, content_text(messages[last].get("content"))


def eval_items(store: Store, version_id: int, split: str = "holdout") -> list[EvalItem]:
    """The version's examples of one side as prompts with references."""
    items = []
    for position, entry in enumerate(iter_entries(store, version_id, split)):
        parts = split_example(orjson.loads(entry.text))
        if parts is not None:
            items.append(EvalItem(position, entry.example_id, parts[0], parts[1]))
    return items


def start_run(
    store: Store,
    version_id: int,
    provider: str,
    model: str,
    *,
    job_id: int | None = None,
    params: dict[str, Any] | None = None,
    split: str = "holdout",
) -> EvalRun:
    """Record a run over the version's holdout (no calls yet)."""
    total = len(eval_items(store, version_id, split))
    if not total:
        raise ValueError(f"version {version_id} has no {split} examples to evaluate")
    return create_run(
        store, version_id, provider, model, total, split=split, job_id=job_id, params=params
    )


async def run_eval(
    store: Store,
    provider: Provider,
    run_id: int,
    concurrency: int = DEFAULT_CONCURRENCY,
    progress: Callable[[int, int], None] | None = None,
) -> EvalRun:
    """Answer every item that has no answer yet, then score the run."""
    run = get_run(store, run_id)
    items = eval_items(store, run.version_id, run.split)
    done = {p for p, o in outputs(store, run_id).items() if o.error is None}
    todo = [item for item in items if item.position not in done]
    options = {k: v for k, v in run.params.items() if k in CALL_OPTIONS}
    gate = asyncio.Semaphore(max(1, concurrency))
    finished = len(items) - len(todo)

    async def answer(item: EvalItem) -> None:
        nonlocal finished
        async with gate:
            started = time.perf_counter()
            try:
                reply = await provider.complete(run.model, item.messages, **options)
            except ProviderError as err:
                result = EvalOutput(
                    item.position, item.example_id, None, str(err), None, None, None
                )
            else:
                result = EvalOutput(
                    item.position,
                    item.example_id,
                    reply.text,
                    None,
                    (time.perf_counter() - started) * 1000,
                    reply.prompt_tokens,
                    reply.completion_tokens,
                )
        save_output(store, run_id, result)
        finished += 1
        if progress is not None:
            progress(finished, len(items))

    if progress is not None:  # the bar shows where it starts (0%, or a resumed share) at once
        progress(finished, len(items))
    await asyncio.gather(*(answer(item) for item in todo))
    stored = outputs(store, run_id)
    answers = [stored[i.position].output if i.position in stored else None for i in items]
    scores = score(
        answers, [i.reference for i in items], run.params.get("check"), run.params.get("labels")
    )
    latencies = [o.latency_ms for o in stored.values() if o.latency_ms is not None]
    summary = {
        **scores.values,
        "items": scores.items,
        "failed": scores.failed,
        "mean_latency_ms": sum(latencies) / len(latencies) if latencies else None,
        "completion_tokens": sum(o.completion_tokens or 0 for o in stored.values()),
    }
    finish_run(store, run_id, "completed" if not scores.failed else "incomplete", summary)
    return get_run(store, run_id)
