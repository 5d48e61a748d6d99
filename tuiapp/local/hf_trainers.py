"""TRL's trainers as a local job uses them: SFT on token ids with our assistant-only labels,
DPO on preference pairs, both over a peft LoRA model (or the whole model, for a full
fine-tune), with the same schedule and settings."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tuiapp.local.chat_tokens import Tokenized, template_messages
from tuiapp.local.devices import Placement
from tuiapp.local.hyperparams import FULL_BYTES_PER_PARAM, TrainingSettings
from tuiapp.local.model_fit import REFERENCE_BYTES_PER_PARAM
from tuiapp.local.trainer_head import lean_lm_head

SAMPLED_VALIDATION = 32  # examples evaluated every 1/20 of the run; all of them per epoch
DPO_EVAL_BATCH = 4
STOCK_HEAD = False  # True: TRL's own LM head (benchmarks/bench_trainer.py compares)


@dataclass(frozen=True)
class RunSpec:
    """What one run trains on and how: the model folder, the data, the settings, the device."""

    base_path: str
    out: Path
    settings: TrainingSettings
    placement: Placement
    max_seq_len: int


def truncate(items: list[Tokenized], max_len: int) -> tuple[list[Tokenized], int, int]:
    """Examples cut to `max_len` tokens, with how many were longer and how many tokens were
    cut; those left with nothing to learn from are dropped."""
    long = [len(t.input_ids) - max_len for t in items if len(t.input_ids) > max_len]
    cut = [Tokenized(t.input_ids[:max_len], t.labels[:max_len]) for t in items]
    return [t for t in cut if t.trained_tokens], len(long), sum(long)


def model_note(settings: TrainingSettings, model: Any, reference: bool = False) -> str:
    """What the start event says the run trains: the LoRA shape, or every weight (with the
    memory AdamW needs for them, and DPO's frozen reference copy when `reference`; with LoRA
    the reference is the model with its adapter switched off, no copy)."""
    if not settings.full_finetune:
        return f"LoRA r={settings.lora_r} alpha={settings.lora_alpha}" + (
            " 4-bit" if settings.load_in_4bit else ""
        )
    params = sum(p.numel() for p in model.parameters())
    per_param = FULL_BYTES_PER_PARAM + (REFERENCE_BYTES_PER_PARAM if reference else 0)
    need = params * per_param / 2**30
    return f"full fine-tune of all {params:,} weights (~{need:.1f} GiB with AdamW" + (
        " and DPO's frozen reference copy)" if reference else ")"
    )


def settings_note(settings: TrainingSettings, max_len: int, truncated: tuple[int, int]) -> str:
    """What the start event adds about truncation, packing and early stopping."""
    note = ""
    count, cut = truncated
    if count:
        note += (
            f"; {count} example{'s' if count != 1 else ''} longer than max_seq_length "
            f"{max_len} truncated ({cut} token{'s' if cut != 1 else ''} cut)"
        )
    if settings.packing:
        note += "; examples packed into sequences"
    if settings.gradient_checkpointing:
        note += "; gradient checkpointing"
    if settings.early_stopping_patience is not None:
        note += (
            f"; early stopping after {settings.early_stopping_patience} evaluations "
            f"without an improvement of {settings.early_stopping_min_delta:g}"
        )
    return note


def sft_dataset(items: list[Tokenized]) -> Any:
    """Token ids with their labels (-100 where no loss): TRL trains on them as they are."""
    from datasets import Dataset

    return Dataset.from_list([{"input_ids": t.input_ids, "labels": t.labels} for t in items])


def dpo_rows(examples: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """OpenAI preference lines as TRL's conversational pairs: the prompt's messages, and the
    preferred / non-preferred answers as the assistant turn that follows."""
    rows = []
    for example in examples:
        prompt = template_messages(example.get("input", {}).get("messages", []))
        chosen = template_messages(example.get("preferred_output", []))
        rejected = template_messages(example.get("non_preferred_output", []))
        if prompt and chosen and rejected:
            rows.append({"prompt": prompt, "chosen": chosen, "rejected": rejected})
    return rows


def lora_model(spec: RunSpec) -> Any:
    """The base model in float32 (4-bit NF4 for QLoRA) with a LoRA adapter on the layers the
    settings name, its initial weights drawn from the job's seed (the same seed trains the
    same model)."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, set_seed

    settings = spec.settings
    set_seed(settings.seed)
    if settings.load_in_4bit:
        from peft import prepare_model_for_kbit_training
        from transformers import BitsAndBytesConfig

        compute = torch.bfloat16 if spec.placement.bf16 else torch.float16
        quantization = BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_compute_dtype=compute,
            bnb_4bit_use_double_quant=True,
        )
        # each process's quantized weights on its own GPU (torchrun sets LOCAL_RANK)
        gpu = int(os.environ.get("LOCAL_RANK", "0"))
        model = AutoModelForCausalLM.from_pretrained(
            spec.base_path, quantization_config=quantization, device_map={"": gpu}
        )
        model = prepare_model_for_kbit_training(
            model, use_gradient_checkpointing=settings.gradient_checkpointing
        )
    else:
        model = AutoModelForCausalLM.from_pretrained(spec.base_path, dtype=torch.float32)
    targets = settings.lora_target_modules
    return get_peft_model(
        model,
        LoraConfig(
            r=settings.lora_r,
            lora_alpha=settings.lora_alpha,
            lora_dropout=settings.lora_dropout,
            target_modules=targets if isinstance(targets, str) else list(targets),
            task_type="CAUSAL_LM",
        ),
    )


