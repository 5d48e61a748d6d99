"""Data quality inside the review: the quality report, duplicate groups with keep-one,
personal data shown and redacted, and the dataset's frozen versions. A base of the review
screen, kept apart so each module stays small."""

from __future__ import annotations

from typing import Any

import orjson
from rich.text import Text
from textual import work

from screens.choice import ChoiceScreen
from screens.review_filters import FilteredListScreen
from tuiapp.data.examine import Examined
from tuiapp.data.redaction import find_in_example
from tuiapp.services.quality import examiner, redact_stored
from tuiapp.store.example_reads import lines_at
from tuiapp.store.examples import DUPLICATES, ExampleFilter, get_example, status_counts
from tuiapp.store.quality import duplicate_group, load_scan
from tuiapp.store.records import Example
from tuiapp.store.review import keep_only
from tuiapp.widgets.example_list import ExampleList
from tuiapp.workspace import workspace_of


class QualityActions(FilteredListScreen):
    """Quality keys of the review screen."""

    example: Example | None

    def _current(self) -> Example | None:
        """The example under the cursor (the review screen's)."""
        raise NotImplementedError

    def _refresh_current(self) -> None:
        """Re-read the current example after it changed (the review screen's)."""

    def _examine(self, text: str, line: int) -> Examined:
        """Check and count a text in this dataset's format and model."""
        if not hasattr(self, "_examiner"):
            self._examiner = examiner(self.dataset)
        return self._examiner(text, line)

    # --- what the example view shows besides the conversation ---------------------------
    def quality_lines(self, example: Example, obj: Any) -> list[Text]:
        """Lines about the example's duplicate group and personal data."""
        lines = []
        group = duplicate_group(workspace_of(self.app).store, self.dataset.id, example.idx)
        if group is not None:
            rows = self._lines_of([m.idx for m in group.members])
            members = ", ".join(
                f"line {rows.get(m.idx, '?')} "
                + ("first" if m.keep else "exact" if m.exact else f"{m.similarity:.2f}")
                for m in group.members
            )
            lines.append(
                Text(
                    f"duplicate group {group.number:,}/{group.total:,}: {members}"
                    " · K keeps this one, rejects the rest",
                    style="bold yellow",
                )
            )
        found = find_in_example(obj)
        if found:
            where = ", ".join(f"{f.finding.kind} ({f.role})" for f in found[:6])
            more = f" and {len(found) - 6} more" if len(found) > 6 else ""
            lines.append(Text(f"personal data: {where}{more} · z redacts", style="bold red"))
        return lines

    def _lines_of(self, idxs: list[int]) -> dict[int, int]:
        """File line numbers of examples."""
        return lines_at(workspace_of(self.app).store, self.dataset.id, idxs)

    # --- actions ------------------------------------------------------------------------
    @work
    async def action_quality(self) -> None:
        """Open the quality report; choosing a row shows its examples here."""
        item = await workspace_of(self.app).nav.quality(self.dataset.id)
        if item and item.startswith("tag:"):
            self.apply_filter(ExampleFilter(tag=item[4:]))
        elif item:
            self.apply_filter(ExampleFilter(item=item))

    def action_duplicates(self) -> None:
        """Show the duplicate groups one after another (scanning first if needed)."""
        if load_scan(workspace_of(self.app).store, self.dataset.id) is None:
            self.notify("Scanning for duplicates first: choose 'duplicate groups' when done.")
            self.action_quality()
            return
        self.apply_filter(ExampleFilter(item=DUPLICATES))

    def action_keep_one(self) -> None:
        """Keep the example under the cursor and reject the rest of its duplicate group."""
        example = self._current()
        if example is None:
            return
        group = duplicate_group(workspace_of(self.app).store, self.dataset.id, example.idx)
        if group is None:
            self.notify("This example is in no duplicate group (D lists the groups).")
            return
        others = [
            get_example(workspace_of(self.app).store, self.dataset.id, m.idx) for m in group.members
        ]
        keep_only(
            workspace_of(self.app).store, example, [o for o in others if o and o.idx != example.idx]
        )
        self.counts = status_counts(workspace_of(self.app).store, self.dataset.id)
        example_list = self.query_one(ExampleList)
        rows = [example_list.position_of(m.idx) for m in group.members]
        for member in group.members:
            example_list.forget(member.idx)
        self._refresh_current()
        self._update_status()
        self.notify(f"Kept line {example.line}; rejected {len(others) - 1} (u undoes).")
        shown = [r for r in rows if r is not None]
        if self.flt.item == DUPLICATES and shown and max(shown) + 1 < example_list.count:
            example_list.cursor = max(shown) + 1  # on to the next group

    @work
    async def action_redact(self) -> None:
        """Replace personal data in this example (one finding or all) by placeholders."""
        example = self._current()
        if example is None:
            return
        try:
            found = find_in_example(orjson.loads(example.text))
        except orjson.JSONDecodeError:
            found = []
        if not found:
            self.notify("No personal data found in this example.")
            return
        choices = [("all", f"all {len(found)} finding(s)")]
        choices += [(str(i), f.describe()) for i, f in enumerate(found)]

        choice = await self.app.push_screen_wait(
            ChoiceScreen(f"Redact in line {example.line}", choices)
        )
        if choice is None:
            return
        only = None if choice == "all" else found[int(choice)]
        if redact_stored(workspace_of(self.app).store, example, self._examine, only) is not None:
            self._refresh_current()
            self.notify("Redacted as an edit; the original is kept (u undoes).")

    def action_versions(self) -> None:
        """Frozen versions of this dataset: freeze, diff, sample, export."""
        workspace_of(self.app).nav.versions(self.dataset.id)
