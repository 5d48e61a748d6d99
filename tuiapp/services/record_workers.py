"""Examine converted records (a JSON array's, a CSV's or a Parquet file's) in worker processes
for the import: the main process reads and converts the file in order, a chunk of records at
a time, and inserts what comes back; the workers check the examples and count their tokens,
which is most of the work."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from tuiapp.data.formats.records import SourceRecord, examine_record
from tuiapp.data.jsonl import RawLine
from tuiapp.problems import Problem
from tuiapp.services.import_workers import ExaminedRow, in_order, row_of, token_counter


@dataclass(frozen=True)
class RecordJob:
    """One chunk of converted records to examine: each record's number, converted JSON line
    and conversion problems (not its original text, which stays in the main process)."""

    records: tuple[tuple[int, bytes, tuple[Problem, ...]], ...]
    fmt: str
    encoding: str
    token_limit: int


@dataclass
class RecordsResult:
    """What one chunk gave: its rows, and the failure that stopped it (with the record)."""

    rows: list[ExaminedRow] = field(default_factory=list)
    failed_at: int | None = None  # the number of the record whose examination raised
    error: BaseException | None = None


@dataclass(frozen=True)
class Chunk:
    """A chunk as the main process keeps it: its job, and what the store needs beside the
    rows (each record's source, where the file was read to, the last record's number)."""

    job: RecordJob
    sources: list[tuple[str, str, str]]
    read: int
    last: int

    def where(self, number: int | None) -> str:
        """Where record `number` of this chunk was in the file (`record 12`, `line 12`)."""
        for (n, _line, _problems), (_source, where, _original) in zip(
            self.job.records, self.sources, strict=True
        ):
            if n == number:
                return where
        return ""


def examine_records(job: RecordJob) -> RecordsResult:
    """Check and count each record of a chunk (in a worker, or in place)."""
    result = RecordsResult()
    counter = token_counter(job.encoding)
    at: int | None = None
    try:
        for number, line, problems in job.records:
            at = number
            record = SourceRecord(RawLine(number, line, 0), "", "", list(problems), 0)
            result.rows.append(row_of(examine_record(record, job.fmt, counter, job.token_limit)))
            at = None
    except Exception as err:  # sent back with its record, for the import to store and raise
        result.failed_at, result.error = at, err
    return result


def chunks(
    records: Iterator[SourceRecord],
    source: str,
    size: int,
    job: Callable[[tuple[tuple[int, bytes, tuple[Problem, ...]], ...]], RecordJob],
    first: int,
    rest: int,
) -> Iterator[Chunk]:
    """The records in chunks: `first` records, then `rest` each. Each says how far the file
    was read (the last one: the whole file, its closing bracket included)."""
    batch: list[SourceRecord] = []
    full: list[SourceRecord] | None = None  # a full chunk, held until it is known not last
    limit = first
    for record in records:
        if full is not None:
            yield _chunk(full, source, min(full[-1].read, size), job)
            full = None
        batch.append(record)
        if len(batch) >= limit:
            full, batch, limit = batch, [], rest
    if full is not None:
        yield _chunk(full, source, size, job)
    elif batch:
        yield _chunk(batch, source, size, job)


def _chunk(
    batch: list[SourceRecord],
    source: str,
    read: int,
    job: Callable[[tuple[tuple[int, bytes, tuple[Problem, ...]], ...]], RecordJob],
) -> Chunk:
    """One chunk of records, the file read up to `read`."""
    return Chunk(
        job(tuple((r.raw.number, r.raw.data, tuple(r.problems)) for r in batch)),
        [(source, r.where, r.original) for r in batch],
        read,
        batch[-1].raw.number,
    )


def examined_chunks(
    pieces: Iterator[Chunk], workers: int, cancelled: Callable[[], bool]
) -> Iterator[tuple[Chunk, RecordsResult]]:
    """Each chunk with its result, in file order: examined in place without workers, else the
    first in place and the others in `workers` processes, a few queued ahead."""
    waiting: deque[Chunk] = deque()

    def jobs() -> Iterator[RecordJob]:
        for piece in pieces:
            waiting.append(piece)
            yield piece.job

    if workers <= 0:
        for job in jobs():
            if cancelled():
                return
            yield waiting.popleft(), examine_records(job)
        return
    for result in in_order(jobs(), examine_records, workers, cancelled, stop=_failed):
        yield waiting.popleft(), result


def _failed(result: RecordsResult) -> bool:
    """A chunk whose examination raised: nothing after it is awaited."""
    return result.error is not None
