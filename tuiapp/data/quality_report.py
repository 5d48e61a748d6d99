"""The quality report as typed objects: what a scan found, section by section, and the keys
that link each finding to its examples. The CLI and the screens render these objects; the store
keeps them as JSON (`to_dict` / `from_dict`, which also reads reports stored by older versions)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from tuiapp.data.quality_checks import CheckSection, Finding


@dataclass(frozen=True)
class ItemKey:
    """Which finding an example belongs to: a family (`pii`, `lang`, `label`, `system`,
    `duplicate`, `length`, `empty_turn`, `refusal`) and, for most, a value (`email`, `en`...)."""

    family: str
    value: str = ""

    def __str__(self) -> str:
        """The stored form: `family:value`, or the bare family."""
        return f"{self.family}:{self.value}" if self.value else self.family

    @classmethod
    def parse(cls, text: str) -> ItemKey:
        """The key of a stored item (the value may itself hold colons)."""
        family, _, value = text.partition(":")
        return cls(family, value)


@dataclass(frozen=True)
class DuplicateSummary:
    """Duplicate groups and the copies a keep-one-per-group would drop."""

    groups: int = 0
    exact_groups: int = 0
    near_groups: int = 0
    to_drop: int = 0
    exact_to_drop: int = 0
    near_to_drop: int = 0


@dataclass(frozen=True)
class SystemPrompt:
    """One system-prompt variant and how many examples use it (`none`: no system message)."""

    key: str
    text: str
    count: int
    none: bool = False


@dataclass(frozen=True)
class Histogram:
    """Bin edges and counts (len(edges) == len(counts) + 1 when not empty)."""

    edges: list[float] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class AnswerLengths:
    """Assistant tokens per example: the outlier fences and how many fall outside them."""

    low: float | None = None
    high: float | None = None
    long: int = 0
    short: int = 0
    values: Histogram = field(default_factory=Histogram)


@dataclass(frozen=True)
class ConsistencySummary:
    """What the consistency and balance checks found."""

    system_prompts: list[SystemPrompt] = field(default_factory=list)
    labels: dict[str, int] = field(default_factory=dict)
    languages: dict[str, int] = field(default_factory=dict)
    answer_lengths: AnswerLengths = field(default_factory=AnswerLengths)
    sections: list[CheckSection] = field(default_factory=list)  # the registered checks


@dataclass(frozen=True)
class QualityReport:
    """A whole scan: duplicates, personal data by kind, and the consistency findings."""

    examples: int
    threshold: float
    duplicates: DuplicateSummary = field(default_factory=DuplicateSummary)
    pii: dict[str, int] = field(default_factory=dict)
    consistency: ConsistencySummary = field(default_factory=ConsistencySummary)

    @property
    def pii_total(self) -> int:
        """Findings of personal data, all kinds together."""
        return sum(self.pii.values())

    def to_dict(self) -> dict[str, Any]:
        """The JSON the store keeps (the consistency fields at the top level, as always)."""
        out = asdict(self)
        out.update(out.pop("consistency"))
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> QualityReport:
        """A stored report back as objects; fields a report does not have take defaults."""
        lengths = dict(data.get("answer_lengths") or {})
        values = Histogram(**(lengths.pop("values", None) or {}))
        consistency = ConsistencySummary(
            system_prompts=[SystemPrompt(**p) for p in data.get("system_prompts") or []],
            labels=dict(data.get("labels") or {}),
            languages=dict(data.get("languages") or {}),
            answer_lengths=AnswerLengths(values=values, **lengths),
            sections=[_section(d) for d in data.get("sections") or []] or _legacy_turns(data),
        )
        return cls(
            examples=int(data.get("examples") or 0),
            threshold=float(data.get("threshold") or 0.0),
            duplicates=DuplicateSummary(**(data.get("duplicates") or {})),
            pii=dict(data.get("pii") or {}),
            consistency=consistency,
        )


def _section(data: dict[str, Any]) -> CheckSection:
    """A stored check section."""
    findings = [Finding(**f) for f in data.get("findings") or []]
    return CheckSection(str(data.get("name")), str(data.get("title")), findings)


def _legacy_turns(data: dict[str, Any]) -> list[CheckSection]:
    """The turns section of a report stored before checks had sections of their own."""
    from tuiapp.data.check_turns import TurnsCheck, turn_findings

    if "empty_turns" not in data and "refusals" not in data:
        return []
    counts = (int(data.get("empty_turns") or 0), int(data.get("refusals") or 0))
    findings = turn_findings(*counts, int(data.get("examples") or 0))
    return [CheckSection(TurnsCheck.name, TurnsCheck.title, findings)]
