"""The loss chart: training and validation loss (or accuracy) per step of one or several jobs,
drawn with textual-plotext, with a legend line above the plot, a cursor readout below it, a
log-scale toggle, zoom to the last steps, whole-number step ticks and a y range that the first
steps' loss does not dominate; long runs are thinned to what the terminal can show (what the
chart shows is worked out, Textual-free, in `tuiapp.jobs.chart_view`)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from rich.text import Text
from textual.app import RenderResult
from textual.binding import Binding
from textual.reactive import reactive
from textual_plotext import PlotextPlot

from tuiapp.jobs.chart_view import (
    RUN_COLORS,
    SERIES,
    ZOOMS,
    ChartRun,
    axes,
    curves,
    pack,
    readout_parts,
    steps_shown,
    thin,
)
from tuiapp.store.jobs import MetricPoint

MAX_SAMPLES_PER_CELL = 2  # braille dots: two x positions per terminal cell
RICH_COLOR = {"orange": "dark_orange", "gray": "grey50"}  # plotext names rich does not know

__all__ = ["MAX_SAMPLES_PER_CELL", "ChartRun", "LossChart", "pack", "thin"]


class LossChart(PlotextPlot, can_focus=True):
    """Train and validation curves of one job, or of several jobs overlaid (one colour each)."""

    DEFAULT_CSS = """
    LossChart { height: 1fr; min-height: 8; }
    LossChart:focus { background-tint: $foreground 4%; }
    """
    BINDINGS = [
        Binding("l", "toggle_log", "Log scale", id="chart.log"),
        Binding("z", "zoom", "Zoom", id="chart.zoom"),
        Binding("left", "move(-1)", "Cursor", key_display="←→", id="chart.left"),
        Binding("right", "move(1)", "Cursor", show=False, id="chart.right"),
        Binding("shift+left", "move(-10)", "Cursor -10", show=False, id="chart.left10"),
        Binding("shift+right", "move(10)", "Cursor +10", show=False, id="chart.right10"),
        Binding("home", "move_to(0)", "First step", show=False, id="chart.first"),
        Binding("end", "move_to(-1)", "Last step", show=False, id="chart.last"),
    ]

    smoothed: reactive[bool] = reactive(False)
    accuracy: reactive[bool] = reactive(False)
    log_scale: reactive[bool] = reactive(False)
    zoom: reactive[int | None] = reactive(None)
    cursor: reactive[int | None] = reactive(None)  # a step; None follows the last one

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.runs: list[ChartRun] = [ChartRun("")]
        self._steps: list[int] | None = None
        self.x_labels: list[str] = []
        self.y_labels: list[str] = []

    @property
    def points(self) -> list[MetricPoint]:
        """The first (in a one-job chart, the only) job's metrics."""
        return self.runs[0].points

    def set_points(self, points: Sequence[MetricPoint]) -> None:
        """Replace the data of a one-job chart and redraw."""
        self.runs = [ChartRun("", list(points))]
        self.replot()

    def set_runs(self, runs: Sequence[ChartRun]) -> None:
        """Overlay several jobs (each run's label names it in the legend) and redraw."""
        self.runs = list(runs) or [ChartRun("")]
        self.replot()

    def add_points(self, points: Sequence[MetricPoint]) -> None:
        """Append new steps to a one-job chart and redraw."""
        if points:
            self.runs[0].points.extend(points)
            self.replot()

    def on_resize(self) -> None:
        """Thin and tick for the new size."""
        self.replot()

    def watch_smoothed(self) -> None:
        """Redraw with or without smoothing."""
        self.replot()

    def watch_accuracy(self) -> None:
        """Redraw loss or accuracy."""
        self.replot()

    def watch_log_scale(self) -> None:
        """Redraw on a log or linear y axis."""
        self.replot()

    def watch_zoom(self) -> None:
        """Redraw the steps in the zoom window."""
        self.replot()

    def watch_cursor(self) -> None:
        """Move the cursor line and the readout."""
        self.replot()

    def action_toggle_log(self) -> None:
        """Log or linear y axis."""
        self.log_scale = not self.log_scale

    def action_zoom(self) -> None:
        """All steps, the last 100, the last 20, and round again."""
        self.zoom = ZOOMS[(ZOOMS.index(self.zoom) + 1) % len(ZOOMS)]

    def steps(self) -> list[int]:
        """Every step with a metric, in the zoom window (computed once per replot)."""
        if self._steps is None:
            self._steps = steps_shown(self.runs, self.zoom)
        return self._steps

    def action_move(self, by: int) -> None:
        """Move the cursor `by` steps with metrics (from the last step when it has none)."""
        steps = self.steps()
        if not steps:
            return
        here = steps.index(self.cursor) if self.cursor in steps else len(steps) - 1
        self.cursor = steps[max(0, min(len(steps) - 1, here + by))]

    def action_move_to(self, index: int) -> None:
        """Put the cursor on the first (0) or the last (-1) step shown."""
        steps = self.steps()
        if steps:
            self.cursor = steps[index]

    def cursor_step(self) -> int | None:
        """The step the readout describes: the cursor's, or the last one shown."""
        steps = self.steps()
        if not steps:
            return None
        return self.cursor if self.cursor in steps else steps[-1]

    def readout(self) -> str:
        """The values at the cursor's step: train and validation loss and accuracy."""
        return " · ".join(self.readout_parts())

    def readout_parts(self) -> list[str]:
        """The readout's pieces: the step, then each job's values."""
        return readout_parts(self.runs, self.cursor_step())

    def legend(self) -> Text:
        """What the plot shows, which curve is which colour, and the view's settings."""
        what = "accuracy" if self.accuracy else "loss"
        text = Text()
        text.append(what + (" (smoothed)" if self.smoothed else "") + "  ", style="bold")
        if len(self.runs) == 1:
            for loss_key, acc_key, name, color in SERIES:
                key = acc_key if self.accuracy else loss_key
                if any(getattr(p, key) is not None for p in self.points):
                    text.append(
                        "● " if key.startswith("full") else "━ ", style=RICH_COLOR.get(color, color)
                    )
                    text.append(f"{name}  ")
        else:
            for index, run in enumerate(self.runs):
                color = RUN_COLORS[index % len(RUN_COLORS)]
                text.append("━ ", style=RICH_COLOR.get(color, color))
                text.append(f"{run.label}  ")
            text.append("━ train • valid  ", style="dim")
        flags = ["log" if self.log_scale else "linear"]
        flags.append(f"last {self.zoom} steps" if self.zoom else "all steps")
        text.append(" · ".join(flags), style="dim")
        return text

    def replot(self) -> None:
        """Draw the curves, ticks and cursor into plotext's canvas."""
        self._steps = None
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        width, height = max(20, self.size.width), max(6, self.size.height - 3)
        limit = max(20, width * MAX_SAMPLES_PER_CELL)
        steps = self.steps()
        drawn = curves(
            self.runs,
            steps[0] if steps else 0,
            accuracy=self.accuracy,
            log_scale=self.log_scale,
            smoothed=self.smoothed,
        )
        for curve in drawn:
            xs, ys = thin(curve.xs, curve.ys, limit)
            ys = [math.log10(v) for v in ys] if self.log_scale else ys
            if curve.scatter:
                marker = "●" if len(self.runs) == 1 else "•"
                plt.scatter(xs, ys, color=curve.color, marker=marker)
            else:
                plt.plot(xs, ys, color=curve.color, marker="braille")
        values = [v for curve in drawn for v in curve.ys]
        self.x_labels, self.y_labels = [], []
        if steps and values:
            ticks = axes(steps, values, width, height, self.log_scale)
            plt.xticks([float(t) for t in ticks.x_ticks], [str(t) for t in ticks.x_ticks])
            plt.xlim(*ticks.x_lim)
            self.x_labels = [str(t) for t in ticks.x_ticks]
            plt.ylim(*ticks.y_lim)
            self.y_labels = ticks.y_labels
            plt.yticks(ticks.y_ticks, ticks.y_labels)
            step = self.cursor_step()
            if self.cursor is not None and step is not None:
                plt.vertical_line(step, color="gray")
        self.refresh()

    def render(self) -> RenderResult:
        """The legend line(s), the plot and the readout below it."""
        width = max(10, self.size.width)
        above = list(self.legend().wrap(self.app.console, width))
        style = "bold" if self.cursor is not None else ""
        below = [Text(line, style=style) for line in pack(self.readout_parts(), width)]
        plot_height = max(3, self.size.height - len(above) - len(below))
        self.plt.plotsize(self.size.width, plot_height)
        self.plt._set_size(self.size.width, plot_height)
        self.plt.theme(self._get_plotext_theme_name(self.app.theme))
        return Text("\n").join([*above, Text.from_ansi(self.plt.build()), *below])
