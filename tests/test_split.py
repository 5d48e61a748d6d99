"""Holdout split: seeded, stratified, duplicate groups on one side; leakage across the split."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.test_dedup import BASE
from tuiapp.data.dedup import find_duplicates
from tuiapp.data.split import detect_labels, holdout_split, leakage


def test_same_seed_same_split_other_seed_other_split() -> None:
    a = holdout_split(200, 0.15, seed=1)
    assert a == holdout_split(200, 0.15, seed=1)
    assert a.holdout != holdout_split(200, 0.15, seed=2).holdout
    assert len(a.holdout) == 30 and len(a.train) == 170
    assert set(a.train).isdisjoint(a.holdout) and set(a.train) | set(a.holdout) == set(range(200))


def test_fraction_is_checked() -> None:
    with pytest.raises(ValueError):
        holdout_split(10, 0.0)
    with pytest.raises(ValueError):
        holdout_split(10, 0.6)


def test_stratified_by_label_keeps_each_labels_share() -> None:
    labels = ["positive"] * 100 + ["negative"] * 60 + ["neutral"] * 40
    split = holdout_split(200, 0.2, seed=3, labels=labels)
    held = Counter(labels[i] for i in split.holdout)
    assert held == {"positive": 20, "negative": 12, "neutral": 8}
    assert split.stratified


def test_duplicate_groups_stay_on_one_side() -> None:
    texts = [f"example number {i} about topic {i % 7} with words" for i in range(60)]
    texts += [BASE, BASE.replace("sunny", "rainy"), BASE.upper()]
    groups = find_duplicates(texts)
    assert [g.members for g in groups] == [(60, 61, 62)]
    for seed in range(20):
        split = holdout_split(len(texts), 0.2, seed=seed, groups=groups)
        sides = {i in split.holdout for i in (60, 61, 62)}
        assert len(sides) == 1


def test_leakage_finds_copies_across_the_split() -> None:
    train = ["what is the capital of france paris is the capital", BASE, "unrelated text here"]
    holdout = ["something else entirely different words", BASE.replace("sunny", "rainy")]
    leaks = leakage(train, holdout)
    assert [(leak.train, leak.holdout, leak.exact) for leak in leaks] == [(1, 1, False)]
    assert leakage(train, [BASE])[0].exact


def test_label_detection() -> None:
    assert detect_labels(["Positive.", "negative", "positive", "Neutral!"] * 5) is not None
    assert detect_labels([f"a long free text answer number {i}" for i in range(30)]) is None
    assert detect_labels(["yes"] * 10) is None  # one label is no basis for stratifying
