"""GPU smoke benchmark of the local trainer, with nothing to download.

Usage: python -m benchmarks.bench_gpu [--steps 40] [--batch 8] [--seq 1024]
       python -m benchmarks.bench_gpu --cpu --tiny     (a smoke check of the script itself)

A randomly initialised ~0.5B-parameter Llama (built from a LlamaConfig) and a byte-level BPE
tokenizer with a ChatML template (trained here on generated sentences) are saved to a temporary
folder; then, in one run, the same LoRA training (the trainer's settings: LoRA r=8 on every
linear layer, bf16 mixed precision on a GPU) is timed twice:

- through the real trainer path: `build_sft` of tuiapp/local/hf_trainers.py with a RunSpec
  (TRL's SFTTrainer over accelerate), as a local job runs it;
- as a plain PyTorch loop over the same peft model, batches and optimizer (the baseline).

It prints tokens/s (padding not counted), peak GPU memory and MFU: 6 * parameters * tokens/s
over the GPU's peak dense bf16 FLOP/s (H100/H200: 989 TFLOP/s; --peak-tflops for others). 6N
is the usual convention for full training; LoRA computes no gradients of the frozen weights,
so it does about 4N per token and its MFU by this measure is at most about 2/3. The first
steps of each phase warm up and are not timed. Without CUDA it says so and exits 0, unless
--cpu is given."""

from __future__ import annotations

import argparse
import gc
import random
import resource
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHATML = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{{ message['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
WORDS = [
    "a",
    "and",
    "answer",
    "by",
    "down",
    "examples",
    "from",
    "goes",
    "gpu",
    "held",
    "it",
    "keeps",
    "learns",
    "loss",
    "model",
    "new",
    "of",
    "on",
    "out",
    "over",
    "prompts",
    "server",
    "short",
    "ssh",
    "step",
    "style",
    "the",
    "while",
]
PEAK_TFLOPS = {"H200": 989.0, "H100": 989.0, "A100": 312.0, "L40S": 362.0, "A10": 125.0}
WARMUP = 3  # steps of each phase not timed (kernels compiled, allocator warmed)


@dataclass(frozen=True)
class Shape:
    """The Llama's size."""

    hidden: int
    intermediate: int
    layers: int
    heads: int
    kv_heads: int


HALF_B = Shape(hidden=1536, intermediate=4096, layers=20, heads=12, kv_heads=4)  # ~0.5B
TINY = Shape(hidden=64, intermediate=128, layers=2, heads=2, kv_heads=2)


@dataclass(frozen=True)
class Result:
    """One phase's figures."""

    name: str
    tokens_per_second: float
    seconds_per_step: float
    peak_memory_gb: float


def sentences(n: int, seed: int = 0) -> list[str]:
    """Generated text to train the tokenizer and fill the examples."""
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 24))) + "." for _ in range(n)]


def build_model(folder: Path, shape: Shape) -> int:
    """Save a random Llama and its tokenizer in folder; its parameter count."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    bpe.train_from_iterator(
        sentences(500),
        trainers.BpeTrainer(
            vocab_size=1024,
            special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        ),
    )
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe, eos_token="<|im_end|>", pad_token="<|endoftext|>"
    )
    tokenizer.chat_template = CHATML
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=shape.hidden,
        intermediate_size=shape.intermediate,
        num_hidden_layers=shape.layers,
        num_attention_heads=shape.heads,
        num_key_value_heads=shape.kv_heads,
        max_position_embeddings=4096,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=False,
    )
    torch.manual_seed(0)
    model = LlamaForCausalLM(config)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return sum(p.numel() for p in model.parameters())


def examples(tokenizer: Any, count: int, seq: int) -> list[Any]:
    """`count` chat examples of about `seq` tokens, loss on the assistant's reply."""
    from tuiapp.local.chat_tokens import tokenize_chat

    text = " ".join(sentences(seq // 2 + 8, seed=1))
    out = []
    for i in range(count):
        start = (i * 37) % 200
        messages = [
            {"role": "user", "content": text[start : start + seq]},
            {"role": "assistant", "content": text[start + seq : start + 3 * seq]},
        ]
        out.append(tokenize_chat(tokenizer, messages, seq))
    return out


def peak_memory_gb(device: str) -> float:
    """Peak memory since the last reset: the GPU allocator's, else the process's peak RSS."""
    if device == "cuda":
        import torch

        return torch.cuda.max_memory_allocated() / 1e9
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6


def reset_memory(device: str) -> None:
    """Start a phase's peak memory afresh (on the GPU), the last phase's model freed."""
    gc.collect()
    if device == "cuda":
        import torch

        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()


def trainer_phase(spec: Any, tokenizer: Any, items: list[Any], steps: int) -> Result:
    """The real trainer path: build_sft's SFTTrainer, timed from the end of the warm-up steps
    to the end of the last (its checkpoint at the end of the epoch is not timed)."""
    from transformers import TrainerCallback

    from tuiapp.local.hf_trainers import build_sft

    marks: dict[str, float] = {}

    class Clock(TrainerCallback):  # type: ignore[misc]
        """Notes the time and tokens seen at the end of the warm-up and of the last step."""

        def on_step_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            """Sync the device, then note the clock."""
            if state.global_step in (WARMUP, WARMUP + steps):
                sync(spec.placement.device)
                marks[f"t{state.global_step}"] = time.perf_counter()
                marks[f"n{state.global_step}"] = float(state.num_input_tokens_seen or 0)

    reset_memory(spec.placement.device)
    trainer, _ = build_sft(spec, tokenizer, items, [], 10**9, [Clock()])
    trainer.train()
    elapsed = marks[f"t{WARMUP + steps}"] - marks[f"t{WARMUP}"]
    tokens = marks[f"n{WARMUP + steps}"] - marks[f"n{WARMUP}"]
    return Result(
        "trainer (build_sft)",
        tokens / elapsed,
        elapsed / steps,
        peak_memory_gb(spec.placement.device),
    )


def plain_phase(spec: Any, tokenizer: Any, items: list[Any], steps: int) -> Result:
    """The baseline: the same peft model, batches and AdamW in a bare loop (bf16 autocast on
    a GPU, as the trainer's mixed precision)."""
    import torch

    from tuiapp.local.batches import collate
    from tuiapp.local.hf_trainers import lora_model

    device, batch = spec.placement.device, spec.settings.batch_size
    reset_memory(device)
    model = lora_model(spec).to(device)
    model.train()
    optimizer = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad],
        lr=spec.settings.learning_rate,
        weight_decay=0.01,
    )
    dtype = torch.bfloat16 if spec.placement.bf16 else torch.float32
    started, tokens = 0.0, 0
    for step in range(WARMUP + steps):
        if step == WARMUP:
            sync(device)
            started = time.perf_counter()
        chunk = items[step * batch : (step + 1) * batch]
        padded = collate(chunk, tokenizer.pad_token_id)
        with torch.autocast(device, dtype=dtype, enabled=spec.placement.bf16):
            loss = model(
                input_ids=padded.input_ids.to(device),
                attention_mask=padded.attention_mask.to(device),
                labels=padded.labels.to(device),
            ).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if step >= WARMUP:
            tokens += sum(len(t.input_ids) for t in chunk)
    sync(device)
    elapsed = time.perf_counter() - started
    return Result("plain PyTorch loop", tokens / elapsed, elapsed / steps, peak_memory_gb(device))


