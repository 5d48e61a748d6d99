"""Chart ticks: whole-number step and count ticks for any range, round value ticks, log-scale
ticks, and a y range that a step-1 spike does not set."""

from __future__ import annotations

import pytest

from tuiapp.data.chart_ticks import (
    count_ticks,
    integer_ticks,
    log_ticks,
    robust_limits,
    tick_label,
    value_ticks,
)
from tuiapp.widgets.loss_chart import pack

RANGES = [(1, 1), (1, 2), (1, 3), (0, 7), (1, 10), (1, 60), (37, 41), (1, 1000), (999, 100_000)]


@pytest.mark.parametrize(("lo", "hi"), RANGES)
@pytest.mark.parametrize("max_ticks", [2, 4, 6, 11])
def test_step_ticks_are_whole_numbers_inside_the_range(lo: int, hi: int, max_ticks: int) -> None:
    ticks = integer_ticks(lo, hi, max_ticks)
    assert ticks and all(isinstance(t, int) for t in ticks)
    assert all(lo <= t <= hi for t in ticks)
    assert len(ticks) <= max(2, max_ticks)
    gaps = {b - a for a, b in zip(ticks, ticks[1:], strict=False)}
    assert len(gaps) <= 1 and all(g >= 1 for g in gaps)  # evenly spaced, never a fraction
    if hi - lo >= 1:
        assert len(ticks) >= 2


def test_few_steps_get_one_tick_per_step() -> None:
    assert integer_ticks(1, 2, 6) == [1, 2]
    assert integer_ticks(1, 4, 6) == [1, 2, 3, 4]
    assert integer_ticks(1, 60, 6) == [10, 20, 30, 40, 50, 60]
    assert integer_ticks(41, 60, 5) == [45, 50, 55, 60]


def test_count_ticks_are_whole_numbers_from_zero() -> None:
    assert count_ticks(15, 5) == [0, 5, 10, 15]
    assert count_ticks(3, 5) == [0, 1, 2, 3]
    assert count_ticks(0, 5) == [0, 1]
    assert all(isinstance(t, int) for t in count_ticks(7, 3))


def test_value_ticks_are_round_and_labelled_without_noise() -> None:
    ticks = value_ticks(0.31, 2.62, 5)
    assert ticks == [0.5, 1.0, 1.5, 2.0, 2.5]
    assert [tick_label(t, ticks) for t in ticks] == ["0.5", "1", "1.5", "2", "2.5"]
    small = value_ticks(0.512, 0.538, 4)
    assert [tick_label(t, small) for t in small] == ["0.52", "0.53"]


def test_log_ticks_are_one_two_five_per_decade() -> None:
    assert log_ticks(0.3, 9.0) == [0.5, 1.0, 2.0, 5.0]
    assert log_ticks(0.01, 1000.0, 4) == [0.01, 0.1, 1.0, 10.0, 100.0, 1000.0]
    assert log_ticks(0.3, 1.2, 5) == [0.3, 0.5, 0.7, 0.9]  # under a decade: every digit, thinned
    assert log_ticks(0.52, 0.58) == [0.52, 0.58]  # narrower than one gap: the ends


def test_a_step_one_spike_does_not_set_the_y_range() -> None:
    curve = [9.0] + [0.5 + 0.01 * (i % 7) for i in range(59)]
    low, high = robust_limits(curve)
    assert low < 0.5 and high < 1.0  # the spike runs off the top instead of flattening the rest
    assert robust_limits([2.0, 1.0, 0.5]) == pytest.approx((0.425, 2.075))  # few points: all


def test_readout_parts_are_packed_without_splitting_one() -> None:
    assert pack(["step 5/60", "train 0.5000", "valid 0.6000"], 24) == [
        "step 5/60 · train 0.5000",
        "valid 0.6000",
    ]
