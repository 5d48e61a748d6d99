"""Edits of stored examples: checked and counted again the way the dataset's import did, with
their personal-data items kept current; redaction (one example, a plan over many, or every
certain finding) and swapping a preference pair, as edits that keep the original."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import orjson

from tuiapp.data.base_models import base_model
from tuiapp.data.examine import Examined, examine_text
from tuiapp.data.quality import parse_example, pii_kinds
from tuiapp.data.redaction import Located, RedactionPlan, redact_example
from tuiapp.data.tokens import TokenCounter
from tuiapp.store import Store
from tuiapp.store.examples import get_example
from tuiapp.store.quality import pii_positions, replace_pii_items
from tuiapp.store.records import Dataset, Example
from tuiapp.store.review import Undone, new_batch, save_edit, store_checks, undo_last

Examiner = Callable[[str, int], Examined]


def examiner(dataset: Dataset) -> Examiner:
    """Check and count an edited text the way the dataset's import did (format, model)."""
    model = base_model(dataset.base_model)
    counter = TokenCounter(model.encoding)
    return lambda text, line: examine_text(text, line, dataset.format, counter, model.token_limit)


def apply_edit(store: Store, example: Example, result: Examined, batch: int | None = None) -> None:
    """Store an edit (the original is kept) with its checks, counts and PII items."""
    save_edit(store, example, result, batch)
    replace_pii_items(store, example.dataset_id, example.idx, pii_kinds(result.text))


def recheck(store: Store, example: Example, examine: Examiner) -> None:
    """After an example's text changed (edit, undo): its problems, counts and PII items."""
    store_checks(store, example, examine(example.text, example.line))
    replace_pii_items(store, example.dataset_id, example.idx, pii_kinds(example.text))


def undo(store: Store, dataset_id: int, examine: Examiner) -> Undone | None:
    """Take back the newest change or batch (see `undo_last`); the texts an undone edit
    restored get their checks, counts and personal-data items again."""
    undone = undo_last(store, dataset_id)
    if undone is not None and undone.field == "edited":
        for idx in undone.changed or []:  # an edit batch always lists its positions
            if (restored := get_example(store, dataset_id, idx)) is not None:
                recheck(store, restored, examine)
    return undone


def swap_preference(store: Store, example: Example, examine: Examiner) -> Examined | None:
    """Swap a preference example's preferred and non-preferred outputs, as an edit that keeps
    the original (`u` undoes it). None when the example is not a preference pair."""
    obj = parse_example(example.text)
    if not isinstance(obj, dict) or not {"preferred_output", "non_preferred_output"} <= set(obj):
        return None
    swapped = {
        **obj,
        "preferred_output": obj["non_preferred_output"],
        "non_preferred_output": obj["preferred_output"],
    }
    result = examine(orjson.dumps(swapped).decode(), example.line)
    apply_edit(store, example, result)
    return result


def redact_stored(
    store: Store,
    example: Example,
    examine: Examiner,
    only: Located | None = None,
    batch: int | None = None,
    keep: Callable[[Located], bool] | None = None,
) -> Examined | None:
    """Replace personal data in an example (all of it, just `only`, or what `keep` chooses) as
    an edit that keeps the original line; its PII items follow. None when nothing changed."""
    obj = parse_example(example.text)
    if not isinstance(obj, dict):
        return None
    redacted = redact_example(obj, only, keep)
    if redacted == obj:
        return None
    result = examine(orjson.dumps(redacted).decode(), example.line)
    apply_edit(store, example, result, batch)
    return result


def _redactable(
    store: Store, dataset: Dataset, positions: Iterable[int] | None
) -> Iterator[tuple[Example, dict[str, Any]]]:
    """Examples the scan found personal data in, not rejected (or those at `positions`, as
    they are: the user chose them)."""
    for idx in pii_positions(store, dataset.id) if positions is None else positions:
        example = get_example(store, dataset.id, idx)
        if example is None or (positions is None and example.status == "rejected"):
            continue
        obj = parse_example(example.text)
        if isinstance(obj, dict):
            yield example, obj


def plan_redaction(
    store: Store, dataset: Dataset, positions: Iterable[int] | None = None
) -> RedactionPlan:
    """What redaction would change, per kind, with examples: in every example the scan found
    personal data in (rejected ones left out), or in those at `positions`."""
    plan = RedactionPlan()
    for example, obj in _redactable(store, dataset, positions):
        plan.add(example.idx, example.line, obj)
    return plan


def apply_redaction(
    store: Store,
    dataset: Dataset,
    plan: RedactionPlan,
    groups: set[str],
    skip: set[str] | frozenset[str] = frozenset(),
) -> int:
    """Replace the planned findings of the picked groups, less the skipped items, as one batch
    of edits (one undo takes it all back). Returns how many examples changed."""
    chosen = plan.chosen(groups, skip)
    positions = sorted({int(key.split(":", 1)[0]) for key in chosen})
    examine = examiner(dataset)
    batch = new_batch(store)
    changed = 0
    for example, _obj in _redactable(store, dataset, positions):

        def keep(located: Located, idx: int = example.idx) -> bool:
            return located.key(idx) in chosen

        changed += redact_stored(store, example, examine, batch=batch, keep=keep) is not None
    return changed


def redact_dataset(store: Store, dataset: Dataset) -> int:
    """Redact what the plan picks by default (findings with a caveat, inside a URL or a
    fictional 555 number, stay); one undo takes it all back. Returns how many changed."""
    plan = plan_redaction(store, dataset)
    return apply_redaction(store, dataset, plan, plan.default_groups())
