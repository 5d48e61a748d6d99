"""Consistency and balance of a dataset, the checklist fine-tuning guides give: one system
prompt or many, answer lengths that stand out, labels and their balance, the language mix, and
every registered check (`tuiapp.data.quality_checks`: empty turns and refusals are one). Each
finding is an *item* (e.g. `refusal`, `lang:fr`) that names
the examples it holds, so a report can link every line to its examples."""

from __future__ import annotations

import hashlib
from array import array
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from tuiapp.data.examine import content_text, conversation
from tuiapp.data.language import detect_language
from tuiapp.data.quality_checks import CheckSection, new_checks
from tuiapp.data.quality_report import (
    AnswerLengths,
    ConsistencySummary,
    Histogram,
    ItemKey,
    SystemPrompt,
)
from tuiapp.data.split import MAX_LABEL_WORDS, MAX_LABELS, looks_like_labels, normalize_answer

OUTLIER_IQR = 3.0  # answer lengths beyond Q1 - 3 IQR or Q3 + 3 IQR stand out
NO_SYSTEM = "none"


def system_key(text: str) -> str:
    """A short stable id for one system prompt text."""
    return hashlib.blake2b(text.encode(), digest_size=5).hexdigest()


@dataclass(frozen=True)
class Observed:
    """What one example contributes to the consistency report."""

    system: str | None  # the system prompt text, None when there is none
    answer: str  # the last assistant answer
    language: str


def observe(obj: Any) -> Observed:
    """Look at one parsed example."""
    messages = (
        [m for m in conversation(obj) if isinstance(m, dict)] if isinstance(obj, dict) else []
    )
    system = next(
        (
            content_text(m.get("content"))
            for m in messages
            if m.get("role") in ("system", "developer")
        ),
        None,
    )
    answers = [content_text(m.get("content")) for m in messages if m.get("role") == "assistant"]
    spoken = " ".join(
        content_text(m.get("content")) for m in messages if m.get("role") in ("user", "assistant")
    )
    return Observed(
        system=system,
        answer=answers[-1] if answers else "",
        language=detect_language(spoken),
    )


def _positions() -> array[int]:
    """A compact list of example positions (8 bytes each, not a Python int object)."""
    return array("q")


def label_of(answer: str) -> str | None:
    """The answer as a label candidate (normalised like split.detect_labels), or None."""
    clean = normalize_answer(answer)
    return clean if clean and len(clean.split()) <= MAX_LABEL_WORDS else None


@dataclass
class Consistency:
    """The consistency findings, built one example at a time (positions are example idx)."""

    items: dict[str, array[int]] = field(default_factory=lambda: defaultdict(_positions))
    system_prompts: dict[str, tuple[str, int]] = field(default_factory=dict)  # key -> text, n
    languages: Counter[str] = field(default_factory=Counter)
    _labels: dict[str, array[int]] | None = field(default_factory=dict)
    _idx: array[int] = field(default_factory=_positions)  # every example seen, and beside it
    _lengths: array[int] = field(default_factory=_positions)  # its assistant tokens
    examples: int = 0
    checks: list[Any] = field(default_factory=new_checks)  # the registered QualityChecks

    def add(self, idx: int, obj: Any, seen: Observed, assistant_tokens: int) -> None:
        """Count one example (`obj`, its parsed JSON, goes to the registered checks)."""
        self.examples += 1
        for check in self.checks:
            check.add(idx, obj)
        key = NO_SYSTEM if seen.system is None else system_key(seen.system)
        text, n = self.system_prompts.get(key, (seen.system or "", 0))
        self.system_prompts[key] = (text, n + 1)
        self.items[f"system:{key}"].append(idx)
        self.languages[seen.language] += 1
        self.items[f"lang:{seen.language}"].append(idx)
        self._idx.append(idx)
        self._lengths.append(assistant_tokens)
        if self._labels is not None:
            label = label_of(seen.answer)
            if label is not None:
                self._labels.setdefault(label, _positions()).append(idx)
            if len(self._labels) > MAX_LABELS:
                self._labels = None  # too many distinct answers: not labels

    def merge(self, other: Consistency) -> None:
        """Add what another Consistency counted over the examples that follow these."""
        self.examples += other.examples
        for mine, theirs in zip(self.checks, other.checks, strict=True):
            mine.merge(theirs)
        for key, members in other.items.items():
            self.items[key].extend(members)
        for key, (text, n) in other.system_prompts.items():
            known, m = self.system_prompts.get(key, (text, 0))
            self.system_prompts[key] = (known, m + n)
        self.languages.update(other.languages)
        if self._labels is not None and other._labels is not None:
            for label, members in other._labels.items():
                self._labels.setdefault(label, _positions()).extend(members)
            if len(self._labels) > MAX_LABELS:
                self._labels = None
        else:
            self._labels = None
        self._idx.extend(other._idx)
        self._lengths.extend(other._lengths)

    def finish(self) -> ConsistencySummary:
        """Add the label and length items; return the summary a report shows."""
        labels = self._labels or {}
        if looks_like_labels({k: len(v) for k, v in labels.items()}, self.examples):
            for label, members in labels.items():
                self.items[str(ItemKey("label", label))] = members
        lengths = sorted(self._lengths)
        low = high = None
        if len(lengths) >= 8:
            q1, q3 = lengths[len(lengths) // 4], lengths[(3 * len(lengths)) // 4]
            spread = max(q3 - q1, 1)
            low, high = q1 - OUTLIER_IQR * spread, q3 + OUTLIER_IQR * spread
            for idx, n in zip(self._idx, self._lengths, strict=True):
                if n > high:
                    self.items["length:long"].append(idx)
                elif n < low:
                    self.items["length:short"].append(idx)
        ranked = sorted(self.system_prompts.items(), key=lambda kv: -kv[1][1])
        keys = [ItemKey.parse(k) for k in self.items]
        return ConsistencySummary(
            system_prompts=[
                SystemPrompt(key=k, text=text[:500], count=n, none=k == NO_SYSTEM)
                for k, (text, n) in ranked
            ],
            labels={k.value: len(self.items[str(k)]) for k in keys if k.family == "label"},
            languages=dict(self.languages.most_common()),
            answer_lengths=AnswerLengths(
                low=low,
                high=high,
                long=len(self.items.get("length:long", [])),
                short=len(self.items.get("length:short", [])),
                values=_histogram(lengths),
            ),
            sections=self._finish_checks(),
        )

    def _finish_checks(self) -> list[CheckSection]:
        """Each registered check's findings; its items join the report's."""
        sections = []
        for check in self.checks:
            findings = check.finish(self.examples)
            for key, members in check.items.items():
                self.items[key] = members
            sections.append(CheckSection(check.name, check.title, findings))
        return sections


def _histogram(values: list[int], bins: int = 30) -> Histogram:
    """Bin edges and counts of sorted values (a report stores these, not a million ints)."""
    if not values:
        return Histogram()
    lo, hi = values[0], values[-1]
    width = max(1, -(-(hi - lo + 1) // bins))  # whole tokens per bin, at least one
    counts = [0] * ((hi - lo) // width + 1)
    for v in values:
        counts[(v - lo) // width] += 1
    return Histogram([lo + i * width for i in range(len(counts) + 1)], counts)
