"""Export the accepted (and edited) examples of a dataset as clean JSONL."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import orjson

from tuiapp.data.problems import Severity
from tuiapp.store import Store
from tuiapp.store.examples import iter_examples


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote and what it left out."""

    path: Path
    written: int
    skipped_invalid: list[int]  # line numbers of accepted examples that still have errors


def export_accepted(store: Store, dataset_id: int, out: str | Path) -> ExportResult:
    """Write accepted examples (edits applied) as one compact JSON object per line.

    Accepted examples that still have errors are left out and listed, so the file always
    passes `tuiapp validate`. The file appears only when complete (written, then renamed)."""
    out = Path(out)
    tmp = out.with_name(out.name + ".part")
    written, skipped = 0, []
    with open(tmp, "wb") as handle:
        for example in iter_examples(store, dataset_id, status="accepted"):
            if example.severity is Severity.ERROR:
                skipped.append(example.line)
                continue
            handle.write(orjson.dumps(orjson.loads(example.text)) + b"\n")
            written += 1
    os.replace(tmp, out)
    return ExportResult(out, written, skipped)
