"""The trainer runs with the settings the job shows: gradient checkpointing only when asked
(TRL's SFT and DPO configs turn it on by default, which recomputed every activation and cost
the CPU a third of its throughput)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tuiapp.local.devices import Placement
from tuiapp.local.hf_trainers import RunSpec, common_args
from tuiapp.local.hyperparams import TrainingSettings

pytest.importorskip("trl")


@pytest.mark.parametrize("asked", [False, True])
def test_gradient_checkpointing_is_what_the_job_asked_for(tmp_path: Path, asked: bool) -> None:
    from trl import DPOConfig, SFTConfig

    settings = TrainingSettings(1, 2, 1.0, 1e-3, 0, gradient_checkpointing=asked)
    spec = RunSpec("unused", tmp_path, settings, Placement("cpu", "fp32", "cpu"), 64)
    for config in (SFTConfig, DPOConfig):
        made = config(**common_args(spec, 1, False))
        assert made.gradient_checkpointing is asked
        # TRL's other changed defaults are said too: fp32 on the CPU, the job's rate, every step
        assert (made.bf16, made.fp16, made.learning_rate, made.logging_steps) == (
            False,
            False,
            1e-3,
            1,
        )


def test_the_start_note_counts_dpo_s_reference_copy_of_a_full_fine_tune() -> None:
    """A full fine-tune needs ~16 bytes a weight with AdamW; DPO's frozen reference copy
    adds 4 more (with LoRA the reference is the model without its adapter: no copy)."""
    import torch

    from tuiapp.local.hf_trainers import model_note

    model = torch.nn.Linear(1024, 1024 * 64, bias=False)  # 67,108,864 weights
    full = TrainingSettings(1, 2, 1.0, 1e-3, 0, full_finetune=True)
    assert model_note(full, model) == (
        "full fine-tune of all 67,108,864 weights (~1.0 GiB with AdamW)"
    )
    assert model_note(full, model, reference=True) == (
        "full fine-tune of all 67,108,864 weights "
        "(~1.2 GiB with AdamW and DPO's frozen reference copy)"
    )
    lora = TrainingSettings(1, 2, 1.0, 1e-3, 0)
    assert model_note(lora, model, reference=True) == "LoRA r=8 alpha=16"
