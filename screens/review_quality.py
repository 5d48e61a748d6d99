"""Data quality inside the review, as a widget without a face: the quality report, duplicate
groups with keep-one, and redaction of personal data. The review screen calls it; it answers
by messages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual import work
from textual.message import Message
from textual.widget import Widget

from tuiapp.data.examine import Examined
from tuiapp.data.quality_report import ItemKey
from tuiapp.services.edits import examiner
from tuiapp.store.datasets import get_dataset
from tuiapp.store.examples import DUPLICATES, ExampleFilter, get_example
from tuiapp.store.quality import duplicate_group, load_scan
from tuiapp.store.records import Example
from tuiapp.store.review import keep_only
from tuiapp.workspace import workspace_of


class QualityActions(Widget):
    """The review's quality keys for one dataset."""

    DEFAULT_CSS = "QualityActions { display: none; }"

    @dataclass
    class FilterWanted(Message):
        """The user chose a set of examples (in the quality report) to see in the list."""

        flt: ExampleFilter

    def __init__(self, dataset_id: int) -> None:
        super().__init__()
        self.dataset_id = dataset_id
        self._examiner: Callable[[str, int], Examined] | None = None

    def examine(self, text: str, line: int) -> Examined:
        """Check and count a text in this dataset's format and model."""
        if self._examiner is None:
            self._examiner = examiner(get_dataset(workspace_of(self.app).store, self.dataset_id))
        return self._examiner(text, line)

    # --- actions ------------------------------------------------------------------------
    @work
    async def open_report(self) -> None:
        """Open the quality report; a row chosen there is wanted in the list."""
        item = await workspace_of(self.app).nav.quality(self.dataset_id)
        key = ItemKey.parse(item) if item else None
        if key is not None and key.family == "tag":
            self.post_message(self.FilterWanted(ExampleFilter(tag=key.value)))
        elif item:
            self.post_message(self.FilterWanted(ExampleFilter(item=item)))

    def show_duplicates(self) -> None:
        """Want the duplicate groups in the list, one after another (scanning first if needed)."""
        if load_scan(workspace_of(self.app).store, self.dataset_id) is None:
            self.notify("Scanning for duplicates first: choose 'duplicate groups' when done.")
            self.open_report()
            return
        self.post_message(self.FilterWanted(ExampleFilter(item=DUPLICATES)))

    def keep_one(self, example: Example) -> list[int] | None:
        """Keep `example` and reject the rest of its duplicate group; the group's idxs (None
        when it is in no group)."""
        store = workspace_of(self.app).store
        group = duplicate_group(store, self.dataset_id, example.idx)
        if group is None:
            self.notify("This example is in no duplicate group (D lists the groups).")
            return None
        others = [get_example(store, self.dataset_id, m.idx) for m in group.members]
        keep_only(store, example, [o for o in others if o and o.idx != example.idx])
        self.notify(f"Kept line {example.line}; rejected {len(others) - 1} (u undoes).")
        return [m.idx for m in group.members]
