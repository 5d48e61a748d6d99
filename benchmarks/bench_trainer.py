"""CPU training throughput: the TRL trainer the local backend uses vs the hand-written loop it
replaced, on the real SmolLM2-135M-Instruct, same data, LoRA settings, batch size and threads.

Usage: python -m benchmarks.bench_trainer [STEPS]   (default 12; `tuiapp local pull` first)

Both run in this process, one after the other, twice (A B A B), so a busy machine slows both;
each figure is input tokens per second over the steps after the first (warm-up). Prints the
figures and the ratio TRL / hand loop (goal >= 1.0x).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import platformdirs

from benchmarks.bench_local import demo_rows, plain_loop_seconds_per_step
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
        self.tokens = 0  # minus the tokens seen by the end of step 1
        self.last = 0  # tokens seen by the end of the last step

    def callback(self) -> Any:
        """The TrainerCallback."""
        from transformers import TrainerCallback

        timer = self

        class _Timing(TrainerCallback):  # type: ignore[misc]
            def on_step_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
                if state.global_step == 1:
                    timer.t0 = time.perf_counter()
                    timer.tokens = -int(state.num_input_tokens_seen)
                timer.t1 = time.perf_counter()
                timer.last = int(state.num_input_tokens_seen)

        return _Timing()

    @property
    def tokens_per_second(self) -> float:
        """Tokens of the timed steps per second."""
        return (self.last + self.tokens) / (self.t1 - self.t0)


def trl_tokens_per_second(model_dir: Path, rows: list[dict[str, Any]], steps: int) -> float:
    """The local backend's trainer (TRL's SFTTrainer over peft) for `steps` steps."""
    import torch
    from transformers import AutoTokenizer

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
    return timer.tokens_per_second


def main() -> None:
    """A B A B, then the ratio of the medians."""
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 12
    model_dir = pull_default(Path(platformdirs.user_cache_dir("tuiapp")) / "models")
    rows = demo_rows()
    hand, trl = [], []
    for _ in range(2):
        hand.append(plain_loop_seconds_per_step(model_dir, rows, BATCH, steps, seed=1)[1])
        print(f"hand-written loop: {hand[-1]:.0f} tokens/s", flush=True)
        trl.append(trl_tokens_per_second(model_dir, rows, steps))
        print(f"TRL trainer:       {trl[-1]:.0f} tokens/s", flush=True)
    ratio = max(trl) / max(hand)
    print(
        f"SmolLM2-135M, CPU, 2 threads, batch {BATCH}, {steps} timed steps each, best of 2: "
        f"TRL {max(trl):.0f} tokens/s vs hand loop {max(hand):.0f} = {ratio:.2f}x (goal >= 1.0x)",
        flush=True,
    )


if __name__ == "__main__":
    main()
