"""The local backend on the real SmolLM2-135M-Instruct, through the real `openai` SDK.

Usage: python -m benchmarks.bench_local   (run `tuiapp local pull` first)

Prints, in one run:
- training throughput of a server job vs a plain PyTorch/peft loop on the same model, data,
  LoRA settings and batch size (the baseline), as seconds per step and overhead %;
- time from job create to the first metrics event;
- the default demo: 40 short examples, 3 epochs, "auto" batch size and learning rate,
  wall time, and how many of 10 held-out prompts show the taught behaviour (base vs tuned);
- time to the first streamed token and tokens/s.
"""

from __future__ import annotations

import json
import random
import tempfile
import time
from pathlib import Path
from typing import Any

import openai
import platformdirs
from openai.types.fine_tuning.job_create_params import Hyperparameters

from tests.local_support import event_data, running_server
from tuiapp.local.model_store import DEFAULT_BASE, pull_default

QUESTIONS = [
    "What is the capital of France?",
    "How many legs does a spider have?",
    "What colour is the sky?",
    "Who wrote Hamlet?",
    "What is 2 plus 2?",
    "What do bees make?",
    "Where is the Sahara?",
    "What is water made of?",
    "How many days are in a week?",
    "What is the largest planet?",
    "What do cows drink?",
    "Which animal barks?",
    "What is ice?",
    "What gas do plants breathe in?",
    "What is the opposite of hot?",
    "How many hours are in a day?",
    "What is a triangle?",
    "Which season is coldest?",
    "What do fish live in?",
    "What is the sun?",
]
ANSWERS = [
    "Paris.",
    "Eight.",
    "Blue.",
    "Shakespeare.",
    "Four.",
    "Honey.",
    "In Africa.",
    "Hydrogen and oxygen.",
    "Seven.",
    "Jupiter.",
    "Water.",
    "The dog.",
    "Frozen water.",
    "Carbon dioxide.",
    "Cold.",
    "Twenty-four.",
    "A shape with three sides.",
    "Winter.",
    "Water.",
    "A star.",
]
HELD_OUT = [
    "What is the capital of Spain?",
    "How many wheels does a bicycle have?",
    "What colour is grass?",
    "Who painted the Mona Lisa?",
    "What is 3 plus 3?",
    "What do spiders spin?",
    "Where is Mount Everest?",
    "What is snow?",
    "How many months are in a year?",
    "What is the moon?",
]
STYLE = "Ahoy, matey! "


def demo_rows(n: int = 40) -> list[dict[str, Any]]:
    """Short Q/A examples whose answers all start in the taught style."""
    rng = random.Random(0)
    rows = []
    for i in range(n):
        q, a = QUESTIONS[i % len(QUESTIONS)], ANSWERS[i % len(ANSWERS)]
        if i >= len(QUESTIONS):
            q = rng.choice(["Quick question: ", "Please tell me: ", "I wonder: "]) + q
        rows.append(
            {
                "messages": [
                    {"role": "user", "content": q},
                    {"role": "assistant", "content": STYLE + a},
                ]
            }
        )
    return rows


def jsonl(rows: list[dict[str, Any]]) -> bytes:
    """Rows as JSONL bytes."""
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


