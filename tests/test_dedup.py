"""Exact and near-duplicate detection with worked examples, including near misses."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import chat
from tuiapp.data import dedup
from tuiapp.data.dedup import (
    Fingerprints,
    conversation_text,
    exact_key,
    find_duplicates,
    jaccard,
    normalize,
    signature,
)

BASE = (
    "the quick brown fox jumps over the lazy dog while the farmer watches from the old "
    "wooden fence near the river bank on a sunny afternoon in late spring"
)


def test_exact_duplicates_ignore_case_and_spaces() -> None:
    texts = ["Hello   World", "something else entirely here", "hello world"]
    groups = find_duplicates(texts)
    assert [(g.members, g.exact) for g in groups] == [((0, 2), True)]
    assert groups[0].keep == 0 and groups[0].drop == (2,)
    assert normalize(" A  b\nC ") == "a b c"


def test_near_duplicate_with_one_word_changed() -> None:
    edited = BASE.replace("sunny", "rainy")
    unrelated = "a completely different sentence about training loss curves and learning rates"
    groups = find_duplicates([BASE, unrelated, edited])
    assert [g.members for g in groups] == [(0, 2)]
    assert not groups[0].exact and 0.6 < groups[0].similarity < 1.0


def test_different_texts_sharing_words_are_not_duplicates() -> None:
    a = "refund my order please the package never arrived at my house"
    b = "please order a refund for the house package that arrived early"  # same words, reordered
    assert find_duplicates([a, b]) == []


def test_threshold_is_adjustable() -> None:
    words = BASE.split()
    half = " ".join(words[: len(words) // 2] + ["zz"] * (len(words) // 2))
    assert find_duplicates([BASE, half], threshold=0.9) == []
    assert find_duplicates([BASE, half], threshold=0.2)[0].members == (0, 1)


def test_every_dropped_example_is_close_to_the_kept_one() -> None:
    a = BASE
    b = BASE.replace("sunny", "rainy")
    far = " ".join(BASE.split()[:12] + list("xyzwvutsrqponmlk"))
    groups = find_duplicates([a, "unrelated text about something else", b, far])
    assert [g.members for g in groups] == [(0, 2)]  # `far` is not chained in through b


def test_exact_copies_are_grouped_with_their_first() -> None:
    groups = find_duplicates([BASE, BASE.upper(), BASE.replace("sunny", "rainy")])
    assert [g.members for g in groups] == [(0, 1, 2)]
    assert not groups[0].exact  # one member is only near


def test_conversation_text_covers_roles_and_content() -> None:
    text = conversation_text(chat("What is 2+2?", "4"))
    assert text == "system: Be brief.\nuser: What is 2+2?\nassistant: 4"


def test_jaccard_of_word_shingles() -> None:
    assert jaccard("a b c d", "a b c d") == 1.0
    assert jaccard("a b c d", "a b c e") == 1 / 3  # shingles {abc, bcd} vs {abc, bce}
    assert jaccard("one two three", "four five six") == 0.0


def per_text_prints(texts: list[str]) -> Fingerprints:
    """Fingerprints the way they were made before the vectorised pass: one text at a time."""
    digests = [int.from_bytes(exact_key(t)[:8], "little") for t in texts]
    return Fingerprints(np.stack([signature(t) for t in texts]), np.array(digests, dtype=np.uint64))


def test_vectorised_signatures_find_the_same_groups(monkeypatch: pytest.MonkeyPatch) -> None:
    from benchmarks.bench_dedup import make_texts

    texts, planted = make_texts(600, seed=3)
    texts += ["", "one", "two words", "ünïcode wörds, punctuation!", BASE, BASE.upper()]
    reference = find_duplicates(texts, prints=per_text_prints(texts))
    assert len(reference) >= len(planted) // 2 and any(g.exact for g in reference)
    monkeypatch.setattr(dedup, "SIGNATURE_BLOCK", 97)  # blocks end mid-text, mid-range
    monkeypatch.setattr(dedup, "PAIR_BLOCK", 5)
    prints = Fingerprints.of(texts, len(texts))
    assert np.array_equal(prints.signatures, per_text_prints(texts).signatures)
    assert find_duplicates(texts, prints=prints) == reference
    assert find_duplicates(texts) == reference


def test_pair_keys_are_distinct_ordered_and_decode_back() -> None:
    """A pair found in several bands (in either order) is kept once; keys decode to
    (earlier, later), positions past 2**31 included."""
    from tuiapp.data.pair_keys import distinct, iter_pairs, pair_keys

    big = 3_000_000_000
    found = [
        pair_keys(np.array([5, 9]), np.array([2, big])),
        pair_keys(np.array([2, 7]), np.array([5, 1])),
    ]
    keys = distinct(found)
    assert found == [] and keys.dtype == np.uint64
    assert list(iter_pairs(keys)) == [(1, 7), (2, 5), (9, big)]
    assert list(iter_pairs(distinct([]))) == []
