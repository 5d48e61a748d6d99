"""Examine a JSONL file's line ranges in worker processes for the import (parse, check, count
tokens); the main process only inserts what comes back, in file order."""

from __future__ import annotations

import itertools
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TypeVar

from tuiapp.data.examine import Examined, examine
from tuiapp.data.jsonl import FileNotes, read_lines
from tuiapp.data.tokens import TokenCounter
from tuiapp.problems import Problem, Severity, worst
from tuiapp.processes import die_with_parent

PARALLEL_FROM_BYTES = 16 * 1024 * 1024  # below this, starting workers costs more than it saves
RANGE_BYTES = 2 * 1024 * 1024  # one job: a few thousand lines, committed as one batch
FIRST_RANGE_BYTES = 64 * 1024  # examined in the main process: on screen before workers are up
IN_FLIGHT_PER_WORKER = 3  # ranges queued ahead per worker: memory stays flat, workers stay busy
MAX_WORKERS = 8
J = TypeVar("J")
R = TypeVar("R")
_SEVERITIES = tuple(Severity)  # by value: indexing is ~10x cheaper than Severity(n) per row


class ExaminedRow:
    """An examined line as the store keeps it (no parsed object): cheap to send between
    processes (pickled as one tuple, not a dict of fields)."""

    __slots__ = (
        "line",
        "text",
        "problems",
        "severity",
        "n_tokens",
        "n_assistant_tokens",
        "n_messages",
        "preview",
    )

    def __init__(
        self,
        line: int,
        text: str,
        problems: list[Problem],
        severity: int,
        n_tokens: int,
        n_assistant_tokens: int,
        n_messages: int,
        preview: str,
    ) -> None:
        self.line = line
        self.text = text
        self.problems = problems
        self.severity = _SEVERITIES[severity]  # the worst problem
        self.n_tokens = n_tokens
        self.n_assistant_tokens = n_assistant_tokens
        self.n_messages = n_messages
        self.preview = preview

    def __reduce__(self) -> tuple[type[ExaminedRow], tuple[object, ...]]:
        """Pickled as the constructor's arguments."""
        return ExaminedRow, (
            self.line,
            self.text,
            self.problems,
            int(self.severity),
            self.n_tokens,
            self.n_assistant_tokens,
            self.n_messages,
            self.preview,
        )


@dataclass
class RangeResult:
    """What one byte range of the file gave: its examples (line numbers counted from 1 at the
    range's start), its line-ending notes, and the failure that stopped it, if one did."""

    start: int
    end: int
    rows: list[ExaminedRow] = field(default_factory=list)
    lines: int = 0
    crlf_lines: int = 0
    cr_lines: int = 0
    blank_lines: list[int] = field(default_factory=list)
    failed_at: int | None = None  # the line (range-relative) whose examination raised
    error: BaseException | None = None


@dataclass(frozen=True)
class RangeJob:
    """One range to examine, with what examining needs."""

    path: str
    start: int
    end: int
    fmt: str
    encoding: str
    token_limit: int


@cache
def token_counter(encoding: str) -> TokenCounter:
    """One token counter per process and encoding (its text cache lives on between ranges)."""
    return TokenCounter(encoding)


def row_of(ex: Examined) -> ExaminedRow:
    """An examined line as it is sent back to the main process."""
    return ExaminedRow(
        ex.line,
        ex.text,
        ex.problems,
        int(worst(ex.problems)),
        ex.n_tokens,
        ex.n_assistant_tokens,
        ex.n_messages,
        ex.preview,
    )


def examine_range(job: RangeJob) -> RangeResult:
    """Parse, check and count every line of a byte range (run in a worker or in place)."""
    notes = FileNotes()
    result = RangeResult(job.start, job.end)
    counter = token_counter(job.encoding)
    at: int | None = None  # the line being examined, named if examining it fails
    try:
        for raw in read_lines(job.path, notes, job.start, job.end):
            at = raw.number
            result.rows.append(row_of(examine(raw, job.fmt, counter, job.token_limit)))
            at = None
    except Exception as err:  # sent back with its line, for the import to store and raise
        result.failed_at, result.error = at, err
    result.lines, result.crlf_lines, result.cr_lines = notes.lines, notes.crlf_lines, notes.cr_lines
    result.blank_lines = notes.blank_lines
    return result


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity), not the machine's count."""
    if hasattr(os, "process_cpu_count"):  # Python 3.13+
        return int(os.process_cpu_count() or 1)
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def import_workers(file_size: int, cores: int | None = None, load: float | None = None) -> int:
    """Worker processes for importing a file of this size: 0 (examine in place) for a small
    file or when at most one core is free, else one per free core (the main process inserts
    while they examine)."""
    cores = available_cores() if cores is None else cores
    if load is None:
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    free = cores - int(load)  # cores the other processes on the box leave us, about
    if file_size < PARALLEL_FROM_BYTES or cores < 2 or free < 2:
        return 0
    return min(free, MAX_WORKERS)


def split_ranges(path: str | Path, start: int, size: int) -> Iterator[tuple[int, int]]:
    """Byte ranges covering [start, size) that each end just after a newline (or at the end of
    the file): a small first one, then RANGE_BYTES each."""
    at, step = start, FIRST_RANGE_BYTES
    with open(path, "rb") as handle:
        while at < size:
            handle.seek(min(size, at + step))
            while (chunk := handle.readline(RANGE_BYTES)) and not chunk.endswith(b"\n"):
                pass  # on to the end of the line the cut falls in (however long it is)
            end = min(size, handle.tell())
            yield at, end
            at, step = end, RANGE_BYTES


def _context() -> multiprocessing.context.BaseContext:
    """fork on Linux (workers start at once and share the loaded encoding; they only read the
    file and never touch the parent's threads or database), spawn elsewhere (macOS frameworks
    do not survive a fork)."""
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def examined_ranges(
    jobs: Iterator[RangeJob], workers: int, cancelled: Callable[[], bool]
) -> Iterator[RangeResult]:
    """Results of the jobs in their order: the first examined here, the others in `workers`
    processes, a few queued ahead of the one awaited (memory stays flat)."""
    first = next(jobs, None)
    if first is None:
        return
    token_counter(first.encoding)  # loaded once here: forked workers inherit it
    yield from in_order(
        itertools.chain([first], jobs), examine_range, workers, cancelled, stop=_failed
    )


def _failed(result: RangeResult) -> bool:
    """A range whose examination raised: nothing after it is awaited."""
    return result.error is not None


def in_order(
    jobs: Iterator[J],
    work: Callable[[J], R],
    workers: int,
    cancelled: Callable[[], bool],
    stop: Callable[[R], bool],
) -> Iterator[R]:
    """`work` of each job, in the jobs' order: the first done here while the `workers`
    processes start, the others there, a few queued ahead of the one awaited (memory stays
    flat); after a result that `stop`s it, or once `cancelled`, nothing more."""
    first = next(jobs, None)
    if first is None:
        return
    pool = ProcessPoolExecutor(workers, mp_context=_context(), initializer=die_with_parent)
    try:
        queued: list[Future[R]] = []
        for job in jobs:  # start them now: they spin up while the first one is done here
            queued.append(pool.submit(work, job))
            if len(queued) >= workers * IN_FLIGHT_PER_WORKER:
                break
        result = work(first)
        yield result
        while queued and not stop(result) and not cancelled():
            result = queued.pop(0).result()
            if (more := next(jobs, None)) is not None:
                queued.append(pool.submit(work, more))
            yield result
    finally:  # done, failed, cancelled or abandoned: queued jobs are dropped
        pool.shutdown(wait=True, cancel_futures=True)