def train_model(spec: RunSpec) -> Any:
    """The model a job trains: the whole base model in float32 for a full fine-tune (every
    weight, no peft; seeded like the LoRA one), else the base with its LoRA adapter."""
    if not spec.settings.full_finetune:
        return lora_model(spec)
    import torch
    from transformers import AutoModelForCausalLM, set_seed

    set_seed(spec.settings.seed)
    return AutoModelForCausalLM.from_pretrained(spec.base_path, dtype=torch.float32)


def common_args(spec: RunSpec, eval_every: int, has_validation: bool) -> dict[str, Any]:
    """The TrainingArguments both trainers share: the job's settings, one log line per step,
    a checkpoint per epoch (a pause adds one), the device and its precision."""
    settings, placement = spec.settings, spec.placement
    return {
        "output_dir": str(spec.out),
        "num_train_epochs": settings.n_epochs,
        "per_device_train_batch_size": settings.batch_size,
        "learning_rate": settings.learning_rate,
        "lr_scheduler_type": "constant",
        "weight_decay": 0.01,
        "seed": settings.seed,
        "data_seed": settings.seed,
        "logging_strategy": "steps",
        "logging_steps": 1,
        "eval_strategy": "steps" if has_validation else "no",
        "eval_steps": eval_every,
        "save_strategy": "epoch",
        "report_to": "none",
        "disable_tqdm": True,
        "use_cpu": placement.device == "cpu",
        "bf16": placement.bf16,
        "fp16": placement.fp16,
        "max_length": spec.max_seq_len,
        "dataloader_num_workers": 0,
        "include_num_input_tokens_seen": "non_padding",
        "save_only_model": False,
        # always said: TRL's SFT and DPO configs default to True (activations recomputed,
        # a third of the CPU throughput lost) where the job's switch defaults to off
        "gradient_checkpointing": settings.gradient_checkpointing,
    }


def steps(n_examples: int, settings: TrainingSettings) -> tuple[int, int]:
    """Steps per epoch and in all, as the trainer will count them (the last batch kept)."""
    per_epoch = math.ceil(n_examples / settings.batch_size)
    return per_epoch, per_epoch * settings.n_epochs


def build_sft(
    spec: RunSpec,
    tokenizer: Any,
    train: list[Tokenized],
    valid: list[Tokenized],
    eval_every: int,
    callbacks: list[Any],
) -> tuple[Any, Any]:
    """TRL's SFT trainer on our token ids and labels; the full validation set's evaluation
    (for the epoch checkpoints) as a function, or None without validation."""
    from trl import SFTConfig, SFTTrainer

    config = SFTConfig(
        **common_args(spec, eval_every, bool(valid)),
        per_device_eval_batch_size=8,
        packing=spec.settings.packing,  # TRL packs input_ids and labels together (bfd)
    )
    trainer = SFTTrainer(
        model=train_model(spec),
        args=config,
        train_dataset=sft_dataset(train),
        eval_dataset=sft_dataset(valid[:SAMPLED_VALIDATION]) if valid else None,
        processing_class=tokenizer,
        callbacks=callbacks,
    )
    if not STOCK_HEAD:  # the loss and accuracy on the labelled tokens only, no entropy
        lean_lm_head(trainer.model)
    count_parameters_once(trainer.model)
    return trainer, full_validation(trainer, sft_dataset(valid) if valid else None)


def count_parameters_once(model: Any) -> None:
    """The Trainer adds up every step's FLOPs from the model's parameter count, which walks
    all its modules (20 ms a step on the CPU, 2% of a step): count once, a run does not
    change it."""
    import functools

    inner = model.get_base_model() if hasattr(model, "get_base_model") else model
    inner.num_parameters = functools.lru_cache(maxsize=None)(inner.num_parameters)


def build_dpo(
    spec: RunSpec,
    tokenizer: Any,
    train: list[dict[str, Any]],
    valid: list[dict[str, Any]],
    beta: float,
    eval_every: int,
    callbacks: list[Any],
) -> tuple[Any, Any]:
    """TRL's DPO trainer on preference pairs; the reference model is the base itself (the
    adapter switched off), as peft allows, so no second copy of the model is loaded (a full
    fine-tune has no adapter to switch off: TRL keeps a frozen copy as the reference)."""
    from datasets import Dataset
    from trl import DPOConfig, DPOTrainer

    config = DPOConfig(
        **common_args(spec, eval_every, bool(valid)),
        per_device_eval_batch_size=DPO_EVAL_BATCH,
        beta=beta,
    )
    trainer = DPOTrainer(
        model=train_model(spec),
        args=config,
        train_dataset=Dataset.from_list(train),
        eval_dataset=Dataset.from_list(valid[:SAMPLED_VALIDATION]) if valid else None,
        processing_class=tokenizer,
        callbacks=callbacks,
    )
    count_parameters_once(trainer.model)
    return trainer, full_validation(trainer, Dataset.from_list(valid) if valid else None)


def full_validation(trainer: Any, dataset: Any) -> Any:
    """The whole validation set's loss and accuracy, as the epoch checkpoints report them."""
    if dataset is None:
        return None

    def evaluate() -> dict[str, float]:
        got = trainer.evaluate(eval_dataset=dataset, metric_key_prefix="full_valid")
        accuracy = got.get(
            "full_valid_mean_token_accuracy", got.get("full_valid_rewards/accuracies")
        )
        return {
            "full_valid_loss": float(got["full_valid_loss"]),
            "full_valid_mean_token_accuracy": float(accuracy or 0.0),
        }

    return evaluate
