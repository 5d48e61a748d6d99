"""Import a JSONL file into the store: streamed, committed in batches, resumable after a kill."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from tuiapp.data.base_models import base_model
from tuiapp.data.examine import Examined, examine
from tuiapp.data.formats.detect import needs_conversion, sniff, target_format
from tuiapp.data.formats.records import converted_records
from tuiapp.data.formats.tables import TABLES
from tuiapp.data.jsonl import FileNotes, line_ending_problems, read_lines
from tuiapp.data.tokens import TokenCounter
from tuiapp.data.validate import MIN_EXAMPLES
from tuiapp.problems import Problem
from tuiapp.services.identity import Identity, identify
from tuiapp.services.import_workers import (
    PARALLEL_FROM_BYTES,
    RangeJob,
    examined_ranges,
    import_workers,
    split_ranges,
    token_counter,
)
from tuiapp.services.record_workers import RecordJob, chunks, examined_chunks
from tuiapp.store import Store
from tuiapp.store.carried import carry_decisions
from tuiapp.store.datasets import (
    commit_batch,
    create_dataset,
    finish_import,
    get_dataset,
    previous_dataset,
)
from tuiapp.store.example_reads import valid_count
from tuiapp.store.examples import count_examples
from tuiapp.store.records import Dataset
from tuiapp.store.sources import add_sources, stored_source_format
from tuiapp.store.targeted import carry_targeted

FIRST_BATCH = 200  # small, so the first page is on screen at once
BATCH = 5_000


@dataclass(frozen=True)
class ImportProgress:
    """How far an import got: examples stored and bytes read of the file."""

    dataset_id: int
    examples: int
    bytes_read: int
    file_size: int
    done: bool = False


def open_dataset(
    store: Store,
    path: str | Path,
    model: str | None = None,
    identity: Identity | None = None,
    source_format: str | None = None,
) -> Dataset:
    """The stored dataset with this file's bytes (wherever it was seen), else a new one to
    import; a changed copy of a reviewed file gets the decisions of its unchanged lines
    (see `tuiapp.services.identity` for what changed and what would not carry over). `identity`
    spares hashing and comparing again when the caller already looked; `source_format` forces
    the format the file is read in (else it is detected from the first records)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    identity = identity or identify(store, path)
    if identity.dataset is not None:
        return identity.dataset
    previous = identity.change.reviewed.id if identity.change else None
    fmt = target_format(path, source_format or sniff(path))
    return create_dataset(store, path, base_model(model).name, fmt, identity.sha256, previous)


def run_import(
    store: Store,
    dataset_id: int,
    cancelled: Callable[[], bool] = lambda: False,
    source_format: str | None = None,
    workers: int | None = None,
) -> Iterator[ImportProgress]:
    """Import (or resume importing) a dataset, yielding progress after each committed batch;
    a file that is not OpenAI JSONL is converted record by record (`source_format`, else the
    format it was converted from so far, else the one detected), in this process. A big JSONL
    file is examined in `workers` processes (default: `import_workers`, from its size and the
    free cores; 0: in this process), with the same rows, problems and line numbers."""
    dataset = get_dataset(store, dataset_id)
    source = source_format or stored_source_format(store, dataset_id) or sniff(dataset.path)
    if needs_conversion(dataset.path, source):
        yield from _run_converted(store, dataset, source, cancelled, workers)
        return
    model = base_model(dataset.base_model)
    counter = TokenCounter(model.encoding)
    idx = count_examples(store, dataset_id)
    start, line_base = dataset.bytes_read, dataset.lines
    if idx == 0:
        start = line_base = 0
    if workers is None:
        workers = import_workers(dataset.file_size - start)
    if workers > 0:
        yield from _run_parallel(store, dataset, idx, start, line_base, workers, cancelled)
        return
    notes = FileNotes()
    batch: list[Examined] = []
    limit = FIRST_BATCH if idx == 0 else BATCH
    at: int | None = None  # the line being examined, named if examining it fails
    try:
        for raw in read_lines(dataset.path, notes, start=start):
            if cancelled():
                return
            at = raw.number + line_base
            result = examine(raw, dataset.format, counter, model.token_limit)
            at = None
            result.line += line_base
            for i, p in enumerate(result.problems):
                result.problems[i] = Problem(p.kind, result.line, p.path, p.message)
            batch.append(result)
            if len(batch) >= limit:
                idx = commit_batch(
                    store, dataset_id, idx, batch, line_base + notes.lines, start + notes.bytes_read
                )
                batch, limit = [], BATCH
                yield ImportProgress(dataset_id, idx, start + notes.bytes_read, dataset.file_size)
        idx = commit_batch(
            store, dataset_id, idx, batch, line_base + notes.lines, start + notes.bytes_read
        )
    except OSError as err:
        finish_import(store, dataset_id, [], error=f"{dataset.path}: {err.strerror or err}")
        raise
    except Exception as err:  # stored, so that the dataset says why instead of crashing again
        where = f"{dataset.path}, line {at}" if at is not None else dataset.path
        finish_import(store, dataset_id, [], error=f"{where}: {type(err).__name__}: {err}")
        raise
    yield _finish(store, dataset, idx, notes, line_base)


