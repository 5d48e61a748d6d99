"""Hostile input through `tuiapp validate`, the import, the review screen's view of the hostile
line and the quality scan: crashes, hangs, wrong line numbers and silently accepted invalid
lines, counted in files (the goal is 0 / 0 / 0 / 0).

Usage: python -m benchmarks.fuzz_inputs [N] [--seed S] [--timeout SECONDS]
(default 2,200 files, checked in a worker process that is killed past the per-file timeout).
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import tempfile
import time
from collections import Counter
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console

from benchmarks.fuzz_cases import Case
from benchmarks.fuzz_files import cases
from tuiapp.data.validate import FileSummary, validate_file
from tuiapp.problems import Severity
from tuiapp.services.importer import open_dataset, run_import
from tuiapp.services.quality import scan_quality
from tuiapp.store import Store, open_store
from tuiapp.store.datasets import get_dataset
from tuiapp.store.examples import iter_examples
from tuiapp.store.records import Example
from tuiapp.widgets.conversation import render_example

FILE_LEVEL = {"empty_file", "too_few_examples"}
OUTCOMES = ("crash", "hang", "wrong_line", "silent")


def _error_lines(summary: FileSummary) -> set[int]:
    """Lines validate reported an error on."""
    return {
        line
        for kind, lines in summary.first_lines.items()
        if kind not in FILE_LEVEL and summary.format_errors.get(kind)
        for line in lines
    }


def _judge(stage: str, case: Case, errors: set[int], file_kinds: set[str]) -> list[str]:
    """Findings of one stage: the bad line not reported, or other lines reported."""
    found = []
    if case.bad_line == 0:
        if "empty_file" not in file_kinds:
            found.append(f"silent {stage}: no empty_file")
    elif case.bad_line is not None and case.bad_line not in errors:
        found.append(f"silent {stage}: line {case.bad_line} accepted")
    wrong = errors - {case.bad_line}
    if wrong:
        found.append(f"wrong_line {stage}: errors at {sorted(wrong)[:5]}, not {case.bad_line}")
    return found


def _crash(stage: str, err: BaseException) -> list[str]:
    """A finding for an exception that escaped."""
    return [f"crash {stage}: {type(err).__name__}: {str(err)[:120]}"]


def _render(example: Example) -> None:
    """Draw an example as the review screen does (into a string, no terminal)."""
    try:
        obj = orjson.loads(example.text)
    except orjson.JSONDecodeError:
        obj = None
    Console(file=io.StringIO(), width=100).print(render_example(example, obj))


def check_case(case: Case, path: Path, store: Store) -> list[str]:
    """What went wrong with one file, written to path, in validate, import and scan."""
    expected_lines = len(case.data.splitlines())
    try:
        summary = validate_file(path, workers=1)
    except (Exception, BaseException) as err:  # noqa: BLE001 - tiktoken panics are BaseException
        if isinstance(err, KeyboardInterrupt):
            raise
        return _crash("validate", err)
    found = _judge("validate", case, _error_lines(summary), set(summary.format_errors))
    if case.bad_line != 0 and summary.lines != expected_lines:
        found.append(f"wrong_line validate: {summary.lines} lines, not {expected_lines}")
    try:
        dataset = open_dataset(store, path)
        for _ in run_import(store, dataset.id):
            pass
        dataset = get_dataset(store, dataset.id)
        rows = list(iter_examples(store, dataset.id))
    except (Exception, BaseException) as err:  # noqa: BLE001
        if isinstance(err, KeyboardInterrupt):
            raise
        return [*found, *_crash("import", err)]
    errors = {row.line for row in rows if row.severity >= Severity.ERROR}
    found += _judge("import", case, errors, {p.kind for p in dataset.file_problems})
    try:
        for example in rows:
            if example.line == case.bad_line:  # the review screen's view of the hostile line
                _render(example)
    except (Exception, BaseException) as err:  # noqa: BLE001
        if isinstance(err, KeyboardInterrupt):
            raise
        found += _crash("review view", err)
    try:
        scan_quality(store, dataset.id, workers=1)
    except (Exception, BaseException) as err:  # noqa: BLE001
        if isinstance(err, KeyboardInterrupt):
            raise
        found += _crash("scan", err)
    return found


def _lane(conn: Connection, folder: str) -> None:
    """A worker process: check each case it is sent, answer with the findings."""
    store = open_store(Path(folder) / "fuzz.db")
    while (message := conn.recv()) is not None:
        number, case = message
        path = Path(folder) / f"case{number:05d}.jsonl"
        path.write_bytes(case.data)
        conn.send(check_case(case, path, store))
        path.unlink()


class Lane:
    """One worker process, restarted after a hang."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self._start()

    def _start(self) -> None:
        context = multiprocessing.get_context("fork")
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_lane, args=(child, self.folder), daemon=True)
        self.process.start()

    def check(self, number: int, case: Case, timeout: float) -> list[str]:
        """The findings for one case, or a hang when it takes longer than timeout."""
        self.conn.send((number, case))
        if self.conn.poll(timeout):
            try:
                return list(self.conn.recv())
            except EOFError:
                self._start()
                return ["crash process: the worker died"]
        self.process.kill()
        self.process.join()
        self._start()
        return [f"hang: over {timeout:.0f} s"]

    def close(self) -> None:
        """Stop the worker."""
        self.conn.send(None)
        self.process.join(5)


def run(n: int, seed: int, timeout: float) -> dict[str, Any]:
    """Check n generated files; the counts per outcome and the first examples of each."""
    counts: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}
    with tempfile.TemporaryDirectory() as folder:
        lane = Lane(folder)
        started = time.perf_counter()
        for number, case in enumerate(cases(seed, n)):
            seen = set()
            for finding in lane.check(number, case, timeout):
                outcome = finding.split(" ", 1)[0].rstrip(":")
                if outcome in seen:
                    continue
                seen.add(outcome)
                counts[outcome] += 1  # files, not findings
                kept = examples.setdefault(outcome, [])
                if len(kept) < 8:
                    kept.append(f"#{number} {case.name}: {finding}")
        lane.close()
    return {
        "files": n,
        "seconds": round(time.perf_counter() - started, 1),
        **{outcome: counts[outcome] for outcome in OUTCOMES},
        "examples": examples,
    }


def main() -> None:
    """Parse the arguments, run, print the counts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=2200)
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()
    result = run(args.n, args.seed, args.timeout)
    print(
        f"{result['files']} hostile files in {result['seconds']} s: "
        + " / ".join(f"{result[o]} {o.replace('_', ' ')}" for o in OUTCOMES)
    )
    for outcome, shown in result["examples"].items():
        print(f"\n{outcome}:")
        for line in shown:
            print(f"  {line}")


if __name__ == "__main__":
    main()
