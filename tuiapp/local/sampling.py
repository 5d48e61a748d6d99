"""How one request picks its tokens: greedy at temperature 0, else temperature and nucleus
sampling with the request's own random generator (so a seed repeats whatever else runs)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class Sampling:
    """How one request picks its tokens."""

    temperature: float = 1.0
    top_p: float = 1.0
    seed: int | None = None
    stop: tuple[str, ...] = ()
    max_new_tokens: int = 256


def sample(logits: Any, sampling: Sampling, generator: Any) -> int:
    """Greedy at temperature 0, else temperature and nucleus (top_p) sampling."""
    import torch

    if sampling.temperature <= 0:
        return int(torch.argmax(logits))
    probs = torch.softmax(logits.float() / sampling.temperature, dim=-1)
    if sampling.top_p < 1.0:
        sorted_probs, order = torch.sort(probs, descending=True)
        cumulative = torch.cumsum(sorted_probs, dim=-1)
        sorted_probs[cumulative - sorted_probs > sampling.top_p] = 0.0
        probs = torch.zeros_like(probs).scatter(0, order, sorted_probs)
    return int(torch.multinomial(probs, 1, generator=generator))
