"""The LM head of a training step: the loss and the top-1 hits on the labelled (assistant)
tokens only, without TRL's per-token entropy that no job reports.

TRL's SFT trainer calls the model with `fused_lm_head=True` and reads per-token
log-probabilities, top-1 hits and the label mask from it. On CUDA its Triton kernel scores only
the labelled positions; on other devices (the CPU, Apple MPS) it scores every position, the
prompt and the padding too, in vocabulary-wide tiles that its backward computes again: on
SmolLM2-135M, batch 4 with a fifth of the tokens labelled, 0.8 CPU-s a step, where the logits
of the labelled positions alone take 0.1 s (the hand loop's logits of every position took
0.33 s). There the head below projects the labelled positions only, in one piece while their
logits stay small, else through TRL's tiles on those positions (memory stays bounded)."""

from __future__ import annotations

import functools
from typing import Any

# labelled positions a step projects in one piece (their float32 logits: ~400 MB for a
# 49k vocabulary); above, TRL's tiles on the same positions
PLAIN_HEAD_TOKENS = 2048
HEAD_OUTPUTS = ("log_probs", "is_top1")  # what the loss and mean_token_accuracy need


def lean_lm_head(model: Any, entropy: bool = False) -> None:
    """Give `model` (peft-wrapped or not) TRL's fused head computing `HEAD_OUTPUTS` (plus the
    entropy when `entropy`), then, off Triton devices, the labelled-positions head in front of
    it. The entropy, when not computed, is a zero, which TRL's metric averages."""
    import torch
    from trl.trainer.utils import add_fused_lm_head

    inner = model.get_base_model() if hasattr(model, "get_base_model") else model
    outputs = (*HEAD_OUTPUTS, "entropy") if entropy else HEAD_OUTPUTS
    add_fused_lm_head(inner, outputs=outputs)
    fused = inner.forward
    plain = _plain_logits(inner.config.get_text_config())

    @functools.wraps(fused)
    def forward(
        *args: Any,
        fused_lm_head: bool = False,
        labels: Any = None,
        shift_labels: Any = None,
        num_items_in_batch: Any = None,
        **kwargs: Any,
    ) -> Any:
        lean = fused_lm_head and plain and labels is not None and shift_labels is None
        if lean and not _triton(inner.get_output_embeddings().weight.device):
            return _labelled_head(inner, args, kwargs, labels, num_items_in_batch, entropy)
        out = fused(
            *args,
            fused_lm_head=fused_lm_head,
            labels=labels,
            shift_labels=shift_labels,
            num_items_in_batch=num_items_in_batch,
            **kwargs,
        )
        if fused_lm_head and getattr(out, "entropy", 0) is None:
            out.entropy = torch.zeros((), device=out.log_probs.device)
        return out

    inner.forward = forward


def _plain_logits(config: Any) -> bool:
    """Whether the model's logits are the head's plain projection (no soft-capping, scaling
    or router loss, which only TRL's fused head applies)."""
    scaled = ("final_logit_softcapping", "logit_scale", "output_multiplier", "lm_head_multiplier")
    return (
        all(getattr(config, name, None) is None for name in scaled)
        and getattr(config, "logits_scaling", None) is None
        and not getattr(config, "output_router_logits", False)
    )


def _triton(device: Any) -> bool:
    """Whether TRL's Triton kernel runs on `device` (it then scores labelled positions only)."""
    from trl.kernels.chunked_logprob import _use_triton

    return bool(_use_triton(device))


def _labelled_head(
    inner: Any,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    labels: Any,
    num_items_in_batch: Any,
    entropy: bool,
) -> Any:
    """The backbone, then the head on the positions whose next token is labelled: the same
    per-token outputs as TRL's fused head (zero where the label is -100)."""
    import torch
    import torch.nn.functional as F
    from trl.kernels import ChunkedLogProbFunction
    from trl.trainer.utils import FusedCausalLMOutput

    kwargs["use_cache"] = False
    hidden = inner.base_model(*args, **kwargs).last_hidden_state[:, :-1]
    head = inner.get_output_embeddings()
    targets = labels[:, 1:].to(head.weight.device)
    mask = targets != -100
    picked, wanted = hidden.to(head.weight.device)[mask], targets[mask]
    spread = None
    if picked.size(0) <= PLAIN_HEAD_TOKENS:
        logits = head(picked).float()
        picked_log_probs = -F.cross_entropy(logits, wanted, reduction="none")
        with torch.no_grad():
            top1 = logits.argmax(-1) == wanted  # argmax takes the first of a tie, as TRL does
            if entropy:
                log_p = logits.log_softmax(-1)
                spread = -(log_p.exp() * log_p).sum(-1)
    else:
        weight, bias = head.weight, getattr(head, "bias", None)
        outputs = (*HEAD_OUTPUTS, "entropy") if entropy else HEAD_OUTPUTS
        picked_log_probs, spread, _, _, top1 = ChunkedLogProbFunction.apply(
            picked, weight, bias, wanted, 1.0, 32768, None, 1.0, outputs
        )
    log_probs = picked_log_probs.new_zeros(mask.shape).masked_scatter(mask, picked_log_probs)
    count = mask.sum().clamp(min=1) if num_items_in_batch is None else num_items_in_batch
    return FusedCausalLMOutput(
        loss=-log_probs.sum() / count,
        log_probs=log_probs,
        entropy=(
            torch.zeros((), device=mask.device)
            if spread is None
            else spread.new_zeros(mask.shape).masked_scatter(mask, spread.detach())
        ),
        is_top1=torch.zeros_like(mask).masked_scatter(mask, top1),
        label_mask=mask,
    )
