"""Review a dataset: page through examples and accept, reject, flag, edit, note or tag them."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import orjson
from rich.markup import escape
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Footer, Label
from textual.worker import get_current_worker

from screens.edit_example import EditExampleScreen
from screens.prompt import PromptScreen
from screens.review_quality import QualityActions
from tuiapp.redact import redact
from tuiapp.services.export import export_accepted
from tuiapp.services.importer import ImportProgress, run_import
from tuiapp.services.quality import apply_edit, recheck
from tuiapp.store.datasets import finish_import, get_dataset, record_failure
from tuiapp.store.examples import (
    ExampleFilter,
    count_examples,
    get_example,
    rows_at,
    status_counts,
)
from tuiapp.store.records import Example
from tuiapp.store.review import set_note, set_status, set_tags, undo_last
from tuiapp.widgets.conversation import ExampleView, render_example
from tuiapp.widgets.example_list import ExampleList
from tuiapp.workspace import workspace_of

FIRST_PAINT_PAUSE = 0.25  # seconds the import waits after its first batch
IMPORT_FAILED_HELP = (
    "What to do: fix that line (or the file), then press i on the datasets screen (F2) to "
    "import again, or d there to delete the dataset. The examples imported so far can be "
    "reviewed here."
)


@dataclass
class ImportProgressed(Message):
    """The import worker committed another batch."""

    progress: ImportProgress


class ReviewScreen(QualityActions):
    """The review list beside the selected example."""

    CSS_PATH = "review.tcss"
    BINDINGS = [
        Binding("a", "decide('accepted')", "Accept", id="review.accept"),
        Binding("r", "decide('rejected')", "Reject", id="review.reject"),
        Binding("f", "decide('flagged')", "Flag", id="review.flag"),
        Binding("u", "undo", "Undo", id="review.undo"),
        Binding("e", "edit", "Edit", id="review.edit"),
        Binding("n", "note", "Note", id="review.note"),
        Binding("t", "tag", "Tag", id="review.tag"),
        Binding(
            "right_square_bracket",
            "next_problem",
            "Next problem",
            key_display="]",
            id="review.next_problem",
        ),
        Binding(
            "left_square_bracket",
            "previous_problem",
            "Previous problem",
            key_display="[",
            show=False,
            id="review.previous_problem",
        ),
        Binding("slash", "search", "Search", key_display="/", id="review.search"),
        Binding("s", "filter_status", "Status filter", id="review.filter_status"),
        Binding("p", "filter_problem", "Problem filter", id="review.filter_problem"),
        Binding("c", "clear_filter", "Clear filter", show=False, id="review.clear_filter"),
        Binding("R", "report", "Report", id="review.report"),
        Binding("Q", "quality", "Quality", id="review.quality"),
        Binding("D", "duplicates", "Duplicates", id="review.duplicates"),
        Binding("K", "keep_one", "Keep one", id="review.keep_one"),
        Binding("z", "redact", "Redact PII", id="review.redact"),
        Binding("V", "versions", "Versions", id="review.versions"),
        Binding("x", "export", "Export", id="review.export"),
        Binding("escape,q", "back", "Back", id="review.back"),
    ]

    def __init__(self, dataset_id: int, problem: str | None = None) -> None:
        super().__init__()
        self._initial_problem = problem
        self.dataset = get_dataset(workspace_of(self.app).store, dataset_id)
        self.flt = ExampleFilter()
        self.counts: dict[str, int] = {}
        self.total = 0
        self.example: Example | None = None

    def compose(self) -> ComposeResult:
        """Status line, list beside example, footer."""
        yield Label("", id="review-status")
        with Horizontal(id="review-body"):
            yield ExampleList(self._fetch_rows, id="review-list")
            yield ExampleView(id="review-example")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        """Show what is stored at once; import the rest in a worker."""
        self.title = self.dataset.name
        self.total = count_examples(workspace_of(self.app).store, self.dataset.id)
        self.counts = status_counts(workspace_of(self.app).store, self.dataset.id)
        example_list = self.query_one(ExampleList)
        example_list.set_rows(self.total)
        example_list.focus()
        if self.dataset.import_state == "importing":
            self.import_examples()
        elif self.dataset.import_state == "failed":
            self._import_failed()
        if self._initial_problem:
            self.filter_by_problem(self._initial_problem)
        self._update_status()

    # --- data ---------------------------------------------------------------------------
    def _fetch_rows(self, positions):  # type: ignore[no-untyped-def]
        """Rows for the list, read from the store."""
        return rows_at(workspace_of(self.app).store, self.dataset.id, positions)

    @work(thread=True, exclusive=True, group="import")
    def import_examples(self) -> None:
        """Import (or resume) the file on a connection of its own."""
        worker = get_current_worker()
        store = workspace_of(self.app).store.reopen()
        try:
            for i, progress in enumerate(
                run_import(store, self.dataset.id, lambda: worker.is_cancelled)
            ):
                self.post_message(ImportProgressed(progress))
                if i == 0:  # give the GIL to the UI while it paints the first page
                    time.sleep(FIRST_PAINT_PAUSE)
        except Exception as err:  # stored on the dataset and shown; never fatal to the app
            if get_dataset(store, self.dataset.id).import_state != "failed":
                finish_import(store, self.dataset.id, [], f"{type(err).__name__}: {err}")
            self.app.call_from_thread(self._import_failed)
        finally:
            store.close()

    def _import_failed(self) -> None:
        """Say what failed, where and what to do (the stored error names the file and line)."""
        self.dataset = get_dataset(workspace_of(self.app).store, self.dataset.id)
        self.notify(
            f"{redact(self.dataset.import_error)}\n{IMPORT_FAILED_HELP}",
            title="Import failed",
            severity="error",
            timeout=20,
            markup=False,
        )
        self._update_status()
        if self.total == 0:
            self._show(None)

    def on_import_progressed(self, message: ImportProgressed) -> None:
        """Grow the list as batches land."""
        progress = message.progress
        self.counts["pending"] = self.counts.get("pending", 0) + progress.examples - self.total
        self.total = progress.examples
        if self.flt.is_empty:
            self.query_one(ExampleList).grow(self.total)
        if progress.done:
            self.dataset = get_dataset(workspace_of(self.app).store, self.dataset.id)
            problems = [p.describe() for p in self.dataset.file_problems]
            if problems:
                self.notify("\n".join(problems), title="File problems", severity="warning")
            elif self.flt.is_empty is False:
                self.apply_filter(self.flt)
        self._update_status(progress)

    def _update_status(self, progress: ImportProgress | None = None) -> None:
        """Reviewed / total, verdict counts, filter, import progress."""
        reviewed = self.total - self.counts.get("pending", 0)
        pct = 100 * reviewed / self.total if self.total else 0
        parts = [
            f"[b]{self.dataset.name}[/b]",
            f"reviewed {reviewed:,}/{self.total:,} ({pct:.0f}%)",
            f"[green]✓ {self.counts.get('accepted', 0):,}[/]",
            f"[red]✗ {self.counts.get('rejected', 0):,}[/]",
            f"[yellow]⚑ {self.counts.get('flagged', 0):,}[/]",
        ]
        if not self.flt.is_empty:
            parts.append(f"filter {self.flt.describe()}: {self.query_one(ExampleList).count:,}")
        if self.dataset.import_state == "failed":
            parts.append(f"[red]import failed: {escape(redact(self.dataset.import_error))}[/]")
        if progress is not None and not progress.done:
            pct_read = 100 * progress.bytes_read / max(1, progress.file_size)
            parts.append(f"importing {pct_read:.0f}%")
        self.query_one("#review-status", Label).update(" · ".join(parts))

    # --- showing the current example ----------------------------------------------------
    def on_example_list_highlighted(self, message: ExampleList.Highlighted) -> None:
        """Show the example under the cursor (unless an action already did)."""
        if self.example is None or self.example.idx != message.idx:
            self._show(message.idx)

    def _current(self) -> Example | None:
        """The example under the cursor, read now: keys may outrun the Highlighted messages."""
        idx = self.query_one(ExampleList).current_idx
        if self.example is None or self.example.idx != idx:
            self._show(idx)
        return self.example

    def _show(self, idx: int | None) -> None:
        """Load and render one example."""
        view = self.query_one(ExampleView)
        self.example = (
            None if idx is None else get_example(workspace_of(self.app).store, self.dataset.id, idx)
        )
        if self.example is None:
            if self.dataset.import_state == "failed" and not self.total:
                error = redact(self.dataset.import_error)
                view.show(f"Import failed: {error}\n\n{IMPORT_FAILED_HELP}")
            else:
                view.show("No examples here." if self.total else "Importing…")
            return
        try:
            obj = orjson.loads(self.example.text)
        except orjson.JSONDecodeError:
            obj = None
        view.show(render_example(self.example, obj, self.quality_lines(self.example, obj)))

    def _refresh_current(self) -> None:
        """Re-read the current example after it changed."""
        if self.example is not None:
            self.query_one(ExampleList).forget(self.example.idx)
            self._show(self.example.idx)

    # --- decisions ----------------------------------------------------------------------
    def action_decide(self, status: str) -> None:
        """Accept, reject or flag (pressing the same key again resets to pending)."""
        example = self._current()
        if example is None:
            return
        new = "pending" if example.status == status else status
        set_status(workspace_of(self.app).store, example, new)
        self.counts[example.status] = self.counts.get(example.status, 0) - 1
        self.counts[new] = self.counts.get(new, 0) + 1
        self._refresh_current()
        self._update_status()
        if new in ("accepted", "rejected"):
            self.query_one(ExampleList).action_cursor_down()
            self._current()

    def action_undo(self) -> None:
        """Take back the last decision, note, tag or edit."""
        undone = undo_last(workspace_of(self.app).store, self.dataset.id)
        if undone is None:
            self.notify("Nothing to undo.")
            return
        idx, field, changed = undone
        if field == "edited":
            for each in changed:  # the restored texts need their checks and PII again
                restored = get_example(workspace_of(self.app).store, self.dataset.id, each)
                if restored is not None:
                    recheck(workspace_of(self.app).store, restored, self._examine)
        example = get_example(workspace_of(self.app).store, self.dataset.id, idx)
        self.counts = status_counts(workspace_of(self.app).store, self.dataset.id)
        example_list = self.query_one(ExampleList)
        for each in changed:
            example_list.forget(each)
        position = example_list.position_of(idx)
        if position is not None:
            example_list.cursor = position
        self._show(idx)
        self._update_status()
        what = f"{len(changed)} {field} changes" if len(changed) > 1 else f"the {field} change"
        self.notify(f"Undid {what} (line {example.line if example else '?'}).")

    @work
    async def action_edit(self) -> None:
        """Edit the example as JSON; the original line is kept."""
        example = self._current()
        if example is None:
            return

        text = await self.app.push_screen_wait(
            EditExampleScreen(example.text, f"Edit line {example.line}")
        )
        if text is None:
            return
        result = self._examine(text, example.line)
        apply_edit(workspace_of(self.app).store, example, result)
        self._refresh_current()
        errors = sum(p.severity == 2 for p in result.problems)
        self.notify(
            f"Saved. {errors} error(s) left." if errors else "Saved: no errors.",
            severity="warning" if errors else "information",
        )

    @work
    async def action_note(self) -> None:
        """Write a note on the example."""
        example = self._current()
        if example is None:
            return

        note = await self.app.push_screen_wait(
            PromptScreen(f"Note for line {example.line}", example.note)
        )
        if note is not None:
            set_note(workspace_of(self.app).store, example, note.strip())
            self._refresh_current()

    @work
    async def action_tag(self) -> None:
        """Set the example's tags (comma-separated)."""
        example = self._current()
        if example is None:
            return

        tags = await self.app.push_screen_wait(
            PromptScreen(
                f"Tags for line {example.line}",
                ", ".join(example.tags),
                hint="Comma-separated · Enter to save · Esc to cancel",
            )
        )
        if tags is not None:
            set_tags(workspace_of(self.app).store, example, tags.split(","))
            self._refresh_current()

    # --- other screens ------------------------------------------------------------------
    @work
    async def action_report(self) -> None:
        """Open the dataset report; choosing a problem kind there filters this list."""
        if kind := await workspace_of(self.app).nav.report(self.dataset.id):
            self.filter_by_problem(kind)

    @work
    async def action_export(self) -> None:
        """Export accepted examples as JSONL."""
        source = Path(self.dataset.path)
        default = str(source.with_name(source.stem + ".accepted.jsonl"))

        path = await self.app.push_screen_wait(PromptScreen("Export accepted examples to", default))
        if path:
            self._export(Path(path).expanduser())

    @work(thread=True, group="export")
    def _export(self, path: Path) -> None:
        """Write the export off the event loop."""
        store = workspace_of(self.app).store.reopen()
        try:
            result = export_accepted(store, self.dataset.id, path)
            record_failure(store, self.dataset.id, None)
        except Exception as err:  # stored on the dataset and shown; never fatal to the app
            why = err.strerror if isinstance(err, OSError) else f"{type(err).__name__}: {err}"
            text = redact(f"export to {path} failed: {why or err}")
            record_failure(store, self.dataset.id, text)
            self.app.call_from_thread(
                self.notify,
                f"{text}\nWhat to do: choose another folder, or fix what the message names.",
                title="Export failed",
                severity="error",
                markup=False,
            )
            return
        finally:
            store.close()
        text = f"{result.written:,} examples written to {result.path}"
        if result.skipped_invalid:
            lines = ", ".join(map(str, result.skipped_invalid[:5]))
            text += f"; {len(result.skipped_invalid)} accepted with errors left out (lines {lines})"
        self.app.call_from_thread(self.notify, text, title="Exported")

    def action_back(self) -> None:
        """Leave the review (every decision is already stored)."""
        if not self.flt.is_empty:
            self.action_clear_filter()
            return
        self.dismiss(None)
