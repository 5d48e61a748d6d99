"""The loss chart: training and validation loss (or accuracy) per step of one or several jobs,
drawn with textual-plotext, with a legend line above the plot, a cursor readout below it, a
log-scale toggle, zoom to the last steps, whole-number step ticks and a y range that the first
steps' loss does not dominate; long runs are thinned to what the terminal can show."""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import attrgetter

from rich.text import Text
from textual.app import RenderResult
from textual.binding import Binding
from textual.reactive import reactive
from textual_plotext import PlotextPlot

from tuiapp.data.chart_ticks import (
    integer_ticks,
    log_ticks,
    robust_limits,
    tick_label,
    value_ticks,
)
from tuiapp.jobs.curve_readings import smooth
from tuiapp.store.jobs import MetricPoint

MAX_SAMPLES_PER_CELL = 2  # braille dots: two x positions per terminal cell
ZOOMS: tuple[int | None, ...] = (None, 100, 20)  # all steps, then the last 100, the last 20
RICH_COLOR = {"orange": "dark_orange", "gray": "grey50"}  # plotext names rich does not know
RUN_COLORS = ("cyan", "orange", "magenta", "green", "red", "blue", "yellow", "white")
SERIES = (  # (loss key, accuracy key, legend name, colour in a one-job chart)
    ("train_loss", "train_accuracy", "train", "cyan"),
    ("valid_loss", "valid_accuracy", "valid", "orange"),
    ("full_valid_loss", "full_valid_accuracy", "full valid", "red"),
)


def thin(xs: Sequence[int], ys: Sequence[float], limit: int) -> tuple[list[int], list[float]]:
    """At most `limit` points, evenly spaced, always keeping the last one."""
    if len(xs) <= limit or limit < 2:
        return list(xs), list(ys)
    stride = len(xs) / (limit - 1)
    picks = sorted({min(len(xs) - 1, round(i * stride)) for i in range(limit)} | {len(xs) - 1})
    return [xs[i] for i in picks], [ys[i] for i in picks]


def pack(parts: Sequence[str], width: int) -> list[str]:
    """Parts joined with " · " into lines of at most `width` (a part never split)."""
    lines: list[str] = []
    for part in parts:
        if lines and len(lines[-1]) + 3 + len(part) <= width:
            lines[-1] += " · " + part
        else:
            lines.append(part)
    return lines


def _fmt(value: float | None) -> str:
    """A metric for the readout."""
    return "-" if value is None else f"{value:.4f}"


def _at_or_before(points: Sequence[MetricPoint], step: int, key: str) -> tuple[int, float] | None:
    """The last (step, value) of a metric at or before `step` (validation runs every N steps)."""
    for point in reversed(points):
        value = getattr(point, key)
        if point.step <= step and value is not None:
            return point.step, value
    return None


@dataclass
class ChartRun:
    """One job's curves on the chart."""

    label: str
    points: list[MetricPoint] = field(default_factory=list)


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
            if len(self.runs) == 1:
                every = [p.step for p in self.points]  # the store returns them in step order
            else:
                every = sorted({p.step for run in self.runs for p in run.points})
            if self.zoom is not None and every:
                every = every[bisect_right(every, every[-1] - self.zoom) :]
            self._steps = every
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
        step = self.cursor_step()
        if step is None:
            return ["no metrics yet"]
        total = next((p.total_steps for p in self.points if p.total_steps), None)
        total = total if len(self.runs) == 1 else None  # jobs of several lengths
        parts = [f"step {step}" + (f"/{total}" if total else "")]
        for run in self.runs:
            found = [
                _at_or_before(run.points, step, key)
                for key in ("train_loss", "valid_loss", "train_accuracy")
            ]
            train, valid, acc = (
                (f"{_fmt(f[1])}{'' if f[0] == step else f' (step {f[0]})'}" if f else "-")
                for f in found
            )
            if run.label:
                parts.append(f"{run.label}: train {train} valid {valid}")
            else:
                parts += [f"train {train}", f"valid {valid}", f"acc {acc}"]
        return parts

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

    def _series(self) -> list[tuple[list[int], list[float], str, bool]]:
        """(steps, values, colour, is a scatter) of every curve in the zoom window."""
        steps = self.steps()
        first = steps[0] if steps else 0
        out = []
        for index, run in enumerate(self.runs):
            for number, (loss_key, acc_key, _name, color) in enumerate(SERIES):
                key = acc_key if self.accuracy else loss_key
                if len(self.runs) > 1:
                    if number == 2:
                        continue  # full validation: kept for one-job charts
                    color = RUN_COLORS[index % len(RUN_COLORS)]
                get = attrgetter(key)
                xs, ys = [], []
                for p in run.points:
                    value = get(p)
                    if value is not None and p.step >= first and (value > 0 or not self.log_scale):
                        xs.append(p.step)
                        ys.append(value)
                if not xs:
                    continue
                if self.smoothed and number == 0:
                    ys = smooth(ys, max(1, len(ys) // 20))
                scatter = number == 2 or (len(self.runs) > 1 and number == 1)
                out.append((xs, ys, color, scatter))
        return out

    def replot(self) -> None:
        """Draw the curves, ticks and cursor into plotext's canvas."""
        self._steps = None
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        width, height = max(20, self.size.width), max(6, self.size.height - 3)
        limit = max(20, width * MAX_SAMPLES_PER_CELL)
        series = self._series()
        values = [v for _xs, ys, _c, _s in series for v in ys]
        for xs, ys, color, scatter in series:
            xs, ys = thin(xs, ys, limit)
            ys = [math.log10(v) for v in ys] if self.log_scale else ys
            if scatter:
                plt.scatter(xs, ys, color=color, marker="●" if len(self.runs) == 1 else "•")
            else:
                plt.plot(xs, ys, color=color, marker="braille")
        steps = self.steps()
        self.x_labels, self.y_labels = [], []
        if steps and values:
            x_ticks = integer_ticks(steps[0], steps[-1], max(2, width // 9))
            plt.xticks([float(t) for t in x_ticks], [str(t) for t in x_ticks])
            plt.xlim(steps[0], steps[-1] if steps[-1] > steps[0] else steps[0] + 1)
            self.x_labels = [str(t) for t in x_ticks]
            if self.log_scale:
                low, high = min(values), max(values)
                ticks = log_ticks(low, high, max(2, height // 2))
                plt.ylim(math.log10(low) - 0.02, math.log10(high) + 0.02)
                self.y_labels = [f"{t:g}" for t in ticks]
                plt.yticks([math.log10(t) for t in ticks], self.y_labels)
            else:
                low, high = robust_limits(values)
                ticks = value_ticks(low, high, max(2, height // 2))
                plt.ylim(low, high)
                self.y_labels = [tick_label(t, ticks) for t in ticks]
                plt.yticks(ticks, self.y_labels)
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
