"""Pairs of example positions as numpy uint64 keys (earlier << 32 | later): 8 bytes a pair,
where a Python set of int tuples takes ~150, for the millions of candidate pairs that a
duplicate check over a million examples meets."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

LOW, SHIFT = np.uint64(0xFFFFFFFF), np.uint64(32)  # a key's later half, and the earlier's shift
BLOCK = 65_536  # keys turned into Python ints at a time


def pair_keys(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairs of positions as uint64 keys, the earlier one in the high half."""
    lo, hi = np.minimum(a, b).astype(np.uint64), np.maximum(a, b).astype(np.uint64)
    return np.asarray((lo << SHIFT) | hi, dtype=np.uint64)


def iter_pairs(keys: np.ndarray) -> Iterator[tuple[int, int]]:
    """The (earlier, later) pairs of some keys, BLOCK at a time (no list of all)."""
    for at in range(0, len(keys), BLOCK):
        block = keys[at : at + BLOCK]
        yield from zip((block >> SHIFT).tolist(), (block & LOW).tolist(), strict=True)


def distinct(chunks: list[np.ndarray]) -> np.ndarray:
    """The sorted distinct keys of some chunks, which are let go first (sorted in place: one
    copy of the keys at a time, where np.union1d holds three)."""
    keys = np.concatenate(chunks) if chunks else np.empty(0, dtype=np.uint64)
    chunks.clear()
    keys.sort()
    first = np.ones(len(keys), dtype=bool)  # the first of each run of equal keys
    np.not_equal(keys[1:], keys[:-1], out=first[1:])
    return keys[first]
