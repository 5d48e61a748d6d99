"""The job screen's checkpoints: a table of their metrics (step, train, valid and full-holdout
loss: columns that stay whatever the provider reports) and the selected one's whole model id,
metrics and accuracy on a full-width line; keys open it in the playground beside the base,
evaluate it, or copy its id."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.markup import escape
from textual.binding import Binding
from textual.widgets import DataTable, Static

from screens.clipboard import copy_value
from tuiapp.store.jobs import MetricPoint
from tuiapp.workspace import workspace_of

COLUMNS = (" step", " train", " valid", " full")  # no cell padding: fits 26 columns at 80


def number(metrics: dict[str, Any], *names: str) -> float | None:
    """The first of these metrics that is a number."""
    for name in names:
        value = metrics.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    return None


def cell(value: float | None) -> str:
    """A loss as a table cell ('-' when the provider did not report it)."""
    return "     -" if value is None else f" {value:.3f}"


def detail_line(checkpoint: dict[str, Any]) -> str:
    """The selected checkpoint: its whole model id, its metrics, accuracy included, and keys."""
    metrics = checkpoint["metrics"]
    parts = [f"checkpoint step {checkpoint['step']:,}"]
    for label, name in (
        ("train", "train_loss"),
        ("valid", "valid_loss"),
        ("full valid", "full_valid_loss"),
    ):
        value = number(metrics, name)
        if value is not None:
            parts.append(f"{label} {value:.4f}")
    for label, name in (
        ("valid acc", "valid_mean_token_accuracy"),
        ("full acc", "full_valid_mean_token_accuracy"),
    ):
        value = number(metrics, name)
        if value is not None:
            parts.append(f"{label} {value:.1%}")
    keys = "[dim]g playground · e evaluate · y copy id[/]"
    return f"[b]{escape(checkpoint['model_id'])}[/b]\n" + " · ".join(parts) + f" {keys}"


def with_step_metrics(
    checkpoints: list[dict[str, Any]], points: Sequence[MetricPoint]
) -> list[dict[str, Any]]:
    """Checkpoints whose missing losses and accuracies are filled from the job's metrics at
    their step (what the provider reported for the checkpoint itself wins)."""
    by_step = {p.step: p for p in points}
    filled = []
    for checkpoint in checkpoints:
        point = by_step.get(checkpoint["step"])
        metrics = dict(checkpoint["metrics"])
        if point is not None:
            for name, value in (
                ("train_loss", point.train_loss),
                ("valid_loss", point.valid_loss),
                ("full_valid_loss", point.full_valid_loss),
                ("valid_mean_token_accuracy", point.valid_accuracy),
                ("full_valid_mean_token_accuracy", point.full_valid_accuracy),
            ):
                if value is not None and number(metrics, name) is None:
                    metrics[name] = value
        filled.append({**checkpoint, "metrics": metrics})
    return filled


class CheckpointDetail(Static):
    """The selected checkpoint's whole model id and metrics, full width under the chart."""

    DEFAULT_CSS = """
    CheckpointDetail { height: auto; padding: 0 1; }
    """


class CheckpointTable(DataTable[str]):
    """The checkpoints, one row each (train, valid, full-holdout loss); its keys act on the row
    under the cursor, whose whole id and accuracy the detail line shows."""

    BINDINGS = [
        Binding("g", "playground", "Try checkpoint", id="checkpoints.playground"),
        Binding("enter", "playground", "Try checkpoint", show=False, id="checkpoints.open"),
        Binding("e", "evaluate", "Evaluate checkpoint", id="checkpoints.evaluate"),
        Binding("y", "copy", "Copy id", id="checkpoints.copy"),
    ]

    def __init__(self, job_id: int, detail: CheckpointDetail, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True, cell_padding=0)
        self.job_id = job_id
        self.detail = detail
        self.checkpoints: list[dict[str, Any]] = []

    def on_mount(self) -> None:
        """The columns, once: they stay whatever a provider reports."""
        self.add_columns(*COLUMNS)
        self.detail.display = False

    def show(self, checkpoints: list[dict[str, Any]], points: Sequence[MetricPoint] = ()) -> None:
        """Replace the rows (when they changed), keeping the cursor on the same step; a loss the
        provider left out of a checkpoint comes from the job's metrics at that step."""
        checkpoints = with_step_metrics(checkpoints, points)
        if checkpoints == self.checkpoints:
            return
        step = self.selected["step"] if self.selected else None
        self.checkpoints = checkpoints
        self.clear()
        for checkpoint in checkpoints:
            metrics = checkpoint["metrics"]
            self.add_row(
                f" {checkpoint['step']:,}",
                cell(number(metrics, "train_loss")),
                cell(number(metrics, "valid_loss")),
                cell(number(metrics, "full_valid_loss")),
            )
        steps = [c["step"] for c in checkpoints]
        if step in steps:
            self.move_cursor(row=steps.index(step))
        self._detail()

    @property
    def selected(self) -> dict[str, Any] | None:
        """The checkpoint under the cursor."""
        if not self.checkpoints or not 0 <= self.cursor_row < len(self.checkpoints):
            return None
        return self.checkpoints[self.cursor_row]

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """The cursor moved: show that checkpoint's whole id."""
        self._detail()

    def _detail(self) -> None:
        """The detail line of the selected checkpoint (hidden while there is none)."""
        selected = self.selected
        self.detail.display = selected is not None
        if selected is not None:
            self.detail.update(detail_line(selected))

    def action_playground(self) -> None:
        """Chat with the checkpoint beside the job's base model."""
        if self.selected:
            workspace_of(self.app).nav.playground(self.job_id, model=self.selected["model_id"])

    def action_evaluate(self) -> None:
        """The checkpoint against the base model on the holdout."""
        if self.selected:
            workspace_of(self.app).nav.evaluate(self.job_id, model=self.selected["model_id"])

    def action_copy(self) -> None:
        """The checkpoint's whole model id to the clipboard (OSC 52)."""
        copy_value(self.app, self.selected["model_id"] if self.selected else None, "checkpoint id")
