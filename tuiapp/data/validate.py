"""Validate a whole file: stream it, check and count every line, summarise like the API would.

Big files are split into line-aligned byte ranges that worker processes summarise on their own;
the summaries merge exactly (counters add, line numbers shift), so the result does not depend on
how many workers ran.
"""

from __future__ import annotations

import multiprocessing
import os
from array import array
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tuiapp.data.base_models import BaseModel, base_model
from tuiapp.data.examine import Examined, examine
from tuiapp.data.formats.detect import needs_conversion, sniff, target_format
from tuiapp.data.formats.records import converted_records, examine_record
from tuiapp.data.jsonl import FileNotes, line_aligned_ranges, read_lines
from tuiapp.data.stats import default_epochs, distribution, estimate_cost, histogram
from tuiapp.data.tokens import TokenCounter, encoding
from tuiapp.problems import Problem, Severity
from tuiapp.processes import die_with_parent

MIN_EXAMPLES = 10  # the API rejects smaller training files
FIRST_LINES_KEPT = 5
PARALLEL_FROM_BYTES = 8 * 1024 * 1024  # below this, worker start-up costs more than it saves
RANGES_PER_WORKER = 4


@dataclass
class FileSummary:
    """Everything `tuiapp validate` reports about a file (or a byte range of it)."""

    path: str
    model: BaseModel
    format: str = "chat"
    source_format: str = ""  # what the file was converted from (alpaca, sharegpt...), if it was
    unit: str = "line"  # what problem numbers count: lines, a JSON array's records, CSV rows
    examples: int = 0
    lines: int = 0
    format_errors: Counter[str] = field(default_factory=Counter)
    warnings: Counter[str] = field(default_factory=Counter)
    first_lines: dict[str, list[int]] = field(default_factory=dict)
    first_problems: dict[str, list[Problem]] = field(default_factory=dict)  # where and what
    tokens: array = field(default_factory=lambda: array("l"))
    assistant_tokens: array = field(default_factory=lambda: array("l"))
    n_too_long: int = 0
    n_valid: int = 0
    crlf_lines: int = 0
    cr_lines: int = 0
    blank_lines: list[int] = field(default_factory=list)
    file_problems: list[Problem] = field(default_factory=list)
    # the cookbook notebook's statistics, over every example that is an object, as it counts
    n_missing_system: int = 0
    n_missing_user: int = 0
    n_messages: array = field(default_factory=lambda: array("l"))

    def add(self, result: Examined) -> None:
        """Fold one examined line into the summary."""
        self.examples += 1
        if isinstance(result.obj, dict):
            self.n_missing_system += not result.has_system
            self.n_missing_user += not result.has_user
            self.n_messages.append(result.n_messages)
        kinds: dict[str, Problem] = {}
        for p in result.problems:
            kinds.setdefault(p.kind, p)
        for kind, problem in kinds.items():
            bucket = self.format_errors if problem.severity is Severity.ERROR else self.warnings
            bucket[kind] += 1
            lines = self.first_lines.setdefault(kind, [])
            if len(lines) < FIRST_LINES_KEPT:
                lines.append(result.line)
                self.first_problems.setdefault(kind, []).append(problem)
        if "too_long" in kinds:
            self.n_too_long += 1
        if result.severity < Severity.ERROR:
            self.n_valid += 1
            self.tokens.append(result.n_tokens)
            self.assistant_tokens.append(result.n_assistant_tokens)

    def merge(self, part: FileSummary) -> None:
        """Append the summary of the byte range that follows this one."""
        shift = self.lines
        self.examples += part.examples
        self.format_errors += part.format_errors
        self.warnings += part.warnings
        for kind, lines in part.first_lines.items():
            kept = self.first_lines.setdefault(kind, [])
            kept += [n + shift for n in lines[: FIRST_LINES_KEPT - len(kept)]]
        for kind, problems in part.first_problems.items():
            known = self.first_problems.setdefault(kind, [])
            known += [
                Problem(p.kind, p.line + shift, p.path, p.message)
                for p in problems[: FIRST_LINES_KEPT - len(known)]
            ]
        self.tokens += part.tokens
        self.assistant_tokens += part.assistant_tokens
        self.n_too_long += part.n_too_long
        self.n_valid += part.n_valid
        self.n_missing_system += part.n_missing_system
        self.n_missing_user += part.n_missing_user
        self.n_messages += part.n_messages
        self.crlf_lines += part.crlf_lines
        self.cr_lines += part.cr_lines
        self.blank_lines += [n + shift for n in part.blank_lines]
        self.lines += part.lines

    def finish(self) -> FileSummary:
        """Add the file-level problems once every line is in."""
        if self.blank_lines:
            n, first = len(self.blank_lines), self.blank_lines[0]
            self.warnings["blank_line"] = n
            self.first_lines["blank_line"] = self.blank_lines[:FIRST_LINES_KEPT]
            self.file_problems.append(
                Problem("blank_line", first, "", f"{n} blank line(s), first at line {first}")
            )
        if self.crlf_lines:
            self.warnings["crlf"] = self.crlf_lines
            self.file_problems.append(Problem("crlf", 1, "", f"{self.crlf_lines} CRLF line(s)"))
        if self.cr_lines:
            self.warnings["cr"] = self.cr_lines
            self.file_problems.append(
                Problem("cr", 1, "", f"{self.cr_lines} line(s) end in a lone CR (old Mac endings)")
            )
        if self.examples == 0:
            self.format_errors["empty_file"] = 1
            self.file_problems.append(Problem("empty_file", 0))
        elif self.n_valid < MIN_EXAMPLES:
            self.format_errors["too_few_examples"] = 1
            self.file_problems.append(
                Problem(
                    "too_few_examples", 0, "", f"{self.n_valid} valid, the API needs {MIN_EXAMPLES}"
                )
            )
        return self

    @property
    def rejected(self) -> bool:
        """True when the provider would refuse this file."""
        return bool(self.format_errors)

    def to_json(self) -> dict[str, Any]:
        """The `--json` object of `tuiapp validate`."""
        cost = estimate_cost(self.tokens, self.model)
        return {
            "file": self.path,
            "model": self.model.name,
            "encoding": self.model.encoding,
            "format": self.format,
            "source_format": self.source_format or self.format,
            "unit": self.unit,
            "examples": self.examples,
            "valid_examples": self.n_valid,
            "format_errors": dict(sorted(self.format_errors.items())),
            "warnings": dict(sorted(self.warnings.items())),
            "first_lines": self.first_lines,
            "first_problems": {
                kind: [p.to_dict() for p in problems]
                for kind, problems in self.first_problems.items()
            },
            "n_missing_system": self.n_missing_system,
            "n_missing_user": self.n_missing_user,
            "num_messages_per_example": distribution(self.n_messages).to_dict(),
            "token_stats": distribution(self.tokens).to_dict(),
            "assistant_token_stats": distribution(self.assistant_tokens).to_dict(),
            "token_histogram": histogram(self.tokens),
            "token_limit": self.model.token_limit,
            "n_too_long": self.n_too_long,
            "n_epochs": default_epochs(self.n_valid),
            "billing_tokens": cost.billing_tokens,
            "estimated_cost_usd": cost.usd,
            "rejected": self.rejected,
        }


