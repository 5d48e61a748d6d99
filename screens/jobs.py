"""Every fine-tuning job across providers: status, model, dataset version, last losses."""

from __future__ import annotations

from datetime import date

from rich.markup import escape
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Label

from screens.choice import ChoiceScreen
from screens.clipboard import copy_value
from tuiapp.data import model_retirement
from tuiapp.data.model_retirement import days_left_text, retirement_date
from tuiapp.services.job_watch import Polled
from tuiapp.store import Store
from tuiapp.store.jobs import Job, get_job, latest_metrics, list_jobs
from tuiapp.store.versions import list_versions
from tuiapp.widgets.key_footer import KeyFooter
from tuiapp.widgets.tables import cursor_key
from tuiapp.workspace import workspace_of

STATUS_STYLE = {"succeeded": "green", "failed": "red", "cancelled": "dim", "running": "cyan"}


def today() -> date:
    """Today's date (TUIAPP_TODAY, when set, like the catalog; tests may put another here)."""
    return model_retirement.today()


def job_row(store: Store, job: Job) -> tuple[str, ...]:
    """The table cells of one job."""
    last, valid = latest_metrics(store, job.id)
    style = STATUS_STYLE.get(job.status, "yellow")
    step = f"{last.step}/{last.total_steps or '?'}" if last else "-"
    return (
        str(job.id),
        job.provider,
        f"[{style}]{job.status}[/]",
        job.base_model,
        str(job.version_id or "-"),
        step,
        f"{last.train_loss:.4f}" if last and last.train_loss is not None else "-",
        f"{valid:.4f}" if valid is not None else "-",
        job.fine_tuned_model or "",
    )


class JobsScreen(Screen[None]):
    """The jobs table; Enter opens a job, `n` starts one from a frozen version."""

    CSS_PATH = "jobs.tcss"
    BINDINGS = [
        Binding("enter", "open_job", "Open", id="jobs.open"),
        Binding("n", "new_job", "New job", id="jobs.new"),
        Binding("P", "providers", "Providers", id="jobs.providers"),
        Binding("y", "copy_model_id", "Copy model id", id="jobs.copy"),
        Binding("q", "app.quit_hint", "Back", show=False, id="jobs.quit"),
    ]

    def compose(self) -> ComposeResult:
        """Title, table, hint."""
        yield Label("[b]tuiapp[/b] · jobs", id="jobs-title")
        yield DataTable(id="jobs-table", cursor_type="row", zebra_stripes=True)
        yield Label("", id="jobs-hint")
        yield Label("", id="jobs-detail")
        yield KeyFooter()

    def on_mount(self) -> None:
        """Follow the watcher (the table fills when the screen is shown)."""
        workspace_of(self.app).jobs.subscribe(self, self.on_polled)

    def on_screen_resume(self) -> None:
        """Read the jobs each time the screen is shown: they may have started elsewhere."""
        self.reload()

    def reload(self) -> None:
        """Read the jobs from the store."""
        table = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_columns(
            "id", "provider", "status", "model", "version", "step", "train", "valid", "model id"
        )
        jobs = list_jobs(workspace_of(self.app).store)
        for job in jobs:
            table.add_row(*job_row(workspace_of(self.app).store, job), key=str(job.id))
        self.query_one("#jobs-hint", Label).update(
            ""
            if jobs
            else "No jobs yet. Freeze a dataset version (V in the review), then press n here."
        )

    def on_polled(self, polled: Polled) -> None:
        """Update the polled job's row."""
        table = self.query_one(DataTable)
        key = str(polled.job.id)
        if key not in table.rows:
            self.reload()
            return
        for column, value in zip(
            table.columns, job_row(workspace_of(self.app).store, polled.job), strict=True
        ):
            table.update_cell(key, column, value)

    def _selected(self) -> int | None:
        """The job id under the cursor."""
        key = cursor_key(self.query_one(DataTable))
        return int(key) if key else None

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """The selected job's whole model id, which the table cuts at 80 columns."""
        job_id = self._selected()
        job = get_job(workspace_of(self.app).store, job_id) if job_id is not None else None
        detail = ""
        if job is not None:
            detail = f"job {job.id} · {job.provider} · {job.base_model}"
            if job.fine_tuned_model:
                left = days_left_text(retirement_date(job.base_model), today())
                detail += f" ({left})" if left else ""
                detail += f" -> {job.fine_tuned_model}  (y copies it)"
        self.query_one("#jobs-detail", Label).update(escape(detail))

    def action_copy_model_id(self) -> None:
        """Copy the selected job's fine-tuned model id."""
        job_id = self._selected()
        job = get_job(workspace_of(self.app).store, job_id) if job_id is not None else None
        copy_value(self.app, job.fine_tuned_model if job else None, "fine-tuned model id")

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter opens the job."""
        event.stop()
        self.action_open_job()

    def action_open_job(self) -> None:
        """The job's live progress."""
        job_id = self._selected()
        if job_id is not None:
            workspace_of(self.app).nav.job(job_id)

    def action_providers(self) -> None:
        """Which providers can be used, test them, pick the default."""
        workspace_of(self.app).nav.providers()

    @work
    async def action_new_job(self) -> None:
        """Pick a frozen version, then fill in the job form."""
        versions = list_versions(workspace_of(self.app).store)
        if not versions:
            self.notify("Freeze a dataset version first (V in the review).", severity="warning")
            return
        choices = [
            (
                str(v.id),
                f"{v.name} · dataset {v.dataset_id} · train {v.counts.get('train', 0):,}"
                f" · holdout {v.counts.get('holdout', 0):,} · {v.short_hash}",
            )
            for v in versions
        ]

        version_id = await self.app.push_screen_wait(
            ChoiceScreen("Train on which version?", choices)
        )
        if version_id:
            workspace_of(self.app).nav.new_job(int(version_id))