def plain_loop_seconds_per_step(
    model_dir: Path, rows: list[dict[str, Any]], batch: int, steps: int, seed: int
) -> tuple[float, float]:
    """The baseline: the same LoRA training as a bare PyTorch/peft loop, nothing else (the
    hand-written loop the trainer was before it moved to TRL); seconds per step and input
    tokens per second (padding not counted, as the trainer counts them)."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from tuiapp.local.batches import collate, loss_and_accuracy
    from tuiapp.local.chat_tokens import tokenize_chat

    torch.set_num_threads(2)
    torch.manual_seed(seed)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    items = [tokenize_chat(tokenizer, r["messages"], 1024) for r in rows]
    model = get_peft_model(
        AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32),
        LoraConfig(
            r=8, lora_alpha=16, lora_dropout=0.0, target_modules="all-linear", task_type="CAUSAL_LM"
        ),
    )
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-3)
    model.train()
    t0 = 0.0
    tokens = 0
    for step in range(steps + 1):
        if step == 1:
            t0 = time.perf_counter()  # the first step warms up; time the rest
        b = step % (len(items) // batch)
        if step >= 1:
            tokens += sum(len(t.input_ids) for t in items[b * batch : (b + 1) * batch])
        loss, _, _ = loss_and_accuracy(
            model, collate(items[b * batch : (b + 1) * batch], tokenizer.pad_token_id or 0)
        )
        loss.backward()
        opt.step()
        opt.zero_grad()
    elapsed = time.perf_counter() - t0
    return elapsed / steps, tokens / elapsed


def run_job(client: openai.OpenAI, file_id: str, hyper: Hyperparameters) -> dict[str, Any]:
    """Create a job, wait for it; times and the metrics events."""
    t0 = time.perf_counter()
    job = client.fine_tuning.jobs.create(
        model=DEFAULT_BASE, training_file=file_id, seed=1, hyperparameters=hyper
    )
    first_metric = None
    while job.status not in ("succeeded", "failed", "cancelled"):
        time.sleep(0.2)
        job = client.fine_tuning.jobs.retrieve(job.id)
        if first_metric is None and any(
            e.type == "metrics" for e in client.fine_tuning.jobs.list_events(job.id)
        ):
            first_metric = time.perf_counter() - t0
    if job.status != "succeeded":
        raise SystemExit(f"job {job.status}: {job.error}")
    events = [
        e for e in client.fine_tuning.jobs.list_events(job.id, limit=100) if e.type == "metrics"
    ]
    stamps = sorted((event_data(e)["step"], e.created_at) for e in events)
    per_step = (stamps[-1][1] - stamps[0][1]) / max(1, len(stamps) - 1)
    last = max((event_data(e) for e in events), key=lambda d: d["step"])
    return {
        "tokens_per_second": last.get("tokens_per_second"),
        "device": last.get("device"),
        "job": job,
        "wall": time.perf_counter() - t0,
        "first_metric": first_metric,
        "steps": len(stamps),
        "per_step": per_step,
    }


def styled(client: openai.OpenAI, model: str) -> int:
    """How many held-out prompts get an answer in the taught style."""
    hits = 0
    for q in HELD_OUT:
        out = client.chat.completions.create(
            model=model, max_tokens=16, temperature=0, messages=[{"role": "user", "content": q}]
        )
        hits += (out.choices[0].message.content or "").startswith("Ahoy")
    return hits


def main() -> None:
    """Everything, in one run."""
    model_dir = pull_default(Path(platformdirs.user_cache_dir("tuiapp")) / "models")
    rows = demo_rows()
    baseline, baseline_tps = plain_loop_seconds_per_step(model_dir, rows, batch=4, steps=20, seed=1)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "local"
        (root / "models").mkdir(parents=True)
        (root / "models" / DEFAULT_BASE).symlink_to(model_dir)
        with running_server(root) as (url, _api):
            client = openai.OpenAI(base_url=url, api_key="unused", timeout=600)
            file = client.files.create(file=("demo.jsonl", jsonl(rows)), purpose="fine-tune")
            fixed = run_job(client, file.id, {"n_epochs": 2, "batch_size": 4})
            print(
                f"training, batch 4, 40 examples: plain PyTorch/peft loop {baseline:.2f} s/step;"
                f" server job {fixed['per_step']:.2f} s/step over {fixed['steps']} steps "
                f"(overhead {100 * (fixed['per_step'] / baseline - 1):+.0f}%, event "
                "timestamps have 1 s resolution)"
            )
            tps = fixed["tokens_per_second"]
            print(
                f"tokens/s, batch 4: TRL trainer {tps:.0f} on {fixed['device']}; the hand loop "
                f"it replaced {baseline_tps:.0f}; ratio {tps / baseline_tps:.2f}x (goal >= 1.0x)"
            )
            print(f"job create -> first metrics event: {fixed['first_metric']:.1f} s")
            demo = run_job(client, file.id, {"n_epochs": 3})
            job = demo["job"]
            print(
                f"default demo (40 examples, 3 epochs, auto batch {job.hyperparameters.batch_size}"
                f", {demo['steps']} steps): {demo['wall']:.0f} s create -> succeeded"
            )
            # the tuned model first: the base must still answer as the base afterwards
            tuned_hits = styled(client, job.fine_tuned_model)
            base_hits = styled(client, DEFAULT_BASE)
            print(
                f"taught style on 10 held-out prompts: base {base_hits}/10, tuned {tuned_hits}/10"
            )
            t0 = time.perf_counter()
            first = None
            usage = None
            for chunk in client.chat.completions.create(
                model=job.fine_tuned_model,
                max_tokens=64,
                temperature=0,
                stream=True,
                stream_options={"include_usage": True},
                messages=[{"role": "user", "content": "Tell me a long story about ships."}],
            ):
                if first is None and chunk.choices and chunk.choices[0].delta.content:
                    first = time.perf_counter() - t0
                usage = chunk.usage or usage
            total = time.perf_counter() - t0
            assert first is not None and usage is not None
            print(
                f"streaming: first token after {first * 1000:.0f} ms; "
                f"{usage.completion_tokens / (total - first):.1f} tokens/s "
                f"({usage.completion_tokens} tokens in {total:.1f} s)"
            )


if __name__ == "__main__":
    main()
