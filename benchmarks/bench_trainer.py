"""CPU training throughput: the TRL trainer the local backend uses vs the hand-written loop it
replaced, on the real SmolLM2-135M-Instruct, same data, LoRA settings, batch size and threads.

Usage: python -m benchmarks.bench_trainer [STEPS]   (default 12; `tuiapp local pull` first)

All run in this process, one after the other, twice (A B C A B C: the hand loop, the trainer
as the backend runs it, the trainer with TRL's own LM head as TRL ships it, which scores every
position and its entropy; the backend before `tuiapp.local.trainer_head` skipped the entropy
only), so a busy machine slows each; each figure is input tokens over the steps after the
first (warm-up), per second of wall time and per second of this process's CPU time (all
threads): on a shared, loaded box the wall figure is mostly the neighbours', the CPU figure is
the work. Prints the figures, the ratios TRL / hand loop (goal >= 1.0x) and the load average.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import platformdirs

from benchmarks.bench_local import demo_rows
from tuiapp.local.chat_tokens import tokenize_chat
from tuiapp.local.devices import choose
from tuiapp.local.hf_trainers import RunSpec, build_sft
from tuiapp.local.hyperparams import TrainingSettings
from tuiapp.local.model_store import pull_default

BATCH = 4


class Timer:
    """A trainer callback timing the steps after the first, and counting their tokens."""

    def __init__(self) -> None:
        self.t0 = 0.0
        self.t1 = 0.0
        self.cpu0 = 0.0  # process CPU time, all threads
        self.cpu1 = 0.0
        self.tokens = 0  # minus the tokens seen by the end of step 1
        self.last = 0  # tokens seen by the end of the last step

    def callback(self) -> Any:
        """The TrainerCallback."""
        from transformers import TrainerCallback

        timer = self

        class _Timing(TrainerCallback):  # type: ignore[misc]
            def on_step_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
                if state.global_step == 1:
                    timer.t0, timer.cpu0 = time.perf_counter(), time.process_time()
                    timer.tokens = -int(state.num_input_tokens_seen)
                timer.t1, timer.cpu1 = time.perf_counter(), time.process_time()
                timer.last = int(state.num_input_tokens_seen)

        return _Timing()

    @property
    def rates(self) -> tuple[float, float]:
        """Tokens of the timed steps per second of wall time and per CPU-second."""
        tokens = self.last + self.tokens
        return tokens / (self.t1 - self.t0), tokens / max(1e-9, self.cpu1 - self.cpu0)


def trl_rates(
    model_dir: Path, rows: list[dict[str, Any]], steps: int, stock_head: bool = False
) -> tuple[float, float]:
    """The local backend's trainer (TRL's SFTTrainer over peft) for `steps` steps: tokens per
    wall second and per CPU-second; `stock_head` keeps TRL's own LM head."""
    import torch
    from transformers import AutoTokenizer

    from tuiapp.local import hf_trainers

    hf_trainers.STOCK_HEAD = stock_head

    torch.set_num_threads(2)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    items = [tokenize_chat(tokenizer, r["messages"], 1024) for r in rows]
    epochs = -(-steps * BATCH // len(items))
    settings = TrainingSettings(epochs, BATCH, 1.0, 1e-3, 1)
    timer = Timer()
    with tempfile.TemporaryDirectory() as out:
        spec = RunSpec(str(model_dir), Path(out), settings, choose("cpu"), 1024)
        trainer, _ = build_sft(spec, tokenizer, items, [], 10**9, [timer.callback()])
        trainer.args.max_steps = steps + 1
        trainer.args.save_strategy = "no"
        trainer.train()
    return timer.rates


def hand_rates(model_dir: Path, rows: list[dict[str, Any]], steps: int) -> tuple[float, float]:
    """The hand-written loop the trainer replaced (benchmarks.bench_local's, timed here on the
    CPU too): the same LoRA on a bare PyTorch/peft loop; tokens per wall second and per
    CPU-second over the steps after the first (padding not counted)."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from tuiapp.local.batches import collate, loss_and_accuracy

    torch.set_num_threads(2)
    torch.manual_seed(1)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    items = [tokenize_chat(tokenizer, r["messages"], 1024) for r in rows]
    lora = LoraConfig(r=8, lora_alpha=16, target_modules="all-linear", task_type="CAUSAL_LM")
    model = get_peft_model(
        AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32), lora
    )
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-3)
    model.train()
    wall0 = cpu0 = 0.0
    tokens = 0
    for step in range(steps + 1):
        if step == 1:  # the first step warms up; time the rest
            wall0, cpu0 = time.perf_counter(), time.process_time()
        batch = items[(step % (len(items) // BATCH)) * BATCH :][:BATCH]
        if step >= 1:
            tokens += sum(len(t.input_ids) for t in batch)
        loss, _, _ = loss_and_accuracy(model, collate(batch, tokenizer.pad_token_id or 0))
        loss.backward()
        opt.step()
        opt.zero_grad()
    return tokens / (time.perf_counter() - wall0), tokens / (time.process_time() - cpu0)


def main() -> None:
    """A B C A B C, then the best of each and the ratios, and the load average."""
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 12
    model_dir = pull_default(Path(platformdirs.user_cache_dir("tuiapp")) / "models")
    rows = demo_rows()
    runs: dict[str, list[tuple[float, float]]] = {"hand": [], "trl": [], "trl stock head": []}
    for _ in range(2):
        runs["hand"].append(hand_rates(model_dir, rows, steps))
        runs["trl"].append(trl_rates(model_dir, rows, steps))
        runs["trl stock head"].append(trl_rates(model_dir, rows, steps, stock_head=True))
        for name, got in runs.items():
            print(
                f"{name:14} {got[-1][0]:6.0f} tokens/s  {got[-1][1]:6.0f} tokens/CPU-s", flush=True
            )
    best = {name: (max(r[0] for r in got), max(r[1] for r in got)) for name, got in runs.items()}
    hand = best["hand"]
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"SmolLM2-135M, CPU, 2 threads, batch {BATCH}, {steps} timed steps each, best of 2:")
    for name in ("trl", "trl stock head"):
        wall, cpu = best[name]
        print(
            f"  {name}: {wall:.0f} tokens/s ({wall / hand[0]:.2f}x the hand loop's {hand[0]:.0f}), "
            f"{cpu:.0f} tokens/CPU-s ({cpu / hand[1]:.2f}x its {hand[1]:.0f}) (goal >= 1.0x)",
            flush=True,
        )


if __name__ == "__main__":
    main()
