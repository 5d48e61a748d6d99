"""Review a dataset: page through examples and accept, reject, flag, edit, note or tag them.
The screen composes the list (filters), the conversation, the quality actions and the file
work (import, export), each a widget that owns its state; they tell the screen by messages."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.screen import Screen

from screens.clipboard import copy_value
from screens.review_bulk import BulkDecisions
from screens.review_changes import ExampleChanges
from screens.review_example import ReviewedExample
from screens.review_files import DatasetFiles
from screens.review_keys import REVIEW_BINDINGS
from screens.review_list import ReviewList
from screens.review_quality import QualityActions
from screens.review_status import ReviewStatus
from tuiapp.redact import redact
from tuiapp.services.edits import undo
from tuiapp.services.importer import ImportProgress
from tuiapp.store.datasets import get_dataset
from tuiapp.store.examples import (
    ExampleFilter,
    count_examples,
    status_counts,
)
from tuiapp.store.records import Example
from tuiapp.store.review import set_status
from tuiapp.widgets.example_list import ExampleList
from tuiapp.widgets.key_footer import KeyFooter
from tuiapp.workspace import workspace_of

IMPORT_FAILED_HELP = (
    "What to do: fix that line (or the file), then press i on the datasets screen (F2) to "
    "import again, or d there to delete the dataset. The examples imported so far can be "
    "reviewed here."
)

BULK_REFRESH = 500  # undoing more rows than this re-reads the list instead of each row


class ReviewScreen(Screen[None]):
    """The review list beside the selected example."""

    CSS_PATH = "review.tcss"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    BINDINGS = REVIEW_BINDINGS

    def __init__(self, dataset_id: int, problem: str | None = None) -> None:
        super().__init__()
        self._initial_problem = problem
        self.dataset = get_dataset(workspace_of(self.app).store, dataset_id)
        self.counts: dict[str, int] = {}
        self.examples = ReviewList(dataset_id, on_move=self._follow, id="review-list")
        self.conversation = ReviewedExample(dataset_id, id="review-example")
        self.quality = QualityActions(dataset_id)
        self.files = DatasetFiles(dataset_id)
        self.bulk = BulkDecisions(dataset_id)
        self.changes = ExampleChanges(
            dataset_id, self.quality.examine, lambda: self.conversation.label
        )

    @property
    def total(self) -> int:
        """Examples in the dataset so far."""
        return self.examples.total

    def compose(self) -> ComposeResult:
        """Status line, list beside example, footer."""
        yield ReviewStatus("", id="review-status")
        yield self.examples
        yield self.conversation
        yield self.quality
        yield self.files
        yield self.bulk
        yield self.changes
        yield KeyFooter()

    def on_mount(self) -> None:
        """Show what is stored at once; import the rest in a worker."""
        self.title = self.dataset.name
        self.counts = status_counts(workspace_of(self.app).store, self.dataset.id)
        self.examples.total = count_examples(workspace_of(self.app).store, self.dataset.id)
        self.examples.set_rows(self.total)
        self.examples.focus()
        if self.dataset.import_state == "importing":
            self.files.import_examples()
        elif self.dataset.import_state == "failed":
            self._import_failed()
        if self._initial_problem:
            self.filter_by_problem(self._initial_problem)
        self._update_status()

    # --- the import -----------------------------------------------------------------------
    def on_dataset_files_import_failed(self, message: DatasetFiles.ImportFailed) -> None:
        """The import stopped: say why."""
        self._import_failed()

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

    def on_dataset_files_import_progressed(self, message: DatasetFiles.ImportProgressed) -> None:
        """Grow the list as batches land."""
        progress = message.progress
        self.counts["pending"] = self.counts.get("pending", 0) + progress.examples - self.total
        self.examples.show_total(progress.examples)
        if progress.done:
            self.dataset = get_dataset(workspace_of(self.app).store, self.dataset.id)
            problems = [p.describe() for p in self.dataset.file_problems]
            if problems:
                self.notify("\n".join(problems), title="File problems", severity="warning")
            elif self.examples.flt.is_empty is False:
                self.examples.apply_filter(self.examples.flt, reread=True)
        self._update_status(progress)

    def _update_status(self, progress: ImportProgress | None = None) -> None:
        """Reviewed / total, verdict counts, filter, import progress."""
        shown = self.examples.count
        status = self.query_one(ReviewStatus)
        status.show(self.dataset, self.counts, self.total, self.examples.flt, shown, progress)

    # --- showing the current example ----------------------------------------------------
    @property
    def example(self) -> Example | None:
        """The example shown (the conversation's)."""
        return self.conversation.example

    def on_example_list_highlighted(self, message: ExampleList.Highlighted) -> None:
        """Show the example under the cursor (unless an action already did)."""
        self._follow(message.idx)

    def _follow(self, idx: int | None) -> None:
        """Show the example at `idx` unless it is shown (the list calls this as it moves)."""
        if self.example is None or self.example.idx != idx:
            self._show(idx)

    def _current(self) -> Example | None:
        """The example under the cursor, read now: keys may outrun the Highlighted messages."""
        idx = self.examples.current_idx
        if self.example is None or self.example.idx != idx:
            self._show(idx)
        return self.example

    def _show(self, idx: int | None) -> None:
        """Load and render one example, or say why there is none."""
        if self.conversation.load(idx) is not None:
            return
        if self.dataset.import_state == "failed" and not self.total:
            error = redact(self.dataset.import_error)
            self.conversation.show(f"Import failed: {error}\n\n{IMPORT_FAILED_HELP}")
        else:
            self.conversation.show("No examples here." if self.total else "Importing…")

    def _refresh_current(self) -> None:
        """Re-read the current example after it changed."""
        if self.example is not None:
            self.examples.forget(self.example.idx)
            self._show(self.example.idx)

    # --- decisions ----------------------------------------------------------------------
    def action_decide(self, status: str) -> None:
        """Accept, reject or flag and move on (again on the same example: it stays; `u` undoes)."""
        example = self._current()
        if example is None:
            return
        if example.status != status:
            set_status(workspace_of(self.app).store, example, status)
            self.counts[example.status] = self.counts.get(example.status, 0) - 1
            self.counts[status] = self.counts.get(status, 0) + 1
            self._refresh_current()
            self._update_status()
        self.examples.action_cursor_down()
        self._current()

    def action_decide_shown(self, status: str) -> None:
        """Accept, reject or flag every example the current filter shows (asks first)."""
        self.bulk.decide_shown(status, self.examples.flt)

    def action_decide_all(self, status: str, which: str) -> None:
        """Accept every example without errors, or reject every one with errors (asks first)."""
        self.bulk.decide_all(status, which)

    def on_bulk_decisions_decided(self, message: BulkDecisions.Decided) -> None:
        """Many examples changed: count again and read the list again."""
        self.counts = status_counts(workspace_of(self.app).store, self.dataset.id)
        self.examples.apply_filter(self.examples.flt, reread=True)  # a status filter may drop some
        self._refresh_current()
        self._update_status()

    def action_undo(self) -> None:
        """Take back the last decision, note, tag or edit."""
        undone = undo(workspace_of(self.app).store, self.dataset.id, self.quality.examine)
        if undone is None:
            self.notify("Nothing to undo.")
            return
        idx, field, count, changed = undone.first, undone.field, undone.count, undone.changed
        self.counts = status_counts(workspace_of(self.app).store, self.dataset.id)
        if changed is None or count > BULK_REFRESH:  # a bulk batch: read the list again
            self.examples.apply_filter(self.examples.flt, reread=True)
        else:
            for each in changed:
                self.examples.forget(each)
        position = self.examples.position_of(idx)
        if position is not None:
            self.examples.cursor = position
        self._show(idx)
        self._update_status()
        what = f"{count:,} {field} changes" if count > 1 else f"the {field} change"
        self.notify(f"Undid {what} ({self.conversation.label or '?'}).")

    def action_edit(self) -> None:
        """Edit the example as JSON; the original line is kept."""
        if example := self._current():
            self.changes.edit(example)

    def action_note(self) -> None:
        """Write a note on the example."""
        if example := self._current():
            self.changes.note(example)

    def action_tag(self) -> None:
        """Set the example's tags (comma-separated)."""
        if example := self._current():
            self.changes.tag(example)

    def action_swap(self) -> None:
        """Swap a preference pair's answers, as an edit that keeps the original."""
        if example := self._current():
            self.changes.swap(example)

    def on_example_changes_changed(self, message: ExampleChanges.Changed) -> None:
        """The example's text, note or tags changed: show it again."""
        self._refresh_current()

    def action_source(self) -> None:
        """Show the record a converted example came from, or the conversation again."""
        if self._current() and not self.conversation.toggle_source():
            self.notify("This example was stored as the file has it: no other record.")

    # --- the list: moving and filtering -------------------------------------------------
    def action_next_problem(self) -> None:
        """Next example with a problem."""
        self.examples.jump_to_problem(backwards=False)

    def action_previous_problem(self) -> None:
        """Previous example with a problem."""
        self.examples.jump_to_problem(backwards=True)

    def action_search(self) -> None:
        """Filter by text in the example, its edit or its note."""
        self.examples.search()

    def action_filter_status(self) -> None:
        """Filter by review status."""
        self.examples.filter_status(self.counts)

    def action_filter_problem(self) -> None:
        """Filter by problem kind (or any error / any warning)."""
        self.examples.filter_problem()

    def filter_by_problem(self, choice: str) -> None:
        """Apply a problem filter: a kind, `sev:N`, or '' for none."""
        self.examples.filter_by_problem(choice)

    def action_clear_filter(self) -> None:
        """Show every example again."""
        self.examples.apply_filter(ExampleFilter())

    def on_review_list_filtered(self, message: ReviewList.Filtered) -> None:
        """Say in the status line what the list shows now."""
        self._update_status()

    # --- quality --------------------------------------------------------------------------
    def action_quality(self) -> None:
        """Open the quality report; choosing a row shows its examples here."""
        self.quality.open_report()

    def action_duplicates(self) -> None:
        """Show the duplicate groups one after another (scanning first if needed)."""
        self.quality.show_duplicates()

    def on_quality_actions_filter_wanted(self, message: QualityActions.FilterWanted) -> None:
        """Show in the list the examples chosen in the quality report."""
        self.examples.apply_filter(message.flt)

    def action_keep_one(self) -> None:
        """Keep the example under the cursor and reject the rest of its duplicate group."""
        example = self._current()
        members = None if example is None else self.quality.keep_one(example)
        if members is None:
            return
        self.counts = status_counts(workspace_of(self.app).store, self.dataset.id)
        self._refresh_current()
        self._update_status()
        self.examples.past_group(members)  # on to the next group

    def action_redact(self) -> None:
        """Redact personal data in this example (the plan dialog picks what), as an edit."""
        if example := self._current():
            self.changes.redact(example)

    # --- other screens ------------------------------------------------------------------
    def action_token_preview(self) -> None:
        """This example as a base model sees it: its chat template, the trained tokens marked."""
        if (example := self._current()) is not None:
            workspace_of(self.app).nav.token_preview(self.dataset.id, example.idx)

    def action_versions(self) -> None:
        """Frozen versions of this dataset: freeze, diff, sample, export."""
        workspace_of(self.app).nav.versions(self.dataset.id)

    @work
    async def action_report(self) -> None:
        """Open the dataset report; choosing a problem kind there filters this list."""
        if kind := await workspace_of(self.app).nav.report(self.dataset.id):
            self.filter_by_problem(kind)

    def action_export(self) -> None:
        """Export accepted examples as JSONL."""
        self.files.export()

    def action_copy_example(self) -> None:
        """Copy the example shown, as its JSON line (edits included), to the clipboard."""
        example = self.conversation.example
        copy_value(self.app, example.text if example else None, "example (JSON line)")

    def action_back(self) -> None:
        """Leave the review (every decision is already stored)."""
        if not self.examples.flt.is_empty:
            self.action_clear_filter()
            return
        self.dismiss(None)