def sniff_format(path: str | Path) -> str:
    """What the file's examples are (`chat` or `preference`), converted where need be."""
    return target_format(path, sniff(path))


def summarize_converted(path: str, source: str, fmt: str, model: BaseModel) -> FileSummary:
    """Summarise a file that is converted record by record (numbers are record indexes)."""
    summary = FileSummary(path, model, fmt, source)
    counter = TokenCounter(model.encoding)
    for record in converted_records(path, source):
        summary.add(examine_record(record, fmt, counter, model.token_limit, preview=False))
        summary.lines = record.raw.number
        summary.unit = record.where.split(" ", 1)[0]  # "record 3", "row 3 (line 4)", "line 3"
    return summary


def summarize_range(job: tuple[str, int, int | None, str, BaseModel]) -> FileSummary:
    """Summarise the lines of one byte range (line numbers relative to its start)."""
    path, start, end, fmt, model = job
    summary = FileSummary(path, model, fmt)
    notes = FileNotes()
    counter = TokenCounter(model.encoding)
    for raw in read_lines(path, notes, start, end):
        summary.add(examine(raw, fmt, counter, model.token_limit, with_preview=False))
    summary.lines = notes.lines
    summary.crlf_lines = notes.crlf_lines
    summary.cr_lines = notes.cr_lines
    summary.blank_lines = notes.blank_lines
    return summary


def _fork_context() -> multiprocessing.context.BaseContext | None:
    """fork where the platform has it: workers then share the parent's loaded encoding."""
    if "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return None


def default_workers(path: str | Path) -> int:
    """Worker processes for a file: one per core for big files, else none."""
    if Path(path).stat().st_size < PARALLEL_FROM_BYTES:
        return 1
    return max(1, min(os.cpu_count() or 1, 8))


def validate_file(
    path: str | Path,
    model_name: str | None = None,
    workers: int | None = None,
    source_format: str | None = None,
) -> FileSummary:
    """Check and count a whole file (converted from `source_format`, else the detected one);
    memory stays flat whatever its size."""
    model = base_model(model_name)
    source = source_format or sniff(path)
    fmt = target_format(path, source)
    if needs_conversion(path, source):
        summary = FileSummary(str(path), model, fmt, source)
        converted = summarize_converted(str(path), source, fmt, model)
        summary.merge(converted)
        summary.unit = converted.unit
        return summary.finish()
    n_workers = default_workers(path) if workers is None else workers
    summary = FileSummary(str(path), model, fmt)
    if n_workers <= 1:
        summary.merge(summarize_range((str(path), 0, None, fmt, model)))
        return summary.finish()
    ranges = line_aligned_ranges(path, n_workers * RANGES_PER_WORKER)
    jobs = [(str(path), start, end, fmt, model) for start, end in ranges]
    encoding(model.encoding)  # loaded once here; forked workers inherit it
    with ProcessPoolExecutor(
        n_workers, mp_context=_fork_context(), initializer=die_with_parent
    ) as pool:
        for part in pool.map(summarize_range, jobs):
            summary.merge(part)
    return summary.finish()
