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


def join_rows(cache: Any, mask: Any, new_cache: Any, length: int) -> tuple[Any, Any]:
    """The batch's cache and mask with a new row of `length` real tokens stacked under them
    (both left-padded to one length); the new row alone when there is no batch yet."""
    import torch

    new_mask = torch.ones(1, length, dtype=torch.long)
    if cache is None:
        return new_cache, new_mask
    total = max(mask.shape[1], length)
    for old_layer, new_layer in zip(cache.layers, new_cache.layers, strict=True):
        for name in ("keys", "values"):
            a, b = getattr(old_layer, name), getattr(new_layer, name)
            setattr(old_layer, name, torch.cat([left_pad(a, total), left_pad(b, total)]))
    return cache, torch.cat([left_pad_mask(mask, total), left_pad_mask(new_mask, total)], dim=0)


def keep_rows(cache: Any, mask: Any, keep: list[int]) -> Any:
    """The mask of the rows kept (the cache's layers cut to them in place), without the left
    padding columns that no kept row uses."""
    import torch

    index = torch.tensor(keep)
    mask = mask[index]
    used = int(mask.sum(dim=0).nonzero()[0])  # first column any row still uses
    for layer in cache.layers:
        layer.keys = layer.keys[index, :, used:, :]
        layer.values = layer.values[index, :, used:, :]
    return mask[:, used:]