def sync(device: str) -> None:
    """Wait for the GPU's queued work (so the clock measures it)."""
    if device == "cuda":
        import torch

        torch.cuda.synchronize()


def peak_flops(name: str, given: float | None) -> float | None:
    """The GPU's peak dense bf16 FLOP/s: given, or known from its name; None if unknown."""
    if given:
        return given * 1e12
    found = [tflops for key, tflops in PEAK_TFLOPS.items() if key in name]
    return found[0] * 1e12 if found else None


def main(argv: list[str] | None = None) -> int:
    """Build, train twice, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=40, help="timed steps per phase")
    parser.add_argument("--batch", type=int, default=8, help="examples per step")
    parser.add_argument("--seq", type=int, default=1024, help="tokens per example")
    parser.add_argument("--cpu", action="store_true", help="run on the CPU (a smoke check)")
    parser.add_argument("--tiny", action="store_true", help="a 2-layer model instead of ~0.5B")
    parser.add_argument("--peak-tflops", type=float, help="the GPU's peak dense bf16 TFLOP/s")
    args = parser.parse_args(argv)
    import torch

    if not args.cpu and not torch.cuda.is_available():
        print("bench_gpu: no CUDA GPU here; nothing measured (--cpu --tiny for a smoke check)")
        return 0
    from transformers import AutoTokenizer

    from tuiapp.local.devices import choose
    from tuiapp.local.hf_trainers import RunSpec
    from tuiapp.local.hyperparams import TrainingSettings

    placement = choose("cpu" if args.cpu else "cuda")
    shape = TINY if args.tiny else HALF_B
    with tempfile.TemporaryDirectory(prefix="dist-bench-") as tmp:
        folder = Path(tmp) / "llama"
        started = time.perf_counter()
        params = build_model(folder, shape)
        print(
            f"model: random Llama, {params / 1e6:.0f}M parameters, built in "
            f"{time.perf_counter() - started:.0f} s; {placement.name}, {placement.precision}"
        )
        tokenizer = AutoTokenizer.from_pretrained(folder)
        items = examples(tokenizer, args.batch * (WARMUP + args.steps), args.seq)
        settings = TrainingSettings(1, args.batch, 0.1, 1e-4, 0)
        spec = RunSpec(str(folder), Path(tmp) / "out", settings, placement, args.seq)
        results = [
            trainer_phase(spec, tokenizer, items, args.steps),
            plain_phase(spec, tokenizer, items, args.steps),
        ]
    peak = peak_flops(placement.name, args.peak_tflops) if placement.device == "cuda" else None
    print(f"{args.steps} timed steps of {args.batch} x ~{args.seq} tokens, LoRA r=8 all-linear")
    print(f"{'path':<22}{'tokens/s':>12}{'s/step':>10}{'peak GB':>10}{'MFU (6N)':>10}")
    for r in results:
        mfu = f"{100 * 6 * params * r.tokens_per_second / peak:.1f}%" if peak else "n/a"
        print(
            f"{r.name:<22}{r.tokens_per_second:>12,.0f}{r.seconds_per_step:>10.3f}"
            f"{r.peak_memory_gb:>10.2f}{mfu:>10}"
        )
    ratio = results[0].tokens_per_second / results[1].tokens_per_second
    print(f"trainer / plain loop: {ratio:.2f}x tokens/s")
    if placement.device != "cuda":
        print("(CPU: peak memory is the process's peak RSS so far; no MFU)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
