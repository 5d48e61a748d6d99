"""Task metrics of model outputs against reference answers: exact match, normalised exact
match, token F1 (SQuAD's definitions), accuracy and macro-F1 when the answers are labels,
valid-JSON rate and schema match when the references are JSON, and a user regex check."""

from __future__ import annotations

import json
import re
import string
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tuiapp.data.split import looks_like_labels, normalize_answer

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = str.maketrans("", "", string.punctuation)


def normalize(text: str) -> str:
    """SQuAD normalisation: lower case, no punctuation, no articles, single spaces."""
    return " ".join(_ARTICLES.sub(" ", text.lower().translate(_PUNCTUATION)).split())


def exact_match(output: str, reference: str) -> bool:
    """The same text, ignoring surrounding whitespace."""
    return output.strip() == reference.strip()


def token_f1(output: str, reference: str) -> float:
    """F1 of the normalised tokens in common (1.0 when both are empty)."""
    out, ref = normalize(output).split(), normalize(reference).split()
    if not out or not ref:
        return float(out == ref)
    common = sum((Counter(out) & Counter(ref)).values())
    if not common:
        return 0.0
    precision, recall = common / len(out), common / len(ref)
    return 2 * precision * recall / (precision + recall)


def _json(text: str) -> Any:
    """The text as JSON (a ```json fence is allowed), or a marker when it is not JSON."""
    body = text.strip()
    if body.startswith("```"):
        body = body.strip("`").removeprefix("json").strip()
    try:
        return json.loads(body)
    except ValueError:
        return _NOT_JSON


_NOT_JSON = object()


def same_shape(output: Any, reference: Any) -> bool:
    """Same keys (recursively) and the same JSON types: the schema the reference implies."""
    if isinstance(reference, dict):
        return (
            isinstance(output, dict)
            and output.keys() == reference.keys()
            and all(same_shape(output[k], v) for k, v in reference.items())
        )
    if isinstance(reference, list):
        return isinstance(output, list) and all(
            same_shape(o, reference[0]) for o in output[:50] if reference
        )
    if isinstance(reference, bool) or reference is None:
        return type(output) is type(reference)
    if isinstance(reference, int | float):
        return isinstance(output, int | float) and not isinstance(output, bool)
    return isinstance(output, type(reference))


def macro_f1(predicted: Sequence[str], gold: Sequence[str]) -> float:
    """Mean F1 over the gold labels."""
    labels = sorted(set(gold))
    scores = []
    for label in labels:
        tp = sum(p == label and g == label for p, g in zip(predicted, gold, strict=True))
        fp = sum(p == label and g != label for p, g in zip(predicted, gold, strict=True))
        fn = sum(p != label and g == label for p, g in zip(predicted, gold, strict=True))
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores) if scores else 0.0


@dataclass
class Scores:
    """Every metric that applies, with the number of items it covers."""

    items: int = 0
    failed: int = 0  # outputs missing because the call failed
    values: dict[str, float] = field(default_factory=dict)
    per_item: list[dict[str, Any]] = field(default_factory=list)


def score(
    outputs: Sequence[str | None],
    references: Sequence[str],
    check: str | None = None,
    labels: Sequence[str] | None = None,
) -> Scores:
    """Score outputs against references (None outputs count as failures, and as wrong).
    Label metrics apply when the references look like labels, or when `labels` are given."""
    result = Scores(items=len(references), failed=sum(o is None for o in outputs))
    texts = [o or "" for o in outputs]
    em = [exact_match(o, r) for o, r in zip(texts, references, strict=True)]
    nem = [normalize(o) == normalize(r) for o, r in zip(texts, references, strict=True)]
    f1 = [token_f1(o, r) for o, r in zip(texts, references, strict=True)]
    n = max(1, len(references))
    result.values = {
        "exact_match": sum(em) / n,
        "normalized_exact_match": sum(nem) / n,
        "token_f1": sum(f1) / n,
    }
    gold = [normalize_answer(r) for r in references]
    chosen = labels is not None and len(labels) > 0
    if chosen or looks_like_labels(Counter(g for g in gold if len(g.split()) <= 3), len(gold)):
        predicted = [normalize_answer(o) for o in texts]
        result.values["label_accuracy"] = (
            sum(p == g for p, g in zip(predicted, gold, strict=True)) / n
        )
        result.values["label_macro_f1"] = macro_f1(predicted, gold)
    parsed_refs = [_json(r) for r in references]
    if sum(isinstance(r, dict | list) for r in parsed_refs) >= 0.9 * n:
        parsed = [_json(o) for o in texts]
        result.values["valid_json"] = sum(p is not _NOT_JSON for p in parsed) / n
        result.values["json_schema_match"] = (
            sum(
                p is not _NOT_JSON and same_shape(p, r)
                for p, r in zip(parsed, parsed_refs, strict=True)
            )
            / n
        )
    pattern = re.compile(check) if check else None
    if pattern is not None:
        result.values["check"] = sum(bool(pattern.search(o)) for o in texts) / n
    result.per_item = [
        {"exact": e, "normalized": ne, "f1": f, "failed": o is None}
        for e, ne, f, o in zip(em, nem, f1, outputs, strict=True)
    ]
    return result
