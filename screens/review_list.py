"""The review's list: one dataset's examples, filtered off the event loop, searched and jumped
through by problem. It owns its filter and says when what it shows changed."""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from dataclasses import dataclass, replace

from textual import work
from textual.message import Message

from screens.choice import ChoiceScreen
from screens.prompt import PromptScreen
from tuiapp.problems import KINDS
from tuiapp.store.examples import (
    DUPLICATES,
    ExampleFilter,
    filtered_positions,
    next_with_problem,
    problem_counts,
    rows_at,
)
from tuiapp.store.records import STATUSES, ExampleRow
from tuiapp.widgets.example_list import ExampleList, OnMove
from tuiapp.workspace import workspace_of


@dataclass
class RowsFiltered(Message):
    """The filter worker found the positions to show."""

    flt: ExampleFilter
    positions: array | None
    keep_idx: int | None  # stay on this example (a re-read); None: open on the first match


class ReviewList(ExampleList):
    """The examples of one dataset, all of them or those that pass `flt`."""

    @dataclass
    class Filtered(Message):
        """The rows shown changed: a filter was applied or cleared."""

        flt: ExampleFilter

    def __init__(
        self, dataset_id: int, *, on_move: OnMove | None = None, id: str | None = None
    ) -> None:
        super().__init__(self._rows_at, on_move=on_move, id=id)
        self.dataset_id = dataset_id
        self.flt = ExampleFilter()
        self.total = 0  # examples in the dataset (the import may still add some)

    def _rows_at(self, positions: Iterable[int]) -> dict[int, ExampleRow]:
        """Rows for the list, read from the store."""
        return rows_at(workspace_of(self.app).store, self.dataset_id, positions)

    def show_total(self, total: int) -> None:
        """The dataset holds `total` examples now (the unfiltered list grows with it)."""
        self.total = total
        if self.flt.is_empty:
            self.grow(total)

    # --- filtering ----------------------------------------------------------------------
    def apply_filter(self, flt: ExampleFilter, reread: bool = False) -> None:
        """Show only the examples that pass the filter, from the first match (`reread`: the
        same filter after the rows changed, staying on the current example)."""
        self.flt = flt
        if flt.is_empty:
            self.set_rows(self.total, None, self.current_idx)
            self.post_message(self.Filtered(flt))
            return
        self._find_rows(flt, self.current_idx if reread else None)

    @work(thread=True, exclusive=True, group="filter")
    def _find_rows(self, flt: ExampleFilter, keep_idx: int | None) -> None:
        """Query the filtered positions off the event loop (a search may scan every row)."""
        store = workspace_of(self.app).store.reopen()
        try:
            positions = filtered_positions(store, self.dataset_id, flt)
            self.post_message(RowsFiltered(flt, positions, keep_idx))
        finally:
            store.close()

    def on_rows_filtered(self, message: RowsFiltered) -> None:
        """Show the filtered rows."""
        message.stop()
        if message.flt != self.flt:
            return
        self.set_rows(0, message.positions, message.keep_idx)
        if message.keep_idx is None or self.current_idx != message.keep_idx:
            self.cursor = 0  # a filtered view opens on its first match
        if message.positions is not None and not len(message.positions):
            self.notify(f"No example matches {self.flt.describe()}.", severity="warning")
        self.post_message(self.Filtered(self.flt))

    def filter_by_problem(self, choice: str) -> None:
        """Apply a problem filter: a kind, `sev:N`, or '' for none."""
        kind = None if not choice or choice.startswith("sev:") else choice
        severity = int(choice[4:]) if choice.startswith("sev:") else None
        self.apply_filter(replace(self.flt, kind=kind, min_severity=severity))

    @work
    async def search(self) -> None:
        """Filter by text in the example, its edit or its note."""
        text = await self.app.push_screen_wait(
            PromptScreen("Search examples", self.flt.text or "", placeholder="text to find")
        )
        if text is not None:
            self.apply_filter(replace(self.flt, text=text.strip() or None))

    @work
    async def filter_status(self, counts: dict[str, int]) -> None:
        """Filter by review status (`counts`: how many examples have each)."""
        choices = [("", "all statuses")] + [(s, f"{s} ({counts.get(s, 0):,})") for s in STATUSES]
        status = await self.app.push_screen_wait(ChoiceScreen("Show examples with status", choices))
        if status is not None:
            self.apply_filter(replace(self.flt, status=status or None))

    @work
    async def filter_problem(self) -> None:
        """Filter by problem kind (or any error / any warning)."""
        counts = problem_counts(workspace_of(self.app).store, self.dataset_id)
        choices = [
            ("", "any (no problem filter)"),
            ("sev:2", "any error"),
            ("sev:1", "any problem (warning or error)"),
        ]
        choices += [(k, f"{k} ({n:,}): {KINDS.get(k, (0, ''))[1]}") for k, n in counts.items()]
        choice = await self.app.push_screen_wait(
            ChoiceScreen("Show examples with problem", choices)
        )
        if choice is not None:
            self.filter_by_problem(choice)

    # --- moving -------------------------------------------------------------------------
    def jump_to_problem(self, backwards: bool) -> None:
        """Move to the nearest example with a problem that the list shows."""
        idx = self.current_idx
        start = -1 if idx is None else idx
        while True:
            found = next_with_problem(
                workspace_of(self.app).store, self.dataset_id, start, backwards
            )
            if found is None:
                self.notify("No more problems in that direction.")
                return
            position = self.position_of(found)
            if position is not None:
                self.cursor = position
                return
            start = found

    def past_group(self, members: list[int]) -> None:
        """A duplicate group was resolved: read its rows again and, on the duplicate-groups
        view, move on to the next group."""
        rows = [self.position_of(idx) for idx in members]
        for idx in members:
            self.forget(idx)
        shown = [r for r in rows if r is not None]
        if self.flt.item == DUPLICATES and shown and max(shown) + 1 < self.count:
            self.cursor = max(shown) + 1
