"""The live loss chart: training and validation loss (or accuracy) per step, drawn with
textual-plotext; long runs are thinned to what the terminal can show before plotting."""

from __future__ import annotations

from collections.abc import Sequence

from textual.reactive import reactive
from textual_plotext import PlotextPlot

from tuiapp.jobs.diagnosis import smooth
from tuiapp.store.jobs import MetricPoint

MAX_SAMPLES_PER_CELL = 2  # braille dots: two x positions per terminal cell


def thin(xs: Sequence[int], ys: Sequence[float], limit: int) -> tuple[list[int], list[float]]:
    """At most `limit` points, evenly spaced, always keeping the last one."""
    if len(xs) <= limit or limit < 2:
        return list(xs), list(ys)
    stride = len(xs) / (limit - 1)
    picks = sorted({min(len(xs) - 1, round(i * stride)) for i in range(limit)} | {len(xs) - 1})
    return [xs[i] for i in picks], [ys[i] for i in picks]


class LossChart(PlotextPlot):
    """Train and validation curves of one job."""

    DEFAULT_CSS = "LossChart { height: 1fr; min-height: 10; }"

    smoothed: reactive[bool] = reactive(False)
    accuracy: reactive[bool] = reactive(False)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.points: list[MetricPoint] = []

    def set_points(self, points: Sequence[MetricPoint]) -> None:
        """Replace the data and redraw."""
        self.points = list(points)
        self.replot()

    def add_points(self, points: Sequence[MetricPoint]) -> None:
        """Append new steps and redraw."""
        if points:
            self.points.extend(points)
            self.replot()

    def on_resize(self) -> None:
        """Thin for the new width."""
        self.replot()

    def watch_smoothed(self) -> None:
        """Redraw with or without smoothing."""
        self.replot()

    def watch_accuracy(self) -> None:
        """Redraw loss or accuracy."""
        self.replot()

    def replot(self) -> None:
        """Draw the curves into plotext's canvas."""
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        what = "token accuracy" if self.accuracy else "loss"
        plt.title(f"{what}{' (smoothed)' if self.smoothed else ''}")
        plt.xlabel("step")
        limit = max(20, self.size.width * MAX_SAMPLES_PER_CELL)
        train_key, valid_key = (
            ("train_accuracy", "valid_accuracy") if self.accuracy else ("train_loss", "valid_loss")
        )
        full_key = "full_valid_accuracy" if self.accuracy else "full_valid_loss"
        for key, label, color in (
            (train_key, "train", "cyan"),
            (valid_key, "validation", "orange"),
            (full_key, "full validation", "red"),
        ):
            series = [(p.step, getattr(p, key)) for p in self.points if getattr(p, key) is not None]
            if not series:
                continue
            xs = [s for s, _ in series]
            ys = [v for _, v in series]
            if self.smoothed and key == train_key:
                ys = smooth(ys, max(1, len(ys) // 20))
            xs, ys = thin(xs, ys, limit)
            if key == full_key:
                plt.scatter(xs, ys, label=label, color=color, marker="●")
            else:
                plt.plot(xs, ys, label=label, color=color, marker="braille")
        self.refresh()
