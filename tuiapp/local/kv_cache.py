"""The key/value cache of a batch of rows: what a transformers version calls it, whether its
layers can be stacked, and left padding so rows of different lengths share one tensor."""

from __future__ import annotations

from typing import Any


def cache_argument(model: Any) -> str:
    """What this transformers version calls the key/value cache: `cache` (5.2x) or
    `past_key_values` (earlier), in the forward arguments and the outputs alike."""
    import inspect

    forward = type(model.get_base_model() if hasattr(model, "get_base_model") else model).forward
    return "cache" if "cache" in inspect.signature(forward).parameters else "past_key_values"


def plain_cache(cache: Any) -> bool:
    """True when every layer is a plain growing key/value cache that rows can be stacked in."""
    layers = getattr(cache, "layers", None) or []
    return bool(layers) and all(type(layer).__name__ == "DynamicLayer" for layer in layers)


def left_pad(tensor: Any, total: int) -> Any:
    """A [batch, heads, length, dim] cache tensor padded with zeros on the left to `total`."""
    import torch

    missing = total - tensor.shape[2]
    if missing == 0:
        return tensor
    pad = tensor.new_zeros(tensor.shape[0], tensor.shape[1], missing, tensor.shape[3])
    return torch.cat([pad, tensor], dim=2)


def left_pad_mask(mask: Any, total: int) -> Any:
    """A [batch, length] mask padded with zeros on the left to `total`."""
    import torch

    missing = total - mask.shape[1]
    if missing == 0:
        return mask
    return torch.cat([mask.new_zeros(mask.shape[0], missing), mask], dim=1)
