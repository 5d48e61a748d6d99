"""The LLM judge, the pure part: default prompt templates and how they are filled, verdicts and
scores read out of messy judge replies, the two pairwise orders combined (a disagreement is a
tie, which cancels position bias), agreement with human ratings (raw and Cohen's kappa) and the
cost of the prompts before they are sent. Running the judge is `tuiapp.services.judge_run`."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

MODES = ("pairwise", "rubric")
PLACEHOLDERS = ("question", "answer_a", "answer_b", "answer", "reference")
NO_REFERENCE = "(no reference answer)"

PAIRWISE_TEMPLATE = """\
You are an impartial judge. Compare two assistant answers to the user's question below and \
decide which one is better: more correct, more helpful, closer to the reference answer when \
there is one. Do not let the order of the answers, their length or the assistants' names \
influence you.

[Question]
{question}

[Reference answer]
{reference}

[Answer A]
{answer_a}

[Answer B]
{answer_b}

Explain briefly, then give your verdict on the last line as exactly one of: [[A]] if A is \
better, [[B]] if B is better, [[tie]] if they are equally good.
"""

RUBRIC_TEMPLATE = """\
You are an impartial judge. Rate the assistant's answer to the user's question below on a \
scale of 1 to 10 for correctness and helpfulness; when a reference answer is given, an answer \
that agrees with it deserves a high score.

[Question]
{question}

[Reference answer]
{reference}

[Answer]
{answer}

