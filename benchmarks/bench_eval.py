"""Evaluation throughput and streaming latency.

1. 160 holdout items against a latency-bound stub server (every answer takes 100 ms; the
   first attempt at one prompt in 20 fails with a 500 that the SDK retries), through the
   real openai SDK and our runner: concurrency 16 vs a sequential loop (concurrency 1), both
   in this run; every output must be stored, none lost.
2. Time to the first streamed token through the provider the playground uses, against the
   real local backend with SmolLM2-135M-Instruct (skipped when the model is not prepared).

Usage: python -m benchmarks.bench_eval
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import httpx
import openai

from benchmarks.frozen_holdout import frozen_holdout
from tests.local_support import running_server
from tuiapp.providers.openai_provider import LOCAL_CAPABILITIES, OpenAIProvider
from tuiapp.services.eval_run import run_eval, start_run
from tuiapp.store.evals import outputs

DELAY = 0.1
ITEMS = 160


def stub() -> httpx.AsyncBaseTransport:
    """A chat server that takes DELAY per answer and fails the first attempt at one prompt in
    20 with a 500 (the SDK retries it)."""
    failed: set[bytes] = set()

    async def answer(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(DELAY)
        prompt = request.content
        if hash(prompt) % 20 == 0 and prompt not in failed:
            failed.add(prompt)
            return httpx.Response(500, json={"error": {"message": "flaky", "type": "server"}})
        body = {
            "id": "c",
            "object": "chat.completion",
            "created": 1,
            "model": "stub",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": "answer"},
                }
            ],
            "usage": {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12},
        }
        return httpx.Response(200, json=body)

    return httpx.MockTransport(answer)


async def throughput(folder: Path) -> None:
    """Concurrency 16 vs sequential on the stub."""
    store, version = frozen_holdout(folder, ITEMS)
    results = {}
    for concurrency in (1, 16):
        client = openai.AsyncOpenAI(
            base_url="http://stub/v1",
            api_key="x",
            http_client=httpx.AsyncClient(transport=stub()),  # type: ignore[arg-type]  # httpx2 stubs
        )
        provider = OpenAIProvider("stub", client, LOCAL_CAPABILITIES)
        run = start_run(store, version.id, "stub", "stub")
        t0 = time.perf_counter()
        done = await run_eval(store, provider, run.id, concurrency=concurrency)
        seconds = time.perf_counter() - t0
        stored = outputs(store, run.id)
        results[concurrency] = (seconds, len(stored), done.scores["failed"], run.total)
        await client.close()
    (s1, n1, f1, total), (s16, n16, f16, _) = results[1], results[16]
    delay = f"{DELAY * 1000:.0f} ms an answer"
    print(f"1. evaluation of {total} items, {delay}, 1 prompt in 20 fails once")
    print(f"   sequential loop (concurrency 1): {s1:.1f} s, {n1} outputs stored, {f1} failed")
    print(
        f"   tuiapp, concurrency 16: {s16:.1f} s, {n16} outputs stored, {f16} failed "
        f"-> {s1 / s16:.1f}x faster"
    )


async def first_token(folder: Path) -> None:
    """Time to first streamed token against the real local backend."""
    from tuiapp.local.model_store import DEFAULT_BASE, list_base_models, model_dirs

    if DEFAULT_BASE not in list_base_models(model_dirs()):
        print("2. skipped: SmolLM2 is not prepared (tuiapp local pull)")
        return
    with running_server(folder / "local") as (url, _api):
        provider = OpenAIProvider(
            "local", openai.AsyncOpenAI(base_url=url, api_key="x"), LOCAL_CAPABILITIES
        )
        times, rates = [], []
        for i in range(6):
            t0 = time.perf_counter()
            first = None
            tokens = 0
            async for _piece in provider.chat(
                DEFAULT_BASE,
                [{"role": "user", "content": f"Name a colour ({i})."}],
                max_tokens=24,
                temperature=0,
            ):
                tokens += 1
                if first is None:
                    first = time.perf_counter() - t0
            total = time.perf_counter() - t0
            if i:  # the first call loads the model
                times.append(first or total)
                rates.append(tokens / total)
        await provider.close()
    print("2. playground streaming against the local backend (SmolLM2-135M, CPU, warm)")
    print(
        f"   time to first token: median {statistics.median(times) * 1000:.0f} ms; "
        f"{statistics.median(rates):.1f} pieces/s"
    )


async def main_async() -> None:
    """Both measurements."""
    with tempfile.TemporaryDirectory() as tmp:
        await throughput(Path(tmp))
        await first_token(Path(tmp))


if __name__ == "__main__":
    asyncio.run(main_async())
