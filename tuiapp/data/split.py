"""The holdout split and the leakage check: seeded, stratified by label when answers look like
labels, near-duplicate groups kept on one side; leakage = (near-)duplicate pairs across sides."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import orjson

from tuiapp.data.dedup import (
    DEFAULT_THRESHOLD,
    DuplicateGroup,
    conversation_text,
    find_duplicates,
    jaccard,
)

MAX_LABELS = 20  # more distinct answers than this and they are not labels
MAX_LABEL_WORDS = 3
LABEL_COVERAGE = 0.95
MIN_PER_LABEL = 3


@dataclass(frozen=True)
class Split:
    """Positions of the training and holdout examples (both sorted)."""

    train: list[int]
    holdout: list[int]
    seed: int
    fraction: float
    stratified: bool


@dataclass(frozen=True)
class Leak:
    """A training example and a holdout example that are the same or nearly the same."""

    train: int
    holdout: int
    similarity: float

    @property
    def exact(self) -> bool:
        """True when the texts are the same after normalising."""
        return self.similarity >= 1.0


def looks_like_labels(counts: dict[str, int], total: int) -> bool:
    """Whether short answers with these counts (out of `total` answers) are labels: 2 to
    MAX_LABELS distinct ones, each seen MIN_PER_LABEL times on average (a dozen different
    one-word answers are not labels), covering LABEL_COVERAGE of all answers."""
    distinct = len(counts)
    return (
        2 <= distinct <= MAX_LABELS
        and distinct * MIN_PER_LABEL <= total
        and sum(counts.values()) >= LABEL_COVERAGE * total
    )


def normalize_answer(answer: str) -> str:
    """An answer as a label would read: lower case, single spaces, no end punctuation."""
    return " ".join(answer.lower().split()).strip(" .!")


def detect_labels(answers: Sequence[str]) -> list[str] | None:
    """The answers as labels when they look like labels (few distinct, short, each seen
    MIN_PER_LABEL times on average), else None."""
    clean = [normalize_answer(a) for a in answers]
    counts: dict[str, int] = defaultdict(int)
    for a in clean:
        if a and len(a.split()) <= MAX_LABEL_WORDS:
            counts[a] += 1
    if not looks_like_labels(counts, len(clean)):
        return None
    return clean


def holdout_split(
    n: int,
    fraction: float = 0.15,
    seed: int = 0,
    labels: Sequence[str] | None = None,
    groups: Sequence[DuplicateGroup] = (),
) -> Split:
    """Split positions 0..n-1: about `fraction` into the holdout, the same for the same seed.

    Each near-duplicate group moves as one unit (so no copy of a holdout example trains), and
    with labels each label contributes its own share of holdout examples."""
    if not 0 < fraction < 0.5:
        raise ValueError("the holdout fraction must be between 0 and 0.5 (10-20% is usual)")
    grouped = {m for g in groups for m in g.members}
    units = [list(g.members) for g in groups] + [[i] for i in range(n) if i not in grouped]
    strata: dict[str, list[list[int]]] = defaultdict(list)
    for unit in units:
        strata[labels[unit[0]] if labels is not None else ""].append(unit)
    sizes = {key: sum(len(u) for u in units) for key, units in strata.items()}
    targets = _allocate(sizes, round(fraction * n))
    rng = random.Random(seed)
    holdout: list[int] = []
    for key in sorted(strata):
        members = sorted(strata[key])
        rng.shuffle(members)
        target = targets[key]
        taken = 0
        for unit in members:
            if taken >= target:
                break
            if abs(taken + len(unit) - target) >= abs(taken - target):
                continue  # a group that would overshoot more than it helps stays in train
            holdout += unit
            taken += len(unit)
    chosen = set(holdout)
    return Split(
        sorted(i for i in range(n) if i not in chosen),
        sorted(holdout),
        seed,
        fraction,
        labels is not None,
    )


def leakage(
    train_texts: Sequence[str], holdout_texts: Sequence[str], threshold: float = DEFAULT_THRESHOLD
) -> list[Leak]:
    """Every (train, holdout) pair that is a duplicate or near-duplicate, most similar first.

    Works for a split made here and for a holdout file the user brings."""
    texts = [*train_texts, *holdout_texts]
    n_train = len(train_texts)
    leaks = []
    for group in find_duplicates(texts, threshold):
        members = group.members
        for a in members:
            for b in members:
                if a < n_train <= b:
                    similarity = jaccard(texts[a], texts[b])
                    if similarity >= threshold:
                        leaks.append(Leak(a, b - n_train, similarity))
    return sorted(leaks, key=lambda leak: (-leak.similarity, leak.train, leak.holdout))


def _allocate(sizes: dict[str, int], total: int) -> dict[str, int]:
    """Split `total` over strata in proportion to their sizes, by largest remainders (so many
    small strata still add up to the total instead of each rounding to zero)."""
    whole = sum(sizes.values()) or 1
    quotas = {key: total * size / whole for key, size in sizes.items()}
    counts = {key: int(q) for key, q in quotas.items()}
    by_remainder = sorted(sizes, key=lambda key: (-(quotas[key] - counts[key]), key))
    for key in by_remainder[: total - sum(counts.values())]:
        counts[key] += 1
    return counts


def stratified_sample(
    n: int, size: int, seed: int = 0, labels: Sequence[str] | None = None
) -> list[int]:
    """`size` of the positions 0..n-1, the same for the same seed; with labels, each label
    keeps its share (largest remainders), so a small start still sees every label."""
    if not 0 < size <= n:
        raise ValueError(f"the sample size must be between 1 and {n}")
    strata: dict[str, list[int]] = defaultdict(list)
    for i in range(n):
        strata[labels[i] if labels is not None else ""].append(i)
    counts = _allocate({key: len(members) for key, members in strata.items()}, size)
    rng = random.Random(seed)
    chosen: list[int] = []
    for key in sorted(strata):
        chosen += rng.sample(strata[key], counts[key])
    return sorted(chosen)


def file_conversations(path: str | Path) -> tuple[list[int], list[str]]:
    """Line numbers and conversation texts of a JSONL file's parseable examples (for the
    leakage check of a holdout the user brings); unreadable lines are skipped."""
    lines, texts = [], []
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                obj = orjson.loads(raw)
            except orjson.JSONDecodeError:
                continue
            if isinstance(obj, dict):
                lines.append(number)
                texts.append(conversation_text(obj))
    return lines, texts
