"""The data-quality scan of a dataset: duplicates and near-duplicates, personal data, and
consistency/balance, stored as a report plus items that link each finding to its examples
(edits and redactions that keep those items current are in `tuiapp.services.edits`)."""

from __future__ import annotations

import multiprocessing
import os
import sys
from array import array
from collections import defaultdict, deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import overload

from tuiapp.data.consistency import Consistency, observe
from tuiapp.data.dedup import (
    DEFAULT_THRESHOLD,
    DuplicateGroup,
    Fingerprints,
    exact_key,
    find_duplicates,
    jaccard,
)
from tuiapp.data.quality import comparable_text, parse_example, scan_ranges
from tuiapp.data.quality_checks import new_checks, registered
from tuiapp.data.quality_report import DuplicateSummary, ItemKey, QualityReport
from tuiapp.data.redaction import find_in_example
from tuiapp.processes import die_with_parent
from tuiapp.store import Store, open_store
from tuiapp.store.example_reads import (
    current_text,
    iter_current_texts,
    iter_scan_rows,
    position_count,
)
from tuiapp.store.quality import GroupMember, save_scan

PARALLEL_MIN = 20_000  # fewer examples than this are scanned in this process
MAX_WORKERS = 4
RANGE_MAX = 25_000  # examples per range at most: a range's fingerprints are 6.6 MB
Job = tuple[str, int, int, int, tuple[str, ...]]  # database, dataset, start, stop, checks


class StoredTexts(Sequence[str]):
    """The conversation text of every example, read from the store as needed: a scan of a
    million examples streams them instead of holding them all in memory."""

    def __init__(self, store: Store, dataset_id: int) -> None:
        self.store, self.dataset_id = store, dataset_id
        self._n = position_count(store, dataset_id)

    def __len__(self) -> int:
        return int(self._n)

    @staticmethod
    def _text(raw: str) -> str:
        return comparable_text(parse_example(raw), raw)

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[str]: ...
    def __getitem__(self, i: int | slice) -> str | Sequence[str]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        text = current_text(self.store, self.dataset_id, i)
        return self._text(text) if text is not None else ""

    def __iter__(self) -> Iterator[str]:
        for raw in iter_current_texts(self.store, self.dataset_id):
            yield self._text(raw)


def group_members(texts: Sequence[str], groups: list[DuplicateGroup]) -> list[GroupMember]:
    """Each member of each group, compared with the group's kept example."""
    members = []
    for number, group in enumerate(groups):
        kept = texts[group.keep]
        members.append(GroupMember(number, group.keep, True, True, 1.0))
        for idx in group.drop:
            text = texts[idx]
            exact = exact_key(text) == exact_key(kept)
            members.append(GroupMember(number, idx, False, exact, jaccard(kept, text)))
    return members


@dataclass
class RangeScan:
    """What one range of examples contributed (picklable: worker processes return it)."""

    consistency: Consistency
    pii: dict[str, array[int]]
    prints: Fingerprints


def _positions() -> array[int]:
    """A compact list of example positions."""
    return array("q")


def scan_range(job: Job) -> RangeScan:
    """Consistency, personal data and fingerprints of the examples with start <= idx < stop
    (run in this process or a worker; opens its own connection; `checks` names the registered
    quality checks, so a worker runs the same ones)."""
    db_path, dataset_id, start, stop, checks = job
    store = open_store(db_path)
    consistency = Consistency(checks=new_checks(checks))
    pii: dict[str, array[int]] = defaultdict(_positions)
    texts: list[str] = []
    try:
        for row in iter_scan_rows(store, dataset_id, start, stop):
            obj = parse_example(row.text)
            texts.append(comparable_text(obj, row.text))
            if not isinstance(obj, dict):
                continue
            consistency.add(row.idx, obj, observe(obj), row.n_assistant_tokens)
            for kind in {located.finding.kind for located in find_in_example(obj)}:
                pii[str(ItemKey("pii", kind))].append(row.idx)
    finally:
        store.close()
    return RangeScan(consistency, dict(pii), Fingerprints.of(texts, len(texts)))