def _run_parallel(
    store: Store,
    dataset: Dataset,
    idx: int,
    start: int,
    line_base: int,
    workers: int,
    cancelled: Callable[[], bool],
) -> Iterator[ImportProgress]:
    """The import loop with the lines examined in worker processes, a byte range each: here
    only the line numbers are made absolute and the rows inserted, one batch per range."""
    model = base_model(dataset.base_model)
    path, size = str(dataset.path), dataset.file_size
    jobs = (
        RangeJob(path, a, b, dataset.format, model.encoding, model.token_limit)
        for a, b in split_ranges(path, start, size)
    )
    notes = FileNotes()  # line numbers from 1 at `start`, as the one-process loop counts them
    try:
        for part in examined_ranges(jobs, workers, cancelled):
            if cancelled():
                return
            base = line_base + notes.lines
            for row in part.rows:
                row.line += base
                row.problems = [Problem(p.kind, row.line, p.path, p.message) for p in row.problems]
            notes.blank_lines += [notes.lines + n for n in part.blank_lines]
            notes.crlf_lines += part.crlf_lines
            notes.cr_lines += part.cr_lines
            if part.error is not None:
                at = None if part.failed_at is None else base + part.failed_at
                raise _RangeFailed(at, part.error)
            notes.lines += part.lines
            notes.bytes_read = part.end - start
            idx = commit_batch(store, dataset.id, idx, part.rows, line_base + notes.lines, part.end)
            yield ImportProgress(dataset.id, idx, part.end, size)
    except _RangeFailed as failed:
        err = failed.error
        if isinstance(err, OSError):
            finish_import(store, dataset.id, [], error=f"{path}: {err.strerror or err}")
        else:
            where = f"{path}, line {failed.at}" if failed.at is not None else path
            finish_import(store, dataset.id, [], error=f"{where}: {type(err).__name__}: {err}")
        raise err from None
    except OSError as err:
        finish_import(store, dataset.id, [], error=f"{path}: {err.strerror or err}")
        raise
    except Exception as err:  # stored, so that the dataset says why instead of crashing again
        finish_import(store, dataset.id, [], error=f"{path}: {type(err).__name__}: {err}")
        raise
    yield _finish(store, dataset, idx, notes, line_base)


class _RangeFailed(Exception):
    """Examining a range raised: the error, and the (absolute) line it was examining."""

    def __init__(self, at: int | None, error: BaseException) -> None:
        super().__init__(str(error))
        self.at, self.error = at, error


def _finish(
    store: Store, dataset: Dataset, idx: int, notes: FileNotes, line_base: int
) -> ImportProgress:
    """Carry decisions over from the file this one replaces, store the file-level problems,
    mark the import complete: the last progress."""
    if (previous := previous_dataset(store, dataset.id)) is not None:
        carry_decisions(store, dataset.id, previous)
        carry_targeted(store, dataset.id, previous)  # the user's own examples, after the file's
    finish_import(store, dataset.id, _file_problems(store, dataset.id, idx, notes, line_base))
    return ImportProgress(dataset.id, idx, dataset.file_size, dataset.file_size, done=True)


def _run_converted(
    store: Store,
    dataset: Dataset,
    source: str,
    cancelled: Callable[[], bool],
    workers: int | None,
) -> Iterator[ImportProgress]:
    """Import a file record by record through its format's conversion, keeping each source
    record; a resumed import skips the records already stored. This process reads and
    converts; a big file's records are checked and counted in `workers` processes (default:
    `import_workers`; a Parquet or Arrow file counts as big, its rows being compressed)."""
    model = base_model(dataset.base_model)
    token_counter(model.encoding)  # loaded once here: forked workers inherit it
    idx = count_examples(store, dataset.id)
    size = dataset.file_size
    if workers is None:
        compressed = source in TABLES and source != "csv"
        workers = import_workers(max(size, PARALLEL_FROM_BYTES) if compressed else size)

    def job(records: tuple[tuple[int, bytes, tuple[Problem, ...]], ...]) -> RecordJob:
        return RecordJob(records, dataset.format, model.encoding, model.token_limit)

    records = converted_records(dataset.path, source, skip=idx)
    pieces = chunks(records, source, size, job, FIRST_BATCH if idx == 0 else BATCH, BATCH)
    at = ""
    try:
        for piece, result in examined_chunks(pieces, workers, cancelled):
            if cancelled():
                return
            if result.error is not None:
                at = piece.where(result.failed_at)
                raise result.error
            add_sources(store, dataset.id, idx, piece.sources)
            idx = commit_batch(store, dataset.id, idx, result.rows, piece.last, piece.read)
            yield ImportProgress(dataset.id, idx, piece.read, size)
    except OSError as err:
        finish_import(store, dataset.id, [], error=f"{dataset.path}: {err.strerror or err}")
        raise
    except Exception as err:  # stored, so that the dataset says why instead of crashing again
        where = f"{dataset.path}, {at}" if at else dataset.path
        finish_import(store, dataset.id, [], error=f"{where}: {type(err).__name__}: {err}")
        raise
    if (previous := previous_dataset(store, dataset.id)) is not None:
        carry_decisions(store, dataset.id, previous)
        carry_targeted(store, dataset.id, previous)  # the user's own examples, after the file's
    finish_import(store, dataset.id, _file_problems(store, dataset.id, idx, FileNotes(), 0))
    yield ImportProgress(dataset.id, idx, size, size, done=True)


def _file_problems(
    store: Store, dataset_id: int, n_examples: int, notes: FileNotes, line_base: int
) -> list[Problem]:
    """File-level problems: blank lines, CRLF, too few valid examples."""
    problems = []
    if notes.blank_lines:
        first = notes.blank_lines[0] + line_base
        problems.append(
            Problem(
                "blank_line",
                first,
                "",
                f"{len(notes.blank_lines)} blank line(s), first at line {first}",
            )
        )
    problems += line_ending_problems(notes)  # CRLF, and lone CRs read as line breaks
    valid = valid_count(store, dataset_id)
    if n_examples == 0:
        problems.append(Problem("empty_file", 0, "", "the file has no examples"))
    elif valid < MIN_EXAMPLES:
        problems.append(
            Problem(
                "too_few_examples",
                0,
                "",
                f"{valid} valid example(s); the API needs at least {MIN_EXAMPLES}",
            )
        )
    return problems
