"""Duplicate and near-duplicate examples: exact matches after normalising case and whitespace,
and near matches by MinHash signatures over word shingles with LSH banding.

Near-duplicates: pairs whose Jaccard similarity of word 3-shingles reaches the threshold,
grouped around the kept example. Memory: a signature per example (64 x uint32: 256 MB for a
million) and 8 bytes per candidate pair."""

from __future__ import annotations

import hashlib
import re
import zlib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from tuiapp.data.examine import conversation
from tuiapp.data.pair_keys import LOW, SHIFT, distinct, iter_pairs, pair_keys

N_PERM = 64
SHINGLE = 3
MAX_COMPARE = 32
SIGNATURE_BLOCK = 32_768  # shingles per numpy pass: (64 x 32,768) uint64 = 16 MB at a time
PAIR_BLOCK = 65_536  # candidate pairs compared at once (their signatures: 2 x 16 MB)
DEFAULT_THRESHOLD = 0.7  # Jaccard similarity of word 3-shingles
ESTIMATE_SLACK = 0.15  # 64 MinHash values estimate Jaccard within ~0.06 (1 sd)
_PRIME = (1 << 61) - 1
_RNG = np.random.default_rng(20251124)  # fixed: signatures are comparable across runs
_A = _RNG.integers(1, _PRIME, N_PERM, dtype=np.uint64)
_B = _RNG.integers(0, _PRIME, N_PERM, dtype=np.uint64)
_WORD = re.compile(r"\w+", re.UNICODE)


def conversation_text(obj: Any) -> str:
    """The text a duplicate check compares: every message's role and content, in order."""
    if not isinstance(obj, dict):
        return str(obj)
    return "\n".join(
        f"{m.get('role')}: {m.get('content')}" for m in conversation(obj) if isinstance(m, dict)
    )


def normalize(text: str) -> str:
    """Lower case, single spaces: what 'the same text' means for exact duplicates."""
    return " ".join(text.lower().split())


def exact_key(text: str) -> bytes:
    """A 16-byte digest of the normalised text."""
    return hashlib.blake2b(normalize(text).encode(), digest_size=16).digest()