def _start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker with the real stderr. Inside the TUI,
    sys.stderr is Textual's capture whose fileno() is not a usable descriptor, and the
    tracker (started with the first worker) would fail with 'bad value(s) in fds_to_keep'."""
    from multiprocessing import resource_tracker

    saved = sys.stderr
    try:
        sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        sys.stderr = sys.__stderr__
    else:
        if saved.fileno() < 0:
            sys.stderr = sys.__stderr__
    try:
        resource_tracker.ensure_running()
    finally:
        sys.stderr = saved


def _in_order(
    pool: ProcessPoolExecutor, jobs: list[Job], ahead: int
) -> Iterator[tuple[Job, RangeScan]]:
    """Each job with its result, in order, with at most `ahead` jobs submitted and not yet
    taken (pool.map would submit them all, and finished ranges would pile up in memory)."""
    queued: deque[tuple[Job, Future[RangeScan]]] = deque()
    for job in jobs:
        queued.append((job, pool.submit(scan_range, job)))
        if len(queued) >= ahead:
            first, future = queued.popleft()
            yield first, future.result()
    while queued:
        first, future = queued.popleft()
        yield first, future.result()


def scan_quality(
    store: Store,
    dataset_id: int,
    threshold: float = DEFAULT_THRESHOLD,
    progress: Callable[[str, int, int], None] | None = None,
    workers: int | None = None,
) -> QualityReport:
    """Scan every example (edits applied), store the results and return the report.

    Big datasets are read in ranges by worker processes (spawned, not forked: the TUI has
    threads); `progress(stage, done, total)` is called as ranges finish."""
    texts = StoredTexts(store, dataset_id)
    total = len(texts)
    workers = workers or (min(os.cpu_count() or 1, MAX_WORKERS) if total >= PARALLEL_MIN else 1)
    checks = registered()
    parts = max(workers * 4 if workers > 1 else 1, -(-total // RANGE_MAX))
    jobs = [
        (str(store.path), dataset_id, start, stop, checks)
        for start, stop in scan_ranges(total, parts)
    ]
    consistency = Consistency(checks=new_checks(checks))
    pii: dict[str, array[int]] = defaultdict(_positions)
    prints = Fingerprints.empty(total)  # each range's part is copied in, then dropped

    def merge(part: RangeScan, start: int, stop: int) -> None:
        consistency.merge(part.consistency)
        for key, members in part.pii.items():
            pii[key].extend(members)
        prints.signatures[start:stop] = part.prints.signatures
        prints.digests[start:stop] = part.prints.digests
        if progress:
            progress("consistency, personal data and fingerprints", stop, total)

    if workers > 1:
        _start_resource_tracker()
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(workers, mp_context=context, initializer=die_with_parent) as pool:
            for job, part in _in_order(pool, jobs, workers + 1):
                merge(part, job[2], job[3])
    else:
        for job in jobs:
            merge(scan_range(job), job[2], job[3])
    summary = consistency.finish()
    if progress:
        progress("duplicates", 0, total)
    groups = find_duplicates(texts, threshold, prints)
    items: dict[str, Sequence[int]] = {**consistency.items, **pii}
    members = group_members(texts, groups)
    items["duplicate:exact"] = [m.idx for m in members if m.exact and not m.keep]
    items["duplicate:near"] = [m.idx for m in members if not m.exact and not m.keep]
    report = QualityReport(
        examples=total,
        threshold=threshold,
        duplicates=DuplicateSummary(
            groups=len(groups),
            exact_groups=sum(g.exact for g in groups),
            near_groups=sum(not g.exact for g in groups),
            to_drop=sum(len(g.drop) for g in groups),
            exact_to_drop=len(items["duplicate:exact"]),
            near_to_drop=len(items["duplicate:near"]),
        ),
        pii={ItemKey.parse(key).value: len(found) for key, found in sorted(pii.items())},
        consistency=summary,
    )
    save_scan(store, dataset_id, threshold, report.to_dict(), items, members)
    return report
