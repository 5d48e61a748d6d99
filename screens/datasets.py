"""The home screen: every imported dataset, and a way to open another file."""

from __future__ import annotations

from rich.markup import escape
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Label

from screens.choice import ChoiceScreen
from screens.confirm import ConfirmScreen
from screens.open_file import OpenFileScreen
from screens.prompt import PromptScreen
from tuiapp.redact import redact
from tuiapp.store.datasets import (
    delete_dataset,
    get_dataset,
    last_failure,
    list_datasets,
    recent_files,
    rename_dataset,
    restart_import,
)
from tuiapp.store.examples import count_examples, status_counts
from tuiapp.widgets.key_footer import KeyFooter
from tuiapp.widgets.tables import cursor_key
from tuiapp.workspace import workspace_of

NO_DATASETS = (
    "No datasets yet. Press t to try the demo: 90 pirate-voiced answers to capital-city "
    "questions, small enough to review, freeze and train on the local backend in minutes.\n"
    "Or press o to open a file of your own (JSONL, JSON, CSV, Parquet): Tab completes the "
    "path, ctrl+b browses the folders, and the files opened before are listed."
)
FAILED_HELP = (
    "What to do: fix what the message names, then i imports again (resume or start over); "
    "Enter reviews what was imported; d deletes the dataset."
)
RETRY_HELP = "What to do: open it (Enter) and run that step again; d deletes the dataset."