def shingles(text: str) -> set[str]:
    """The word 3-shingles of a text (lower case), the sets whose Jaccard we estimate."""
    words = _WORD.findall(text.lower())
    if len(words) < SHINGLE:
        words = words + [""] * (SHINGLE - len(words))
    return {" ".join(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}


def jaccard(a: str, b: str) -> float:
    """The exact Jaccard similarity of two texts' word 3-shingles."""
    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / len(sa | sb) if sa | sb else 1.0


def signature(text: str) -> np.ndarray:
    """MinHash signature (N_PERM uint32 values) of the text's word 3-shingles (one text at a
    time: the reference `signatures` must equal)."""
    shingles_ = shingles(text)
    hashes = np.fromiter(
        (zlib.crc32(s.encode()) for s in shingles_), dtype=np.uint64, count=len(shingles_)
    )
    # (a * x + b) mod p for every permutation and shingle, then the minimum per permutation
    values = (np.outer(_A, hashes) + _B[:, None]) % _PRIME
    return (values.min(axis=1) & 0xFFFFFFFF).astype(np.uint32)


def signatures(texts: Iterable[str], n: int, out: np.ndarray | None = None) -> np.ndarray:
    """The MinHash signatures of n texts as one (n, N_PERM) uint32 matrix, the same values as
    `signature` gives each: the shingle hashes of many texts go through the permutations in
    one numpy pass, SIGNATURE_BLOCK shingles at a time (bounded memory), instead of a few small
    numpy calls per text."""
    out = np.empty((n, N_PERM), dtype=np.uint32) if out is None else out
    hashes: list[int] = []
    starts: list[int] = []  # where each pending text's shingle hashes begin in `hashes`
    done = 0
    for text in texts:
        starts.append(len(hashes))
        hashes.extend(zlib.crc32(s.encode()) for s in shingles(text))  # never empty
        if len(hashes) >= SIGNATURE_BLOCK:
            _minhash_block(hashes, starts, out[done : done + len(starts)])
            done += len(starts)
            hashes, starts = [], []
    if starts:
        _minhash_block(hashes, starts, out[done : done + len(starts)])
    return out


def _minhash_block(hashes: list[int], starts: list[int], out: np.ndarray) -> None:
    """Fill `out` (one row per text) with the minimum of (a * x + b) mod p over each text's
    shingle hashes, for every permutation (uint64 wrap-around, exactly as `signature`)."""
    x = np.array(hashes, dtype=np.uint64)
    values = (_A[:, None] * x[None, :] + _B[:, None]) % _PRIME  # (N_PERM, shingles)
    lowest = np.minimum.reduceat(values, np.array(starts, dtype=np.intp), axis=1)
    out[:] = (lowest.T & 0xFFFFFFFF).astype(np.uint32)


@dataclass(frozen=True)
class DuplicateGroup:
    """Examples (by position) that are the same or nearly the same; the first one is kept."""

    members: tuple[int, ...]
    exact: bool  # True when every member has the same normalised text
    similarity: float  # lowest Jaccard between a dropped member and the kept one

    @property
    def keep(self) -> int:
        """The example to keep."""
        return self.members[0]

    @property
    def drop(self) -> tuple[int, ...]:
        """The examples to reject."""
        return self.members[1:]


def banding(threshold: float) -> tuple[int, int]:
    """(bands, rows) whose LSH S-curve rises below the threshold, so candidate pairs at the
    threshold share a band almost surely (0.7 -> 16 x 4: p = 0.988 at Jaccard 0.7)."""
    if threshold < 0.5:
        return 32, 2
    if threshold < 0.8:
        return 16, 4
    return 8, 8


@dataclass
class Fingerprints:
    """What duplicate detection needs of each text: a MinHash signature and an 8-byte
    digest of the normalised text (computed anywhere, e.g. in worker processes)."""

    signatures: np.ndarray  # (n, N_PERM) uint32
    digests: np.ndarray  # (n,) uint64

    @classmethod
    def of(cls, texts: Iterable[str], n: int) -> Fingerprints:
        """Fingerprints of n texts, filled in place (no per-row arrays)."""
        prints = cls.empty(n)

        def digested() -> Iterator[str]:
            for i, text in enumerate(texts):
                prints.digests[i] = int.from_bytes(exact_key(text)[:8], "little")
                yield text

        signatures(digested(), n, prints.signatures)
        return prints

    @classmethod
    def empty(cls, n: int) -> Fingerprints:
        """Room for n fingerprints, filled range by range."""
        return cls(np.empty((n, N_PERM), dtype=np.uint32), np.empty(n, dtype=np.uint64))


def find_duplicates(
    texts: Sequence[str],
    threshold: float = DEFAULT_THRESHOLD,
    prints: Fingerprints | None = None,
) -> list[DuplicateGroup]:
    """Groups of exact and near-duplicate texts (positions in input order), earliest first.

    Candidates come from LSH; those whose MinHash estimate is within ESTIMATE_SLACK of the
    threshold are checked with the exact Jaccard, so every reported pair really is that
    similar (texts are read again by position, which is why this takes a Sequence).
    `prints`, when given, are the texts' fingerprints computed beforehand. Pairs are numpy
    uint64 keys (earlier << 32 | later): 8 bytes a pair, where a set of tuples took ~150."""
    (bands, rows), n = banding(threshold), len(texts)
    if not n:
        return []
    if prints is None:
        prints = Fingerprints.of(texts, n)
    signatures, exact = prints.signatures, _same_digest(texts, prints.digests)
    unique = np.ones(n, dtype=bool)  # exact copies need no LSH
    unique[(exact & LOW).astype(np.intp)] = False
    likely = _likely_pairs(signatures, unique, bands, rows, threshold - ESTIMATE_SLACK)
    edges = likely[_verified(texts, likely, threshold)]
    return _groups(texts, np.union1d(edges, exact), exact)


def _likely_pairs(
    signatures: np.ndarray, unique: np.ndarray, bands: int, rows: int, floor: float
) -> np.ndarray:
    """Every candidate pair whose MinHash estimate reaches `floor`, once, as sorted keys (a
    pair sharing several bands is found in each: the found keys are merged as they grow)."""
    chunks: list[np.ndarray] = []  # the keys merged so far, then those found since
    size = 0
    for a, b in _candidates(signatures, unique, bands, rows):
        for keys in _likely(signatures, a, b, floor):
            chunks.append(keys)
            size += len(keys)
            if size >= 16 * PAIR_BLOCK:
                chunks, size = [distinct(chunks)], 0
    return distinct(chunks)


def _verified(texts: Sequence[str], keys: np.ndarray, threshold: float) -> np.ndarray:
    """Which pairs (sorted keys) reach the threshold in exact Jaccard; the earlier text of a
    run of pairs that share it is read and shingled once."""
    passed = np.zeros(len(keys), dtype=bool)
    last, first = -1, set[str]()
    for i, (a, b) in enumerate(iter_pairs(keys)):
        if a != last:
            last, first = a, shingles(texts[a])
        other = shingles(texts[b])  # never empty (short texts are padded): union > 0
        passed[i] = len(first & other) / len(first | other) >= threshold
    return passed


def _likely(
    signatures: np.ndarray, a: np.ndarray, b: np.ndarray, floor: float
) -> Iterator[np.ndarray]:
    """Keys of the candidate pairs whose MinHash estimate reaches `floor`, PAIR_BLOCK pairs at
    a time (a popular band value can pair most of a million rows: gigabytes of signatures)."""
    for at in range(0, len(a), PAIR_BLOCK):
        x, y = a[at : at + PAIR_BLOCK], b[at : at + PAIR_BLOCK]
        likely = np.mean(signatures[x] == signatures[y], axis=1) >= floor
        yield pair_keys(x[likely], y[likely])


def _same_digest(texts: Sequence[str], digests: np.ndarray) -> np.ndarray:
    """Keys of the (first, later) pairs whose normalised texts are equal: equal 8-byte
    digests, found by sorting (no dict of a million keys), each confirmed on the texts."""
    order = np.argsort(digests, kind="stable")  # stable: the earliest of equal digests first
    ordered = digests[order]
    pairs: list[int] = []
    run_start = 0
    for k in np.flatnonzero(ordered[1:] == ordered[:-1]).tolist():
        if ordered[k] != ordered[run_start]:  # a new run of equal digests
            run_start = k
        first, later = int(order[run_start]), int(order[k + 1])
        if normalize(texts[first]) == normalize(texts[later]):
            pairs.append(first << 32 | later)
    return np.unique(np.array(pairs, dtype=np.uint64))


def _candidates(
    signatures: np.ndarray, unique: np.ndarray, bands: int, rows: int
) -> Iterable[tuple[np.ndarray, np.ndarray]]:
    """Per band, pairs of positions whose band of the signature is identical: sort the band
    hashes and pair each row of an equal run with the MAX_COMPARE rows before it."""
    positions = np.flatnonzero(unique)
    for band in range(bands):
        h = np.zeros(len(positions), dtype=np.uint64)
        for col in range(band * rows, (band + 1) * rows):  # a cheap polynomial hash of the band
            h = h * np.uint64(1_000_003) + signatures[positions, col].astype(np.uint64)
        order = np.argsort(h, kind="stable")
        sorted_h = h[order]
        for lag in range(1, MAX_COMPARE + 1):
            same = np.flatnonzero(sorted_h[lag:] == sorted_h[:-lag])
            if not len(same):
                break
            yield positions[order[same]], positions[order[same + lag]]


def _groups(texts: Sequence[str], edges: np.ndarray, exact: np.ndarray) -> list[DuplicateGroup]:
    """Star groups from pair keys: each example joins the earliest one it duplicates that is
    itself kept, so a dropped example is similar to the kept one (no chains A~B~C)."""
    order = np.lexsort((edges >> SHIFT, edges & LOW))  # by the later position, then earlier
    owner: dict[int, int] = {}
    for a, b in iter_pairs(edges[order]):
        if b not in owner and a not in owner:
            owner[b] = a
    members: dict[int, list[int]] = defaultdict(list)
    for b, a in owner.items():
        members[a].append(b)
    out = []
    for head, dropped in sorted(members.items()):
        dropped.sort()
        sims = [jaccard(texts[head], texts[m]) for m in dropped]
        wanted = pair_keys(np.full(len(dropped), head), np.array(dropped))
        at = np.minimum(np.searchsorted(exact, wanted), max(len(exact) - 1, 0))
        same = len(exact) > 0 and bool(np.all(exact[at] == wanted))
        out.append(DuplicateGroup((head, *dropped), same, min(sims, default=1.0)))
    return out