Explain briefly, then give your score on the last line as [[N]] with N from 1 to 10.
"""


def default_template(mode: str) -> str:
    """The default prompt of a judge mode."""
    if mode not in MODES:
        raise ValueError(f"unknown judge mode {mode!r} (pairwise or rubric)")
    return PAIRWISE_TEMPLATE if mode == "pairwise" else RUBRIC_TEMPLATE


_FIELD = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")


def render(
    template: str, question: str, answer_a: str, answer_b: str = "", reference: str = ""
) -> str:
    """The template with its placeholders filled; other braces (JSON in a prompt) stay as
    they are. {answer} is {answer_a} (the one answer a rubric prompt shows)."""
    values = {
        "question": question,
        "answer_a": answer_a,
        "answer_b": answer_b,
        "answer": answer_a,
        "reference": reference.strip() or NO_REFERENCE,
    }
    return _FIELD.sub(lambda m: values[m.group(1)], template)


def missing_placeholders(template: str, mode: str) -> list[str]:
    """Placeholders a template of this mode needs and lacks (an edit that dropped one)."""
    needed = ["{question}", "{answer_a}", "{answer_b}"] if mode == "pairwise" else ["{question}"]
    if mode == "rubric" and "{answer}" not in template and "{answer_a}" not in template:
        needed.append("{answer}")
    return [p for p in needed if p not in template]


_BRACKET = re.compile(r"\[\[\s*(A|B|tie|draw|equal)\s*\]\]", re.IGNORECASE)
_LETTER = r"\b((?-i:A|B)|tie|draw)\b"  # capital A/B only: "a bit" is no verdict
_LABELLED = re.compile(
    r"(?:verdict|winner|better answer|final answer|choice|decision)\W{0,6}(?:is\s+)?"
    r"(?:answer\s+|assistant\s+|response\s+)?" + _LETTER,
    re.IGNORECASE,
)
_NAMED = re.compile(
    r"(?:(?:choose|prefer|pick|select)\s+(?:answer\s+|assistant\s+|response\s+)?"
    r"|\b(?:answer|assistant|response)\s+)?\b((?-i:A|B))\s+is\s+(?:clearly\s+|much\s+)?better"
    r"|(?:choose|prefer|pick|select)\s+(?:answer\s+|assistant\s+|response\s+)?\b((?-i:A|B))\b",
    re.IGNORECASE,
)
_LONE = re.compile(r"^\W*(A|B|tie)\W*$", re.IGNORECASE)
_TIE_WORDS = re.compile(r"\b(tie|equally good|equally bad|draw|both are equal)\b", re.IGNORECASE)


def _side(word: str) -> str:
    """'a', 'b' or 'tie' from what a judge wrote."""
    word = word.lower()
    return word if word in ("a", "b") else "tie"


def parse_verdict(reply: str) -> str | None:
    """'a', 'b' or 'tie' (positions as shown to the judge) from a judge's reply, or None when
    it gives no readable verdict. The last explicit marker wins: judges reason first."""
    for pattern in (_BRACKET, _LABELLED, _NAMED):
        found = [
            next(g for g in m if g) if isinstance(m, tuple) else m for m in pattern.findall(reply)
        ]
        if found:
            return _side(found[-1])
    lines = [line for line in reply.strip().splitlines() if line.strip()]
    if lines and (lone := _LONE.match(lines[-1])):
        return _side(lone.group(1))
    if _TIE_WORDS.search(reply):
        return "tie"
    return None


_SCORE_BRACKET = re.compile(r"\[\[\s*(\d{1,2})(?:\s*/\s*10)?\s*\]\]")
_SCORE_LABELLED = re.compile(r"(?:score|rating|grade)\W{0,6}(?:is\s+)?(\d{1,2})\b", re.IGNORECASE)
_SCORE_OUT_OF = re.compile(r"\b(\d{1,2})\s*(?:/|out of)\s*10\b", re.IGNORECASE)


def parse_score(reply: str) -> int | None:
    """A 1-10 score from a judge's reply ([[7]], 'Score: 7', '7/10', or a reply that is just
    a number), or None."""
    for pattern in (_SCORE_BRACKET, _SCORE_LABELLED, _SCORE_OUT_OF):
        found = [int(v) for v in pattern.findall(reply) if 1 <= int(v) <= 10]
        if found:
            return found[-1]
    bare = reply.strip().strip(".*")
    return int(bare) if bare.isdigit() and 1 <= int(bare) <= 10 else None


def unswap(verdict: str | None) -> str | None:
    """A verdict given with run B shown first, in run terms (the judge's A was run B)."""
    return {"a": "b", "b": "a"}.get(verdict or "", verdict)


def combine(a_first: str | None, b_first: str | None) -> str | None:
    """The item's verdict in run terms from both orders: `a_first` as judged with run A shown
    first, `b_first` as judged with run B shown first (both in shown positions). The same
    run winning both times wins; any disagreement is a tie; None when either is unreadable."""
    if a_first is None or b_first is None:
        return None
    second = unswap(b_first)
    return a_first if a_first == second else "tie"


def score_verdict(score_a: int | None, score_b: int | None) -> str | None:
    """A pairwise verdict from two rubric scores (the higher wins; equal is a tie)."""
    if score_a is None or score_b is None:
        return None
    return "a" if score_a > score_b else "b" if score_b > score_a else "tie"


def human_verdict(verdict: str) -> str:
    """A blind human verdict on the judge's scale: 'both bad' means neither won, a tie."""
    return "tie" if verdict == "both_bad" else verdict


@dataclass(frozen=True)
class Agreement:
    """How often the judge and the human raters agree on the same items."""

    n: int
    raw: float  # share of items with the same verdict
    kappa: float | None  # Cohen's kappa; None when chance agreement is total (undefined)

    def describe(self) -> str:
        """One line a user can act on."""
        if not self.n:
            return "no blind human ratings of the same items to check the judge against"
        kappa = "undefined" if self.kappa is None else f"{self.kappa:.2f}"
        shown = None if self.kappa is None else round(self.kappa, 2)  # 0.3999... reads 0.40
        # Landis and Koch: 0.61 and up is substantial agreement, 0.41-0.60 moderate
        trust = (
            "do not rely on it"
            if shown is None or shown < 0.4
            else "use with care"
            if shown < 0.6
            else "trust it"
        )
        return (
            f"agrees with the human ratings on {100 * self.raw:.0f}% of {self.n} "
            f"(Cohen's kappa {kappa}: {trust})"
        )


def agreement(pairs: Sequence[tuple[str, str]]) -> Agreement:
    """Raw agreement and Cohen's kappa of two raters' labels on the same items:
    kappa = (p_o - p_e) / (1 - p_e), p_e from each rater's own label shares."""
    n = len(pairs)
    if not n:
        return Agreement(0, 0.0, None)
    observed = sum(1 for x, y in pairs if x == y) / n
    first, second = Counter(x for x, _ in pairs), Counter(y for _, y in pairs)
    expected = sum(first[label] * second[label] for label in first) / (n * n)
    if expected >= 1.0:
        return Agreement(n, observed, None)
    return Agreement(n, observed, (observed - expected) / (1 - expected))


@dataclass(frozen=True)
class CostEstimate:
    """What a judge run will send and (when the price is known) cost, before it runs."""

    calls: int
    prompt_tokens: int
    max_output_tokens: int  # an upper bound: max_tokens for every call
    usd: float | None  # None: unknown price
    encoding: str

    def describe(self) -> str:
        """'40 calls, 23,100 prompt tokens + at most 20,480 out: at most $0.02'."""
        price = (
            "unknown price"
            if self.usd is None
            else "free"
            if self.usd == 0
            else f"at most ${self.usd:,.4f}"
        )
        return (
            f"{self.calls} calls, {self.prompt_tokens:,} prompt tokens + at most "
            f"{self.max_output_tokens:,} out ({self.encoding}): {price}"
        )


def cost(
    prompt_tokens: int,
    calls: int,
    max_tokens: int,
    encoding: str,
    price_in: float | None,
    price_out: float | None,
) -> CostEstimate:
    """The estimate from counted prompt tokens and USD per 1M input / output tokens."""
    out = calls * max_tokens
    usd = (
        None
        if price_in is None or price_out is None
        else (prompt_tokens * price_in + out * price_out) / 1e6
    )
    return CostEstimate(calls, prompt_tokens, out, usd, encoding)
