"""Evaluation metrics on worked examples."""

from __future__ import annotations

import pytest

from tuiapp.evals.metrics import macro_f1, normalize, same_shape, score, token_f1


def test_normalisation_and_token_f1() -> None:
    assert normalize("The  Cat, sat!") == "cat sat"
    # SQuAD's worked example: 2 of 3 predicted tokens, 2 of 4 reference tokens -> F1 0.571
    assert token_f1("the cat sat down", "a cat sat on the mat") == pytest.approx(
        2 * (2 / 3) * (2 / 4) / (2 / 3 + 2 / 4)
    )
    assert token_f1("", "") == 1.0 and token_f1("x", "") == 0.0


def test_exact_and_normalised_match() -> None:
    result = score(["Paris", "the paris.", None], ["Paris", "Paris", "Rome"])
    assert result.values["exact_match"] == pytest.approx(1 / 3)
    assert result.values["normalized_exact_match"] == pytest.approx(2 / 3)
    assert result.failed == 1 and result.per_item[2]["failed"]


def test_labels_give_accuracy_and_macro_f1() -> None:
    gold = ["positive"] * 4 + ["negative"] * 4
    out = [
        "Positive",
        "positive",
        "positive",
        "negative",
        "negative",
        "negative",
        "negative",
        "positive.",
    ]
    result = score(out, gold)
    assert result.values["label_accuracy"] == pytest.approx(6 / 8)
    # each class: tp 3, fp 1, fn 1 -> F1 0.75
    assert result.values["label_macro_f1"] == pytest.approx(0.75)
    assert macro_f1(["a", "a"], ["a", "b"]) == pytest.approx((2 / 3 + 0) / 2)
    assert "label_accuracy" not in score(["x y z w"], ["a long sentence here"]).values
    chosen = score(["yes", "no", "yes"], ["yes", "yes", "yes"], labels=["yes", "no"])
    assert chosen.values["label_accuracy"] == pytest.approx(2 / 3)  # one label: chosen, not found


def test_json_validity_and_schema() -> None:
    refs = ['{"name": "Ann", "age": 30}', '{"name": "Bo", "age": 4}']
    result = score(['```json\n{"name": "X", "age": 1}\n```', '{"name": "Y"}'], refs)
    assert result.values["valid_json"] == 1.0
    assert result.values["json_schema_match"] == 0.5  # the second lacks "age"
    assert same_shape({"a": [1, 2]}, {"a": [0]}) and not same_shape({"a": "1"}, {"a": 1})
    assert not same_shape(True, 1) and "valid_json" not in score(["x"], ["plain text"]).values


def test_user_check() -> None:
    result = score(["Order #123 shipped", "no order"], ["a", "b"], check=r"#\d+")
    assert result.values["check"] == 0.5