class DatasetsScreen(Screen[None]):
    """A table of datasets; Enter reviews one, `o` opens a new file, `t` imports the demo,
    `i` imports one again, `n` renames one, `d` deletes one."""

    CSS_PATH = "datasets.tcss"
    BINDINGS = [
        Binding("o", "open_file", "Open file", id="datasets.open"),
        Binding("enter", "review", "Review", id="datasets.review"),
        Binding("R", "report", "Report", id="datasets.report"),
        Binding("v", "versions", "Versions", id="datasets.versions"),
        Binding("i", "reimport", "Import again", id="datasets.reimport"),
        Binding("d", "delete", "Delete", id="datasets.delete"),
        Binding("n", "rename", "Rename", id="datasets.rename"),
        Binding("t", "demo", "Demo", tooltip="Import the demo dataset", id="datasets.demo"),
        Binding("q", "app.quit_hint", "Back", show=False, id="datasets.quit"),
    ]

    def compose(self) -> ComposeResult:
        """Title, table, hint, footer."""
        yield Label("[b]tuiapp[/b] · datasets", id="datasets-title")
        yield DataTable(id="datasets-table", cursor_type="row", zebra_stripes=True)
        yield Label("", id="datasets-hint")
        yield KeyFooter()

    def on_mount(self) -> None:
        """Fill the table."""
        self.reload()

    def on_screen_resume(self) -> None:
        """Counts change while a dataset is reviewed: refresh on return."""
        self.reload()

    def reload(self) -> None:
        """Read the datasets from the store; their counts arrive from a worker."""
        table = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_column("name", key="name")
        table.add_column("examples", key="examples")
        table.add_column("reviewed", key="reviewed")
        table.add_columns("state", "model", "path")
        datasets = list_datasets(workspace_of(self.app).store)
        for ds in datasets:
            state = (
                ds.import_state
                if ds.import_state != "importing"
                else (f"importing {100 * ds.import_fraction:.0f}%")
            )
            table.add_row(ds.name, "…", "…", state, ds.base_model, ds.path, key=str(ds.id))
        self._hint()
        self.refresh_bindings()
        self.count_examples([ds.id for ds in datasets])

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """With no dataset only opening a file and the demo apply (a short footer at 80
        columns); once there are some, the demo key leaves the footer to them."""
        if action in ("report", "versions", "reimport", "delete", "rename", "review"):
            return self.query_one(DataTable).row_count > 0
        if action == "demo":
            return self.query_one(DataTable).row_count == 0
        return True

    def _hint(self) -> None:
        """Under the table: what failed on the highlighted dataset and what to do, if anything."""
        hint = "" if self.query_one(DataTable).row_count else NO_DATASETS
        dataset_id = self._selected()
        failure = (
            last_failure(workspace_of(self.app).store, dataset_id)
            if dataset_id is not None
            else None
        )
        if failure:
            advice = FAILED_HELP if failure.startswith("import failed") else RETRY_HELP
            hint = f"{redact(failure)}\n{advice}"
        self.query_one("#datasets-hint", Label).update(Text(hint))  # no markup in file names

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """Say what failed on the dataset under the cursor."""
        self._hint()

    @work(thread=True, exclusive=True, group="counts")
    def count_examples(self, dataset_ids: list[int]) -> None:
        """Count examples and decisions off the event loop (a GROUP BY over every example)."""
        store = workspace_of(self.app).store.reopen()
        try:
            for dataset_id in dataset_ids:
                total = count_examples(store, dataset_id)
                reviewed = total - status_counts(store, dataset_id).get("pending", 0)
                self.app.call_from_thread(self._show_counts, dataset_id, total, reviewed)
        finally:
            store.close()

    def _show_counts(self, dataset_id: int, total: int, reviewed: int) -> None:
        """Put one dataset's counts in its row."""
        table = self.query_one(DataTable)
        if str(dataset_id) in table.rows:
            table.update_cell(str(dataset_id), "examples", f"{total:,}")
            table.update_cell(str(dataset_id), "reviewed", f"{reviewed:,}")

    def _selected(self) -> int | None:
        """The dataset id under the cursor."""
        key = cursor_key(self.query_one(DataTable))
        return int(key) if key else None

    def _select(self, dataset_id: int) -> None:
        """Put the cursor on a dataset's row."""
        table = self.query_one(DataTable)
        if str(dataset_id) in table.rows:
            table.move_cursor(row=table.get_row_index(str(dataset_id)))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a row reviews it."""
        event.stop()
        self.action_review()

    def action_review(self) -> None:
        """Review the selected dataset."""
        dataset_id = self._selected()
        if dataset_id is not None:
            workspace_of(self.app).nav.review(dataset_id)

    @work
    async def action_report(self) -> None:
        """Report on the selected dataset; a problem kind chosen there opens its review."""
        dataset_id = self._selected()
        if dataset_id is None:
            return
        nav = workspace_of(self.app).nav
        if kind := await nav.report(dataset_id):
            nav.review(dataset_id, kind)

    @work
    async def action_open_file(self) -> None:
        """Ask for a file (Tab completes, ctrl+b browses, recent files offered) and open it."""
        recent = recent_files(workspace_of(self.app).store)
        path = await self.app.push_screen_wait(OpenFileScreen(recent))
        if path is not None:
            workspace_of(self.app).nav.open_file(path)

    @work(thread=True, exclusive=True, group="demo")
    def action_demo(self) -> None:
        """Import the demo dataset (once: later presses reuse it) and review it."""
        from tuiapp.demo import DEMO_NAME, import_demo

        self.app.call_from_thread(self.notify, f"Importing {DEMO_NAME} ...", timeout=3)
        store = workspace_of(self.app).store.reopen()
        try:
            done = import_demo(store)
        except OSError as err:
            self.app.call_from_thread(
                self.notify, str(err), title="Demo not imported", severity="error", markup=False
            )
            return
        finally:
            store.close()
        self.app.call_from_thread(self._demo_ready, done.dataset.id, done.examples, done.created)

    def _demo_ready(self, dataset_id: int, examples: int, created: bool) -> None:
        """Show the demo's row and open its review."""
        how = "imported" if created else "already imported"
        self.notify(
            f"Demo dataset {how}: {examples} examples. C accepts the clean ones, V freezes.",
            title="Demo",
        )
        self.reload()
        workspace_of(self.app).nav.review(dataset_id)

    @work
    async def action_rename(self) -> None:
        """Give the selected dataset a new name."""
        dataset_id = self._selected()
        if dataset_id is None:
            return
        dataset = get_dataset(workspace_of(self.app).store, dataset_id)
        name = await self.app.push_screen_wait(
            PromptScreen(
                f"Rename {escape(dataset.name)}", dataset.name, hint="Enter renames · Esc keeps"
            )
        )
        if name is None or name.strip() == dataset.name:
            return
        if not name.strip():
            self.notify("A dataset needs a name.", title="Not renamed", severity="warning")
            return
        rename_dataset(workspace_of(self.app).store, dataset_id, name.strip())
        self.reload()
        self._select(dataset_id)

    def action_versions(self) -> None:
        """Frozen versions of the selected dataset."""
        dataset_id = self._selected()
        if dataset_id is not None:
            workspace_of(self.app).nav.versions(dataset_id)

    @work
    async def action_reimport(self) -> None:
        """Import the selected dataset again: resume where it stopped, or start over."""
        dataset_id = self._selected()
        if dataset_id is None:
            return
        if get_dataset(workspace_of(self.app).store, dataset_id).import_state == "complete":
            self.notify("This dataset is fully imported; o opens the file again if it changed.")
            return

        how = await self.app.push_screen_wait(
            ChoiceScreen(
                "Import again",
                [
                    ("resume", "Resume after the examples already imported"),
                    ("restart", "Start over (drops the examples imported so far)"),
                ],
            )
        )
        if how is None:
            return
        try:
            restart_import(workspace_of(self.app).store, dataset_id, resume=how == "resume")
        except OSError as err:
            self.notify(
                redact(f"{err.filename}: {err.strerror}"),
                title="Cannot import",
                severity="error",
                markup=False,
            )
            return
        workspace_of(self.app).nav.review(dataset_id)

    @work
    async def action_delete(self) -> None:
        """Delete the selected dataset with its examples and decisions, after confirmation."""
        dataset_id = self._selected()
        if dataset_id is None:
            return
        dataset = get_dataset(workspace_of(self.app).store, dataset_id)

        yes = await self.app.push_screen_wait(
            ConfirmScreen(
                f"Delete {dataset.name}?",
                "Its examples, review decisions, quality scans and frozen versions are removed "
                "from tuiapp's database. The file itself is not touched.",
                yes="Delete",
            )
        )
        if not yes:
            return
        try:
            delete_dataset(workspace_of(self.app).store, dataset_id)
        except ValueError as err:
            self.notify(str(err), title="Not deleted", severity="warning")
            return
        self.notify(f"Deleted {dataset.name}.")
        self.reload()
