"""Chat serving of the local backend with SmolLM2-135M on the CPU, through the real server and
the real `openai` SDK.

Two figures, each against a baseline measured in the same run:
- 16 concurrent short chats vs the same 16 asked one at a time (goal: >= 4x on 2 cores);
- time to first token of a request that arrives while another request generates 1,000 tokens,
  vs the idle time to first token (goal: under 2x).

Run: `python benchmarks/bench_chat.py` (pulls the default model once, ~20 s)."""

from __future__ import annotations

import concurrent.futures
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import openai
import platformdirs

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.local_support import running_server  # noqa: E402
from tuiapp.local.model_store import DEFAULT_BASE, pull_default  # noqa: E402

QUESTIONS = [
    "What is the capital of France?",
    "Name three colours.",
    "What is 12 times 12?",
    "Give me a synonym for happy.",
    "What do bees make?",
    "How many days are in a week?",
    "What is the opposite of cold?",
    "Name a planet in our solar system.",
    "What language is spoken in Brazil?",
    "What is H2O?",
    "Who wrote Romeo and Juliet?",
    "What is the largest ocean?",
    "How many legs does a spider have?",
    "What is the boiling point of water in Celsius?",
    "Name a musical instrument with strings.",
    "What season comes after winter?",
]
MAX_TOKENS = 48


def chat(client: openai.OpenAI, question: str, max_tokens: int = MAX_TOKENS) -> tuple[float, int]:
    """(seconds, completion tokens) of one greedy chat."""
    started = time.perf_counter()
    reply = client.chat.completions.create(
        model=DEFAULT_BASE,
        messages=[{"role": "user", "content": question}],
        max_tokens=max_tokens,
        temperature=0,
    )
    assert reply.usage is not None
    return time.perf_counter() - started, reply.usage.completion_tokens


def first_token(client: openai.OpenAI, question: str) -> float:
    """Seconds until the first streamed text of a chat."""
    started = time.perf_counter()
    stream = client.chat.completions.create(
        model=DEFAULT_BASE,
        messages=[{"role": "user", "content": question}],
        max_tokens=8,
        temperature=0,
        stream=True,
    )
    took = None
    for chunk in stream:
        if took is None and chunk.choices and chunk.choices[0].delta.content:
            took = time.perf_counter() - started
    assert took is not None
    return took


def main() -> None:
    """Both measurements, in one run."""
    model_dir = pull_default(Path(platformdirs.user_cache_dir("tuiapp")) / "models")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "local"
        (root / "models").mkdir(parents=True)
        (root / "models" / DEFAULT_BASE).symlink_to(model_dir)
        with running_server(root) as (url, api):
            client = openai.OpenAI(base_url=url, api_key="unused", timeout=600, max_retries=0)
            chat(client, "warm up", 4)

            started = time.perf_counter()
            one_by_one = [chat(client, q) for q in QUESTIONS]
            sequential = time.perf_counter() - started
            started = time.perf_counter()
            with concurrent.futures.ThreadPoolExecutor(len(QUESTIONS)) as pool:
                together = list(pool.map(lambda q: chat(client, q), QUESTIONS))
            concurrent_wall = time.perf_counter() - started
            tokens = sum(n for _, n in together)
            assert tokens == sum(n for _, n in one_by_one), "same prompts, same answers"
            print(
                f"16 chats (max_tokens {MAX_TOKENS}, {tokens} tokens): one at a time "
                f"{sequential:.1f} s (median {statistics.median(t for t, _ in one_by_one):.2f} s "
                f"each); 16 at once {concurrent_wall:.1f} s (median "
                f"{statistics.median(t for t, _ in together):.2f} s each): "
                f"{sequential / concurrent_wall:.1f}x"
            )

            idle = statistics.median(first_token(client, q) for q in QUESTIONS[:5])
            engine = next(iter(api.models.pool._bases.values())).engine
            engine.eos_ids = set()  # the long answer really runs to 1,000 tokens
            api.models.limits.max_tokens = 1000
            long = threading.Thread(
                target=chat, args=(client, "Tell me a very long story.", 1000), daemon=True
            )
            long.start()
            while not engine.rows:
                time.sleep(0.01)
            time.sleep(1.0)  # well into the long answer
            busy = statistics.median(first_token(client, q) for q in QUESTIONS[5:10])
            still_generating = long.is_alive()
            long.join()
            print(
                f"time to first token: idle {idle * 1000:.0f} ms; while another request "
                f"generates 1,000 tokens {busy * 1000:.0f} ms ({busy / idle:.2f}x"
                f"{'' if still_generating else ', the long answer had ended: not measured'})"
            )


if __name__ == "__main__":
    main()
