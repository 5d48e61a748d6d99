"""The review's status line: the dataset, how much of it is reviewed, the verdicts, the filter
the list shows and how far the import is."""

from __future__ import annotations

from rich.markup import escape
from textual.widgets import Label

from tuiapp.redact import redact
from tuiapp.services.importer import ImportProgress
from tuiapp.store.examples import ExampleFilter
from tuiapp.store.records import Dataset


class ReviewStatus(Label):
    """One line over the review list and the example."""

    def show(
        self,
        dataset: Dataset,
        counts: dict[str, int],
        total: int,
        flt: ExampleFilter,
        shown: int,
        progress: ImportProgress | None = None,
    ) -> None:
        """Reviewed / total, verdict counts, the filter and what it shows, import progress."""
        reviewed = total - counts.get("pending", 0)
        pct = 100 * reviewed / total if total else 0
        parts = [
            f"[b]{escape(dataset.name)}[/b]",
            f"reviewed {reviewed:,}/{total:,} ({pct:.0f}%)",
            f"[green]✓ {counts.get('accepted', 0):,}[/]",
            f"[red]✗ {counts.get('rejected', 0):,}[/]",
            f"[yellow]⚑ {counts.get('flagged', 0):,}[/]",
        ]
        if not flt.is_empty:
            parts.append(f"filter {escape(flt.describe())}: {shown:,}")
        if dataset.import_state == "failed":
            parts.append(f"[red]import failed: {escape(redact(dataset.import_error))}[/]")
        if progress is not None and not progress.done:
            pct_read = 100 * progress.bytes_read / max(1, progress.file_size)
            parts.append(f"importing {pct_read:.0f}%")
        self.update(" · ".join(parts))
