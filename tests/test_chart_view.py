"""What the loss chart shows, without Textual: the zoom window's steps, the readout at a step
(the last validation named when the step has none), the curves of one job and of several, the
thinning of long runs and the axes' ticks."""

from __future__ import annotations

import math

from tuiapp.jobs.chart_view import (
    ChartRun,
    axes,
    curves,
    readout_parts,
    steps_shown,
    thin,
)
from tuiapp.store.jobs import MetricPoint


def point(step: int, loss: float, valid: float | None = None) -> MetricPoint:
    """A step of a 30-step job: train loss, accuracy, validation loss where given."""
    return MetricPoint(step, 30, loss, 0.5, valid, None, None, None, 1_700_000_000 + step)


RUN = ChartRun("", [point(s, 3.0 / s, 2.0 if s % 10 == 0 else None) for s in range(1, 31)])


def test_the_zoom_keeps_the_last_steps() -> None:
    assert steps_shown([RUN], None) == list(range(1, 31))
    assert steps_shown([RUN], 20) == list(range(11, 31))
    other = ChartRun("b", [point(s, 1.0) for s in (5, 35)])
    assert steps_shown([RUN, other], 20) == [*range(16, 31), 35]  # several jobs: the union


def test_the_readout_names_the_last_validation_before_a_step_without_one() -> None:
    assert readout_parts([RUN], 15) == [
        "step 15/30",
        "train 0.2000",
        "valid 2.0000 (step 10)",
        "acc 0.5000",
    ]
    assert readout_parts([RUN], None) == ["no metrics yet"]
    both = readout_parts([ChartRun("a", RUN.points), ChartRun("b", RUN.points)], 20)
    assert both == ["step 20", "a: train 0.1500 valid 2.0000", "b: train 0.1500 valid 2.0000"]


def test_curves_of_one_job_and_of_several() -> None:
    one = curves([RUN], 1)
    assert [(c.color, c.scatter, len(c.xs)) for c in one] == [
        ("cyan", False, 30),
        ("orange", False, 3),
    ]
    assert curves([RUN], 11)[0].xs[0] == 11  # from the zoom window's first step
    two = curves([RUN, ChartRun("b", RUN.points)], 1)
    assert [(c.color, c.scatter) for c in two] == [
        ("cyan", False),
        ("cyan", True),  # several jobs: validation as dots in the job's colour
        ("orange", False),
        ("orange", True),
    ]
    zero = ChartRun("", [point(1, 0.0), point(2, 1.0)])
    assert curves([zero], 1, log_scale=True)[0].xs == [2]  # no log of zero


def test_long_runs_are_thinned_keeping_the_last_point() -> None:
    xs, ys = thin(list(range(1000)), [float(i) for i in range(1000)], 50)
    assert len(xs) <= 50 and xs[0] == 0 and xs[-1] == 999 and ys[-1] == 999.0


def test_axes_have_whole_steps_and_round_values() -> None:
    values = [p.train_loss for p in RUN.points if p.train_loss is not None]
    linear = axes(list(range(1, 31)), values, 60, 20, log=False)
    assert all(isinstance(t, int) for t in linear.x_ticks) and linear.x_lim == (1, 30)
    assert linear.y_lim[1] < 3.0  # the step-1 spike does not set the range
    log = axes(list(range(1, 31)), values, 60, 20, log=True)
    assert log.y_lim[0] < math.log10(min(values)) < math.log10(max(values)) < log.y_lim[1]
    assert axes([7], [1.0], 60, 20, log=False).x_lim == (7, 8)  # one step: a range of one
