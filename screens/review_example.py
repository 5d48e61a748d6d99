"""The review's conversation: the example under the cursor, read from the store and rendered
with what quality knows of it (its duplicate group, its personal data). It owns that example."""

from __future__ import annotations

from typing import Any

import orjson
from rich.text import Text

from tuiapp.data.redaction import find_in_example
from tuiapp.store.example_reads import lines_at
from tuiapp.store.examples import get_example
from tuiapp.store.quality import duplicate_group
from tuiapp.store.records import Example
from tuiapp.widgets.conversation import ExampleView, render_example
from tuiapp.workspace import workspace_of


class ReviewedExample(ExampleView):
    """One example of a dataset as a conversation, with its quality lines."""

    def __init__(self, dataset_id: int, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.dataset_id = dataset_id
        self.example: Example | None = None

    def load(self, idx: int | None) -> Example | None:
        """Read and render the example at `idx` (None, or gone: nothing, for the screen to say)."""
        store = workspace_of(self.app).store
        self.example = None if idx is None else get_example(store, self.dataset_id, idx)
        if self.example is not None:
            try:
                obj = orjson.loads(self.example.text)
            except orjson.JSONDecodeError:
                obj = None
            self.show(render_example(self.example, obj, self.quality_lines(self.example, obj)))
        return self.example

    def quality_lines(self, example: Example, obj: Any) -> list[Text]:
        """Lines about the example's duplicate group and personal data."""
        lines = []
        store = workspace_of(self.app).store
        group = duplicate_group(store, self.dataset_id, example.idx)
        if group is not None:
            rows = lines_at(store, self.dataset_id, [m.idx for m in group.members])
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
