"""Several jobs' loss curves overlaid on one chart (like a run comparison): one colour per job,
the legend above the plot, and the chart's log, zoom and cursor keys."""

from __future__ import annotations

from collections.abc import Sequence

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Label, Static

from tuiapp.store.jobs import Job, MetricPoint, get_job, job_metrics
from tuiapp.widgets.key_footer import KeyFooter
from tuiapp.widgets.loss_chart import ChartRun, LossChart
from tuiapp.workspace import workspace_of


def job_line(job: Job, steps: int) -> str:
    """One job as a line under the chart: what it trained and how far."""
    lr = job.hyperparameters.get("learning_rate_multiplier") or job.hyperparameters.get(
        "learning_rate"
    )
    parts = [f"job {job.id}", job.status, job.base_model, f"{steps} step(s)"]
    if lr is not None:
        parts.append(f"lr {lr}")
    if job.version_id:
        parts.append(f"version {job.version_id}")
    return " · ".join(parts)


class LossOverlayScreen(Screen[None]):
    """The train and validation curves of the marked jobs on one chart."""

    CSS_PATH = "loss_overlay.tcss"
    BINDINGS = [
        Binding("a", "toggle_accuracy", "Loss/accuracy", id="overlay.accuracy"),
        Binding("s", "toggle_smooth", "Smooth", id="overlay.smooth"),
        Binding("escape,q", "back", "Back", id="overlay.back"),
    ]

    def __init__(self, job_ids: Sequence[int]) -> None:
        super().__init__()
        self.job_ids = list(job_ids)

    def compose(self) -> ComposeResult:
        """Title, chart, one line per job, footer."""
        yield Label(
            f"[b]Loss curves[/b] · jobs {', '.join(map(str, self.job_ids))}", id="overlay-title"
        )
        yield LossChart(id="overlay-chart")
        yield Static("", id="overlay-jobs")
        yield KeyFooter()

    def on_mount(self) -> None:
        """Read the jobs' metrics off the event loop."""
        self.query_one(LossChart).focus()
        self.load()

    @work(thread=True, exclusive=True, group="overlay")
    def load(self) -> None:
        """Every marked job and its metrics, from the store."""
        store = workspace_of(self.app).store.reopen()
        try:
            found = [(get_job(store, i), job_metrics(store, i)) for i in self.job_ids]
        finally:
            store.close()
        self.app.call_from_thread(self._show, found)

    def _show(self, found: list[tuple[Job, list[MetricPoint]]]) -> None:
        """Hand the curves to the chart and list the jobs."""
        self.query_one(LossChart).set_runs(
            [ChartRun(f"job {job.id}", points) for job, points in found]
        )
        self.query_one("#overlay-jobs", Static).update(
            "\n".join(job_line(job, len(points)) for job, points in found)
        )

    def action_toggle_accuracy(self) -> None:
        """Token accuracy instead of loss, and back."""
        chart = self.query_one(LossChart)
        chart.accuracy = not chart.accuracy

    def action_toggle_smooth(self) -> None:
        """Smoothed training curves on/off."""
        chart = self.query_one(LossChart)
        chart.smoothed = not chart.smoothed

    def action_back(self) -> None:
        """Back to the experiments."""
        self.dismiss(None)
