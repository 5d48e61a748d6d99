"""Moving through and filtering the review list: next problem, search, status and problem
filters. The base of the review screen, kept apart so each module stays small."""

from __future__ import annotations

from array import array
from dataclasses import dataclass, replace

from textual import work
from textual.message import Message
from textual.screen import Screen

from screens.choice import ChoiceScreen
from screens.prompt import PromptScreen
from tuiapp.problems import KINDS
from tuiapp.store.examples import (
    ExampleFilter,
    filtered_positions,
    next_with_problem,
    problem_counts,
)
from tuiapp.store.records import STATUSES, Dataset
from tuiapp.widgets.example_list import ExampleList
from tuiapp.workspace import workspace_of


@dataclass
class RowsFiltered(Message):
    """The filter worker found the positions to show."""

    flt: ExampleFilter
    positions: array | None


class FilteredListScreen(Screen[None]):
    """A screen with an ExampleList over one dataset that can be filtered and searched."""

    dataset: Dataset
    flt: ExampleFilter
    counts: dict[str, int]
    total: int

    def _update_status(self) -> None:
        """Redraw the status line (the review screen's)."""

    # --- moving and filtering -----------------------------------------------------------
    def _jump_to_problem(self, backwards: bool) -> None:
        """Move to the nearest example with a problem that the list shows."""
        example_list = self.query_one(ExampleList)
        idx = example_list.current_idx
        start = -1 if idx is None else idx
        while True:
            found = next_with_problem(
                workspace_of(self.app).store, self.dataset.id, start, backwards
            )
            if found is None:
                self.notify("No more problems in that direction.")
                return
            position = example_list.position_of(found)
            if position is not None:
                example_list.cursor = position
                return
            start = found

    def action_next_problem(self) -> None:
        """Next example with a problem."""
        self._jump_to_problem(backwards=False)

    def action_previous_problem(self) -> None:
        """Previous example with a problem."""
        self._jump_to_problem(backwards=True)

    def apply_filter(self, flt: ExampleFilter) -> None:
        """Show only the examples that pass the filter."""
        self.flt = flt
        if flt.is_empty:
            self.query_one(ExampleList).set_rows(self.total, None, self._current_idx())
            self._update_status()
            return
        self._find_rows(flt)

    def _current_idx(self) -> int | None:
        """The idx under the cursor."""
        return self.query_one(ExampleList).current_idx

    @work(thread=True, exclusive=True, group="filter")
    def _find_rows(self, flt: ExampleFilter) -> None:
        """Query the filtered positions off the event loop (a search may scan every row)."""
        store = workspace_of(self.app).store.reopen()
        try:
            self.post_message(RowsFiltered(flt, filtered_positions(store, self.dataset.id, flt)))
        finally:
            store.close()

    def on_rows_filtered(self, message: RowsFiltered) -> None:
        """Show the filtered rows."""
        if message.flt != self.flt:
            return
        self.query_one(ExampleList).set_rows(0, message.positions, self._current_idx())
        if message.positions is not None and not len(message.positions):
            self.notify(f"No example matches {self.flt.describe()}.", severity="warning")
        self._update_status()

    @work
    async def action_search(self) -> None:
        """Filter by text in the example, its edit or its note."""
        text = await self.app.push_screen_wait(
            PromptScreen("Search examples", self.flt.text or "", placeholder="text to find")
        )
        if text is not None:
            self.apply_filter(replace(self.flt, text=text.strip() or None))

    @work
    async def action_filter_status(self) -> None:
        """Filter by review status."""
        choices = [("", "all statuses")] + [
            (s, f"{s} ({self.counts.get(s, 0):,})") for s in STATUSES
        ]

        status = await self.app.push_screen_wait(ChoiceScreen("Show examples with status", choices))
        if status is not None:
            self.apply_filter(replace(self.flt, status=status or None))

    @work
    async def action_filter_problem(self) -> None:
        """Filter by problem kind (or any error / any warning)."""
        counts = problem_counts(workspace_of(self.app).store, self.dataset.id)
        choices = [
            ("", "any (no problem filter)"),
            ("sev:2", "any error"),
            ("sev:1", "any problem (warning or error)"),
        ]
        choices += [(k, f"{k} ({n:,}): {KINDS.get(k, (0, ''))[1]}") for k, n in counts.items()]

        choice = await self.app.push_screen_wait(
            ChoiceScreen("Show examples with problem", choices)
        )
        if choice is None:
            return
        self.filter_by_problem(choice)

    def filter_by_problem(self, choice: str) -> None:
        """Apply a problem filter: a kind, `sev:N`, or '' for none."""
        kind = None if not choice or choice.startswith("sev:") else choice
        severity = int(choice[4:]) if choice.startswith("sev:") else None
        self.apply_filter(replace(self.flt, kind=kind, min_severity=severity))

    def action_clear_filter(self) -> None:
        """Show every example again."""
        self.apply_filter(ExampleFilter())
