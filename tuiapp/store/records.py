"""Domain objects read from the store (plain dataclasses, never database rows)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol

from tuiapp.problems import Problem, Severity

STATUSES = ("pending", "accepted", "rejected", "flagged")


class CheckedText(Protocol):
    """A line after parsing, checking and counting, as the store keeps it (what
    `tuiapp.data.examine.Examined` is; declared here so the store needs nothing of data)."""

    line: int
    text: str
    problems: list[Problem]
    n_tokens: int
    n_assistant_tokens: int
    n_messages: int
    preview: str

    @property
    def severity(self) -> Severity:
        """The worst problem."""
        ...


@dataclass(frozen=True)
class Dataset:
    """An imported file and where its import stands."""

    id: int
    name: str
    path: str
    format: str
    base_model: str
    import_state: str  # importing | complete | failed
    import_error: str | None
    lines: int
    bytes_read: int
    file_size: int
    file_problems: list[Problem]
    created_at: str

    @property
    def import_fraction(self) -> float:
        """How far the import got, 0..1."""
        if self.import_state == "complete" or not self.file_size:
            return 1.0
        return min(1.0, self.bytes_read / self.file_size)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Dataset:
        """Build from a `datasets` row."""
        return cls(
            id=row["id"],
            name=row["name"],
            path=row["path"],
            format=row["format"],
            base_model=row["base_model"],
            import_state=row["import_state"],
            import_error=row["import_error"],
            lines=row["lines"],
            bytes_read=row["bytes_read"],
            file_size=row["file_size"],
            file_problems=[Problem.from_dict(p) for p in json.loads(row["file_problems"])],
            created_at=row["created_at"],
        )


@dataclass(frozen=True)
class ExampleRow:
    """What the review list shows for one example."""

    id: int
    idx: int
    line: int
    status: str
    severity: Severity
    n_tokens: int
    preview: str
    edited: bool
    tagged: bool


@dataclass(frozen=True)
class Example:
    """One example with everything the review screen needs."""

    id: int
    dataset_id: int
    idx: int
    line: int
    original: str
    edited: str | None
    status: str
    note: str
    tags: list[str]
    problems: list[Problem]
    severity: Severity
    n_tokens: int
    n_assistant_tokens: int
    n_messages: int
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The text that counts: the edit if there is one, else the original line."""
        return self.edited if self.edited is not None else self.original

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Example:
        """Build from an `examples` row."""
        return cls(
            id=row["id"],
            dataset_id=row["dataset_id"],
            idx=row["idx"],
            line=row["line"],
            original=row["original"],
            edited=row["edited"],
            status=row["status"],
            note=row["note"],
            tags=json.loads(row["tags"]),
            problems=[Problem.from_dict(p) for p in json.loads(row["problems"])],
            severity=Severity(row["severity"]),
            n_tokens=row["n_tokens"],
            n_assistant_tokens=row["n_assistant_tokens"],
            n_messages=row["n_messages"],
        )
