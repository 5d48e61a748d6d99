"""Bulk decisions inside the review, as a widget without a face: accept, reject or flag every
example a filter shows, after saying how many and asking; one batch, so one `u` undoes it."""

from __future__ import annotations

from dataclasses import dataclass

from textual import work
from textual.message import Message
from textual.widget import Widget

from screens.confirm import ConfirmScreen
from tuiapp.store.examples import ExampleFilter
from tuiapp.store.review import count_bulk, set_status_where
from tuiapp.workspace import workspace_of

VERBS = {"accepted": ("accept", "Accepted"), "rejected": ("reject", "Rejected")}
VERBS["flagged"] = ("flag", "Flagged")
CLEAN = ExampleFilter(max_severity=1)  # every example without errors
ERRORS = ExampleFilter(min_severity=2)  # every example with errors


class BulkDecisions(Widget):
    """The review's bulk keys for one dataset."""

    DEFAULT_CSS = "BulkDecisions { display: none; }"

    @dataclass
    class Decided(Message):
        """A bulk decision was stored: `changed` examples got `status`."""

        status: str
        changed: int

    def __init__(self, dataset_id: int) -> None:
        super().__init__()
        self.dataset_id = dataset_id

    def decide_shown(self, status: str, flt: ExampleFilter) -> None:
        """Give every example the list's filter shows this status (asks first)."""
        self.decide(status, flt, "in the dataset" if flt.is_empty else f"shown ({flt.describe()})")

    def decide_all(self, status: str, which: str) -> None:
        """`clean`: every example without errors, else every one with errors (asks first)."""
        clean = which == "clean"
        self.decide(
            status, CLEAN if clean else ERRORS, "without errors" if clean else "with errors"
        )

    @work(exclusive=True, group="bulk")
    async def decide(self, status: str, flt: ExampleFilter, what: str) -> None:
        """Count, ask, then give every example `flt` shows this status as one batch."""
        store = workspace_of(self.app).store
        count = count_bulk(store, self.dataset_id, flt, status)
        verb, done = VERBS[status]
        if not count.to_change:
            self.notify(f"All {count.shown:,} examples {what} are {status} already.")
            return
        already = count.shown - count.to_change
        body = (
            f"{verb.capitalize()} {count.to_change:,} examples {what}"
            + (f" ({already:,} of the {count.shown:,} are {status} already)" if already else "")
            + ".\nOne u undoes the whole batch."
        )
        title = f"{verb.capitalize()} {count.to_change:,} examples?"
        if not await self.app.push_screen_wait(ConfirmScreen(title, body, yes=verb.capitalize())):
            return
        changed = set_status_where(store, self.dataset_id, flt, status)
        self.post_message(self.Decided(status, changed))
        self.notify(f"{done} {changed:,} examples: u undoes them all.")
