"""The LLM judge's pure part: templates filled, messy verdicts and scores read, both orders
combined (position bias cancelled), Cohen's kappa on a textbook table, the cost estimate."""

from __future__ import annotations

import pytest

from tuiapp.evals.judge import (
    NO_REFERENCE,
    agreement,
    combine,
    cost,
    default_template,
    missing_placeholders,
    parse_score,
    parse_verdict,
    render,
    score_verdict,
)


def test_render_fills_placeholders_and_leaves_other_braces() -> None:
    text = render('Q={question} A={answer_a} B={answer_b} R={reference} {"k": 1}', "q", "x", "y")
    assert text == f'Q=q A=x B=y R={NO_REFERENCE} {{"k": 1}}'
    assert render("{answer} / {reference}", "q", "only", reference="ref") == "only / ref"
    assert missing_placeholders(default_template("pairwise"), "pairwise") == []
    assert missing_placeholders(default_template("rubric"), "rubric") == []
    assert missing_placeholders("{question} {answer_a}", "pairwise") == ["{answer_b}"]
    with pytest.raises(ValueError):
        default_template("best-of-3")


@pytest.mark.parametrize(
    ("reply", "verdict"),
    [
        ("A is concise but wrong. B is right.\n\n[[B]]", "b"),
        ("Verdict: **A**", "a"),
        ('{"winner": "B", "reason": "shorter"}', "b"),
        ("Answer A is vague. Answer B is better.", "b"),
        ("I prefer Assistant A.", "a"),
        ("The better answer is a bit longer. Final verdict: tie", "tie"),
        ("[[A]] ... on reflection, [[B]]", "b"),  # the last marker wins
        ("B", "b"),
        ("[[Tie]]", "tie"),
        ("Both are equally good.", "tie"),
        ("Answer A is vague.", None),  # a remark, not a verdict
        ("I cannot decide without more context.", None),
        ("", None),
    ],
)
def test_verdicts_read_from_messy_replies(reply: str, verdict: str | None) -> None:
    assert parse_verdict(reply) == verdict


@pytest.mark.parametrize(
    ("reply", "score"),
    [
        ("Good answer.\n[[8]]", 8),
        ("Score: 7/10", 7),
        ("I would give it 6 out of 10.", 6),
        ("9", 9),
        ("Rating: 3. Revised: [[4]]", 4),
        ("Score: 11", None),  # out of range
        ("no idea", None),
    ],
)
def test_scores_read_from_messy_replies(reply: str, score: int | None) -> None:
    assert parse_score(reply) == score


def test_both_orders_combined_on_worked_examples() -> None:
    # a_first: run A shown as "A"; b_first: run B shown as "A" (verdicts are shown positions)
    assert combine("a", "b") == "a"  # A won in both orders
    assert combine("b", "a") == "b"  # B won in both orders
    assert combine("a", "a") == "tie"  # the first position won twice: position bias, a tie
    assert combine("b", "b") == "tie"  # the second position won twice
    assert combine("tie", "a") == "tie"
    assert combine("a", None) is None  # unreadable in one order: no verdict
    assert (
        score_verdict(8, 5) == "a" and score_verdict(5, 8) == "b" and score_verdict(6, 6) == "tie"
    )


def test_a_judge_that_always_picks_the_first_answer_gives_only_ties() -> None:
    verdicts = [combine(parse_verdict("[[A]]"), parse_verdict("[[A]]")) for _ in range(20)]
    assert set(verdicts) == {"tie"}


def test_cohens_kappa_on_the_textbook_table() -> None:
    # 50 items: both yes 20, judge yes / human no 5, judge no / human yes 10, both no 15
    # p_o = 35/50 = 0.7; p_e = 0.5 * 0.6 + 0.5 * 0.4 = 0.5; kappa = (0.7 - 0.5) / 0.5 = 0.4
    pairs = [("a", "a")] * 20 + [("a", "b")] * 5 + [("b", "a")] * 10 + [("b", "b")] * 15
    result = agreement(pairs)
    assert (result.n, result.raw) == (50, pytest.approx(0.7))
    assert result.kappa == pytest.approx(0.4)
    assert "70% of 50" in result.describe() and "kappa 0.40: use with care" in result.describe()
    perfect = agreement([("a", "a"), ("b", "b"), ("tie", "tie")])
    assert perfect.kappa == pytest.approx(1.0) and "trust it" in perfect.describe()
    assert agreement([("a", "a")] * 3).kappa is None  # one label only: kappa is undefined
    assert "no blind human ratings" in agreement([]).describe()


def test_cost_with_and_without_a_price() -> None:
    known = cost(1_000_000, 10, 100, "o200k_base", 0.15, 0.6)
    assert known.max_output_tokens == 1000
    assert known.usd == pytest.approx(0.15 + 0.0006)
    assert "at most $0.1506" in known.describe()
    assert "unknown price" in cost(10, 1, 5, "o200k_base", None, None).describe()
