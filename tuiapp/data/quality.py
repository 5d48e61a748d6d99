"""The data-quality scan of a dataset: duplicates and near-duplicates, personal data, and
consistency/balance, stored as a report plus items that link each finding to its examples."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from typing import Any, overload

import orjson

from tuiapp.data.consistency import Consistency, observe
from tuiapp.data.dedup import DEFAULT_THRESHOLD, conversation_text, find_duplicates
from tuiapp.data.redaction import find_in_example
from tuiapp.store import Store
from tuiapp.store.quality import save_scan

BATCH = 2000


def _parse(text: str) -> Any:
    """The example as JSON, or None when it does not parse."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return None


class StoredTexts(Sequence[str]):
    """The conversation text of every example, read from the store as needed: a scan of a
    million examples streams them instead of holding them all in memory."""

    def __init__(self, store: Store, dataset_id: int) -> None:
        self.store, self.dataset_id = store, dataset_id
        self._n = store.conn.execute(
            "SELECT COALESCE(MAX(idx) + 1, 0) FROM examples WHERE dataset_id = ?", [dataset_id]
        ).fetchone()[0]

    def __len__(self) -> int:
        return int(self._n)

    @staticmethod
    def _text(raw: str) -> str:
        obj = _parse(raw)
        return conversation_text(obj) if isinstance(obj, dict) else raw

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[str]: ...
    def __getitem__(self, i: int | slice) -> str | Sequence[str]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        row = self.store.conn.execute(
            "SELECT COALESCE(edited, original) FROM examples WHERE dataset_id = ? AND idx = ?",
            [self.dataset_id, i],
        ).fetchone()
        return self._text(row[0]) if row else ""

    def __iter__(self) -> Iterator[str]:
        rows = self.store.conn.execute(
            "SELECT COALESCE(edited, original) FROM examples WHERE dataset_id = ? ORDER BY idx",
            [self.dataset_id],
        )
        for (raw,) in rows:
            yield self._text(raw)


def scan_quality(
    store: Store,
    dataset_id: int,
    threshold: float = DEFAULT_THRESHOLD,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, Any]:
    """Scan every example (edits applied), store the results and return the report.

    `progress(stage, done, total)` is called now and then (from the caller's thread)."""
    texts = StoredTexts(store, dataset_id)
    total = len(texts)
    consistency = Consistency()
    pii: dict[str, list[int]] = defaultdict(list)
    rows = store.conn.execute(
        "SELECT idx, COALESCE(edited, original), n_assistant_tokens FROM examples "
        "WHERE dataset_id = ? ORDER BY idx",
        [dataset_id],
    )
    for idx, raw, n_assistant in rows:
        obj = _parse(raw)
        if not isinstance(obj, dict):
            continue
        consistency.add(idx, observe(obj), n_assistant)
        for kind in {located.finding.kind for located in find_in_example(obj)}:
            pii[f"pii:{kind}"].append(idx)
        if progress and idx % BATCH == 0:
            progress("consistency and personal data", idx, total)
    summary = consistency.finish()
    if progress:
        progress("duplicates", 0, total)
    groups = find_duplicates(texts, threshold)
    items: dict[str, list[int]] = {**consistency.items, **pii}
    items["duplicate:exact"] = [m for g in groups if g.exact for m in g.drop]
    items["duplicate:near"] = [m for g in groups if not g.exact for m in g.drop]
    report = {
        "examples": total,
        "threshold": threshold,
        "duplicates": {
            "groups": len(groups),
            "exact_groups": sum(g.exact for g in groups),
            "near_groups": sum(not g.exact for g in groups),
            "to_drop": sum(len(g.drop) for g in groups),
        },
        "pii": {key[4:]: len(members) for key, members in sorted(pii.items())},
        **summary,
    }
    save_scan(store, dataset_id, threshold, report, items, groups)
    return report
