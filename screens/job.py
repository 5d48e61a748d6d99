"""One job, live: the loss chart, step / total, elapsed and ETA, a plain-words diagnosis,
checkpoints, the event log, and cancel / pause / resume."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Label, RichLog, Static

from screens.choice import ChoiceScreen
from screens.confirm import ConfirmScreen
from screens.job_checkpoints import CheckpointDetail, CheckpointTable
from screens.retrain_dialog import retrain_elsewhere
from tuiapp.data.eta import describe, duration
from tuiapp.jobs.diagnosis import Context, diagnose
from tuiapp.providers.base import ProviderError
from tuiapp.services.job_watch import Polled, job_eta, verdict_context
from tuiapp.store.job_resources import Resources, latest_resources
from tuiapp.store.jobs import (
    Job,
    MetricPoint,
    get_job,
    job_checkpoints,
    job_events,
    job_metrics,
    upload_status,
)
from tuiapp.widgets.key_footer import KeyFooter
from tuiapp.widgets.loss_chart import LossChart
from tuiapp.workspace import workspace_of

VERDICT_STYLE = {
    "learning": "green",
    "overfitting": "yellow",
    "underfitting": "yellow",
    "diverging": "red",
    "leakage": "red",
    "low-valid": "yellow",
}


def progress_line(job: Job, points: Sequence[MetricPoint], now: float) -> str:
    """Status, step / total, elapsed and the time left (measured; only while running)."""
    started = datetime.fromisoformat(job.created_at).timestamp()
    ended = datetime.fromisoformat(job.finished_at).timestamp() if job.finished_at else now
    last = points[-1] if points else None
    parts = [f"[b]{job.status}[/b]"]
    if last is not None:
        parts.append(f"step {last.step:,}/{last.total_steps or '?'}")
    parts.append(f"elapsed {duration(ended - started)}")
    eta = job_eta(job, points, now)
    if eta is not None:
        parts.append(describe(eta))
    elif job.status == "running" and job.estimated_finish:
        parts.append(f"ETA {duration(job.estimated_finish - now)} (provider's estimate)")
    if job.fine_tuned_model:
        parts.append(f"model [b]{job.fine_tuned_model}[/b]")
    if job.error:
        parts.append(f"[red]{job.error}[/]")
    return " · ".join(parts)


def resources_line(found: Resources | None) -> str:
    """Device, tokens/s and memory of the newest metrics event ("" when none was reported)."""
    if found is None:
        return ""
    parts = [f"device [b]{found.device}[/b]"]
    if found.tokens_per_second is not None:
        parts.append(f"{found.tokens_per_second:,.0f} tokens/s")
    if found.memory_mb is not None:
        parts.append(f"peak memory {found.memory_mb:,.0f} MB")
    return " · ".join(parts)


class JobScreen(Screen[None]):
    """The live progress of one job."""

    CSS_PATH = "job.tcss"
    BINDINGS = [
        Binding("s", "toggle_smooth", "Smooth", id="job.smooth"),
        Binding("a", "toggle_accuracy", "Loss/accuracy", id="job.accuracy"),
        Binding("c", "control('cancel')", "Cancel job", id="job.cancel"),
        Binding("p", "control('pause')", "Pause", id="job.pause"),
        Binding("r", "control('resume')", "Resume", id="job.resume"),
        Binding("e", "evaluate", "Evaluate", id="job.evaluate"),
        Binding("g", "playground", "Playground", id="job.playground"),
        Binding("x", "export_model", "Export model", id="job.export_model"),
        Binding("m", "retrain", "Retrain elsewhere", id="job.retrain"),
        Binding("escape,q", "back", "Back", id="job.back"),
    ]

    def __init__(self, job_id: int) -> None:
        super().__init__()
        self.job_id = job_id
        self.last_step = -1
        self.job: Job | None = None
        self.context = Context()

    def compose(self) -> ComposeResult:
        """Header, chart beside diagnosis and checkpoints, events, footer."""
        detail = CheckpointDetail(id="checkpoint-detail")  # full width: whole ids fit at 80
        yield Label("", id="job-title")
        yield Static("", id="job-progress")
        yield Static("", id="job-resources")
        with Horizontal(id="job-body"):
            yield LossChart(id="job-chart")
            with Vertical(id="job-side"):
                yield Static("", id="job-diagnosis")
                yield CheckpointTable(self.job_id, detail, id="job-checkpoints")
        yield detail
        # min_width=1: wrap at the log's real width (the default 78 wraps wider, then crops)
        yield RichLog(id="job-events", wrap=True, markup=True, auto_scroll=True, min_width=1)
        yield KeyFooter()

    def on_mount(self) -> None:
        """Everything stored so far, then follow the watcher."""
        store = workspace_of(self.app).store
        job = get_job(store, self.job_id)
        files = [
            f"{label} {file_id} ({upload_status(store, job.provider, file_id) or '?'})"
            for label, file_id in (("train", job.training_file), ("valid", job.validation_file))
            if file_id
        ]
        self.query_one("#job-title", Label).update(
            f"[b]Job {job.id}[/b] · {job.provider} {job.remote_id} · {job.base_model} · "
            f"version {job.version_id or '-'} · {job.method} · " + " · ".join(files)
        )
        points = job_metrics(workspace_of(self.app).store, self.job_id)
        self.query_one(LossChart).set_points(points)
        self.last_step = points[-1].step if points else -1
        log = self.query_one(RichLog)
        events = job_events(workspace_of(self.app).store, self.job_id, limit=500)
        for event in events:
            log.write(self._event_line(event))
        self._seen_events = {e["event_id"] for e in events}
        self.context = verdict_context(store, job)
        self.refresh_summary(job)
        workspace_of(self.app).jobs.subscribe(self, self.on_polled)
        self.set_interval(1.0, self.show_progress)  # elapsed and ETA tick between polls

    def show_progress(self) -> None:
        """The progress line now (from what the last poll brought)."""
        if self.job is not None:
            points = self.query_one(LossChart).points
            self.query_one("#job-progress", Static).update(
                progress_line(self.job, points, time.time())
            )

    @staticmethod
    def _event_line(event: dict[str, object]) -> str:
        """One event for the log."""
        at = time.strftime("%H:%M:%S", time.localtime(int(event["created_at"])))  # type: ignore[call-overload]
        style = "red" if event["level"] == "error" else "dim" if event["type"] == "metrics" else ""
        text = str(event["message"]).replace("[", "\\[")
        return f"[dim]{at}[/] [{style}]{text}[/]" if style else f"[dim]{at}[/] {text}"

    def refresh_summary(self, job: Job) -> None:
        """Progress line, diagnosis and checkpoints from the store."""
        self.job = job
        self.show_progress()
        line = resources_line(latest_resources(workspace_of(self.app).store, self.job_id))
        self.query_one("#job-resources", Static).update(line)
        self.query_one("#job-resources").display = bool(line)
        chart = self.query_one(LossChart)
        verdict = diagnose(chart.points, finished=job.finished, context=self.context)
        style = VERDICT_STYLE.get(verdict.verdict, "")
        self.query_one("#job-diagnosis", Static).update(
            f"[b {style}]{verdict.title}[/]\n{verdict.detail}"
            if style
            else f"[b]{verdict.title}[/b]\n{verdict.detail}"
        )
        self.query_one(CheckpointTable).show(
            job_checkpoints(workspace_of(self.app).store, self.job_id), chart.points
        )

    def on_polled(self, polled: Polled) -> None:
        """New metrics, events and state from the watcher."""
        if polled.job.id != self.job_id:
            return
        new = job_metrics(workspace_of(self.app).store, self.job_id, self.last_step)
        if new:
            self.query_one(LossChart).add_points(new)
            self.last_step = new[-1].step
        log = self.query_one(RichLog)
        for event in job_events(
            workspace_of(self.app).store, self.job_id, limit=max(20, polled.new_events)
        ):
            if event["event_id"] not in self._seen_events:
                self._seen_events.add(event["event_id"])
                log.write(self._event_line(event))
        self.refresh_summary(polled.job)

    def action_toggle_smooth(self) -> None:
        """Smoothed training curve on/off."""
        chart = self.query_one(LossChart)
        chart.smoothed = not chart.smoothed

    def action_toggle_accuracy(self) -> None:
        """Show token accuracy instead of loss, and back."""
        chart = self.query_one(LossChart)
        chart.accuracy = not chart.accuracy

    @work
    async def action_control(self, what: str) -> None:
        """Cancel, pause or resume, after a confirmation."""
        job = get_job(workspace_of(self.app).store, self.job_id)
        if job.finished:
            self.notify(f"The job has already {job.status}.")
            return
        questions = {
            "cancel": (
                "Cancel this job?",
                "Training stops; what it learned so far is lost "
                "(checkpoints already saved stay usable).",
            ),
            "pause": (
                "Pause this job?",
                "Training stops after the current step and can be resumed from exactly there.",
            ),
            "resume": ("Resume this job?", "Training continues from the step it paused at."),
        }
        title, body = questions[what]

        yes = await self.app.push_screen_wait(ConfirmScreen(title, body, yes=what.capitalize()))
        if yes:
            self._control(job, what)

    @work(exclusive=True, group="control")
    async def _control(self, job: Job, what: str) -> None:
        """Ask the provider; the watcher brings the new state."""
        try:
            provider = await workspace_of(self.app).providers.get(job.provider)
            if what != "cancel" and not provider.capabilities.pause_resume:
                self.notify(f"{job.provider} cannot {what} jobs.", severity="warning")
                return
            remote = await getattr(provider, what)(job.remote_id)
        except ProviderError as err:
            self.notify(err.message, title=f"Could not {what}", severity="error")
            return
        self.notify(f"Job {job.id}: {remote.status}.")

    def action_evaluate(self) -> None:
        """The fine-tuned model against its base model on the holdout."""
        workspace_of(self.app).nav.evaluate(self.job_id)

    def action_playground(self) -> None:
        """Chat with the fine-tuned model beside its base model."""
        workspace_of(self.app).nav.playground(self.job_id)

    @work
    async def action_retrain(self) -> None:
        """Move this job's version and settings to another provider (a dialog: target,
        mapping notes, cost)."""
        await retrain_elsewhere(self, self.job_id)

    @work
    async def action_export_model(self) -> None:
        """Ask the model (final or a checkpoint) and the format, then export in a thread."""
        from tuiapp.local.export_model import ExportError
        from tuiapp.services.model_export import local_job_id

        try:
            local_id = local_job_id(workspace_of(self.app).store, str(self.job_id))
        except ExportError as err:
            self.notify(str(err), title="Cannot export", severity="warning", markup=False)
            return
        steps = [c["step"] for c in job_checkpoints(workspace_of(self.app).store, self.job_id)]
        step: str | None = "final"
        if steps:
            models = [
                ("final", "the final model"),
                *((str(s), f"checkpoint step {s}") for s in steps),
            ]
            step = await self.app.push_screen_wait(ChoiceScreen("Export which model?", models))
        formats = [
            ("adapter", "adapter: the PEFT adapter (vLLM --enable-lora)"),
            ("merged", "merged: base + adapter as one safetensors model"),
            ("ollama", "ollama: a Modelfile (ollama create)"),
            ("gguf", "gguf: one GGUF file (needs llama.cpp's converter)"),
        ]
        fmt = await self.app.push_screen_wait(ChoiceScreen("Export as", formats)) if step else None
        if step and fmt:
            self._export(local_id, fmt, None if step == "final" else int(step))

    @work(thread=True, exclusive=True, group="export")
    def _export(self, local_id: str, fmt: str, step: int | None) -> None:
        """Write the export; the folder and the serve commands in a notification."""
        import os

        from tuiapp.local.export_model import ExportError
        from tuiapp.services.model_export import export_local_job

        self.app.call_from_thread(self.notify, f"Exporting {fmt} ...", timeout=3)
        ws = workspace_of(self.app)
        try:
            done = export_local_job(ws.paths, ws.providers.env or os.environ, local_id, fmt, step)
        except (ExportError, OSError) as err:
            self.app.call_from_thread(
                self.notify,
                str(err),
                title="Export failed",
                severity="error",
                timeout=30,
                markup=False,
            )
            return
        serve = [c for c in done.commands if "tuiapp export-model" not in c]  # CLI hints
        text = f"{done.path} ({done.size_bytes / 1e6:,.1f} MB)\n" + "\n".join(serve)
        self.app.call_from_thread(
            self.notify, text, title=f"Exported {fmt}", timeout=30, markup=False
        )

    def action_back(self) -> None:
        """Back to the list."""
        self.dismiss(None)
