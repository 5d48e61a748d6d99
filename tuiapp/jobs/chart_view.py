"""What the loss chart shows, without drawing it: the steps in the zoom window, each curve's
points (smoothed, thinned to what the terminal can show), the axes' ticks and the cursor
readout. The widget (`tuiapp.widgets.loss_chart`) hands these to plotext."""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import attrgetter

from tuiapp.data.chart_ticks import integer_ticks, log_ticks, robust_limits, tick_label, value_ticks
from tuiapp.jobs.curve_readings import smooth
from tuiapp.store.jobs import MetricPoint

ZOOMS: tuple[int | None, ...] = (None, 100, 20)  # all steps, then the last 100, the last 20
RUN_COLORS = ("cyan", "orange", "magenta", "green", "red", "blue", "yellow", "white")
SERIES = (  # (loss key, accuracy key, legend name, colour in a one-job chart)
    ("train_loss", "train_accuracy", "train", "cyan"),
    ("valid_loss", "valid_accuracy", "valid", "orange"),
    ("full_valid_loss", "full_valid_accuracy", "full valid", "red"),
)


@dataclass
class ChartRun:
    """One job's curves on the chart."""

    label: str
    points: list[MetricPoint] = field(default_factory=list)


@dataclass(frozen=True)
class Curve:
    """One curve as drawn: its steps and values, colour, and whether it is a scatter."""

    xs: list[int]
    ys: list[float]
    color: str
    scatter: bool


@dataclass(frozen=True)
class Axes:
    """The ticks of both axes and the y range (on a log axis, in log10 units)."""

    x_ticks: list[int]
    x_lim: tuple[int, int]
    y_ticks: list[float]  # where the y ticks go (log10 of the values on a log axis)
    y_labels: list[str]
    y_lim: tuple[float, float]


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


def steps_shown(runs: Sequence[ChartRun], zoom: int | None) -> list[int]:
    """Every step with a metric, in the zoom window (the last `zoom` steps; None: all)."""
    if len(runs) == 1:
        every = [p.step for p in runs[0].points]  # the store returns them in step order
    else:
        every = sorted({p.step for run in runs for p in run.points})
    if zoom is not None and every:
        every = every[bisect_right(every, every[-1] - zoom) :]
    return every


def readout_parts(runs: Sequence[ChartRun], step: int | None) -> list[str]:
    """The readout's pieces at `step`: the step, then each job's values."""
    if step is None:
        return ["no metrics yet"]
    points = runs[0].points
    total = next((p.total_steps for p in points if p.total_steps), None)
    total = total if len(runs) == 1 else None  # jobs of several lengths
    parts = [f"step {step}" + (f"/{total}" if total else "")]
    for run in runs:
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


def curves(
    runs: Sequence[ChartRun],
    first: int,
    *,
    accuracy: bool = False,
    log_scale: bool = False,
    smoothed: bool = False,
) -> list[Curve]:
    """Every curve from step `first` on: one job's train, valid and full-valid curves in their
    own colours, or each of several jobs' train and valid curves in that job's colour (on a log
    axis, values that are not positive are left out)."""
    out = []
    for index, run in enumerate(runs):
        for number, (loss_key, acc_key, _name, color) in enumerate(SERIES):
            key = acc_key if accuracy else loss_key
            if len(runs) > 1:
                if number == 2:
                    continue  # full validation: kept for one-job charts
                color = RUN_COLORS[index % len(RUN_COLORS)]
            get = attrgetter(key)
            xs, ys = [], []
            for p in run.points:
                value = get(p)
                if value is not None and p.step >= first and (value > 0 or not log_scale):
                    xs.append(p.step)
                    ys.append(value)
            if not xs:
                continue
            if smoothed and number == 0:
                ys = smooth(ys, max(1, len(ys) // 20))
            scatter = number == 2 or (len(runs) > 1 and number == 1)
            out.append(Curve(xs, ys, color, scatter))
    return out


def axes(steps: Sequence[int], values: Sequence[float], width: int, height: int, log: bool) -> Axes:
    """Whole-number step ticks (about one per 9 cells) and round value ticks (one per 2 rows)
    for a plot `width` x `height` cells; the y range is not set by a first-steps spike."""
    x_ticks = integer_ticks(steps[0], steps[-1], max(2, width // 9))
    x_lim = (steps[0], steps[-1] if steps[-1] > steps[0] else steps[0] + 1)
    if log:
        low, high = min(values), max(values)
        ticks = log_ticks(low, high, max(2, height // 2))
        lim = (math.log10(low) - 0.02, math.log10(high) + 0.02)
        return Axes(x_ticks, x_lim, [math.log10(t) for t in ticks], [f"{t:g}" for t in ticks], lim)
    low, high = robust_limits(values)
    ticks = value_ticks(low, high, max(2, height // 2))
    return Axes(x_ticks, x_lim, ticks, [tick_label(t, ticks) for t in ticks], (low, high))
