"""The review's conversation: the example under the cursor, read from the store and rendered
with what quality knows of it (its duplicate group, its personal data), or, for an example
converted from another format, the original record it came from. It owns that example."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from rich.console import Group, RenderableType
from rich.json import JSON
from rich.text import Text

from tuiapp.data.base_models import base_model
from tuiapp.data.checks import detect_format
from tuiapp.data.redaction import find_in_example
from tuiapp.store.datasets import get_dataset
from tuiapp.store.example_reads import lines_at
from tuiapp.store.examples import get_example
from tuiapp.store.quality import duplicate_group
from tuiapp.store.records import Example
from tuiapp.store.sources import ExampleSource, example_source
from tuiapp.widgets.conversation import MAX_SHOWN_CHARS, ExampleView, render_example
from tuiapp.workspace import workspace_of


class ReviewedExample(ExampleView):
    """One example of a dataset as a conversation, with its quality lines."""

    def __init__(self, dataset_id: int, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.dataset_id = dataset_id
        self.example: Example | None = None
        self.source: ExampleSource | None = None  # the record it was converted from, if it was
        self.showing_source = False  # the original record instead of the conversation
        self._file_name: str | None = None
        self._estimate: str | None = None

    def load(self, idx: int | None) -> Example | None:
        """Read and render the example at `idx` (None, or gone: nothing, for the screen to say)."""
        store = workspace_of(self.app).store
        self.example = None if idx is None else get_example(store, self.dataset_id, idx)
        if self.example is not None:
            self.source = example_source(store, self.dataset_id, self.example.idx)
            self.show(self._view_of(self.example))
        return self.example

    @property
    def where(self) -> str:
        """Where a converted example came from (`alpaca_en_demo.json record 12`), else ''."""
        if self.source is None:
            return ""
        if self._file_name is None:
            path = get_dataset(workspace_of(self.app).store, self.dataset_id).path
            self._file_name = Path(path).name
        return f"{self._file_name} {self.source.location}"

    @property
    def estimate(self) -> str:
        """The encoding the counts were made with when they only estimate the dataset model's
        own tokens (an open model counted with tiktoken), else ''."""
        if self._estimate is None:
            model = base_model(
                get_dataset(workspace_of(self.app).store, self.dataset_id).base_model
            )
            self._estimate = "" if model.exact else model.encoding
        return self._estimate

    @property
    def label(self) -> str:
        """What to call the example shown, in titles and messages: its source or its line."""
        return self.where or (f"line {self.example.line}" if self.example else "")

    def toggle_source(self) -> bool:
        """Show the original record instead of the conversation, or back (the choice stays
        while moving through the list); False when the example was stored as read."""
        if self.example is None or self.source is None:
            return False
        self.showing_source = not self.showing_source
        self.show(self._view_of(self.example))
        return True

    def _view_of(self, example: Example) -> RenderableType:
        """The conversation, or the original record when that is asked for and there is one."""
        if self.showing_source and self.source is not None:
            return self.render_source(example, self.source)
        try:
            obj = orjson.loads(example.text)
        except orjson.JSONDecodeError:
            obj = None
        return render_example(
            example,
            obj,
            self.key_lines(obj) + self.quality_lines(example, obj),
            self.where,
            self.estimate,
        )

    def key_lines(self, obj: Any) -> list[Text]:
        """What the review's own keys can show of this example: its source, its swap."""
        keys = []
        if self.source is not None:
            keys.append(f"o: the original {self.source.source_format} record")
        if detect_format(obj) == "preference":
            keys.append("w: swap preferred and non-preferred")
        return [Text(" · ".join(keys), style="dim")] if keys else []

    def render_source(self, example: Example, source: ExampleSource) -> RenderableType:
        """The record as the file held it, pretty-printed, under where it is in the file."""
        header = Text(self.where, style="bold")
        header.append(f"  original {source.source_format} record", style="bold cyan")
        header.append(f"  {example.status}  · o shows the converted conversation", style="dim")
        record = source.record
        body: RenderableType
        if len(record) > MAX_SHOWN_CHARS:  # too long to lay out as JSON: the text, cut
            more = len(record) - MAX_SHOWN_CHARS
            body = Text(f"{record[:MAX_SHOWN_CHARS]}\n… ({more:,} more characters)")
        else:
            try:
                pretty = JSON.from_data(orjson.loads(record), ensure_ascii=False)
                pretty.text.no_wrap = False  # long values wrap in the view, not cut off
                body = pretty
            except orjson.JSONDecodeError:  # a record that does not parse: as the file has it
                body = Text(record)
        return Group(header, Text(), body)

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
