"""Time left from measured step times: steady steps give one number, the start-up and a
pause do not count, varying steps give a p25-p75 range, and a job that is not running has
no ETA at all."""

from __future__ import annotations

import pytest

from tuiapp.data.eta import describe, duration, estimate


def steady(n: int, seconds: float = 2.0, load: float = 60.0) -> list[tuple[int, float | None]]:
    """Steps 1..n finishing `seconds` apart after a model load of `load` seconds."""
    return [(s, 1_000 + load + seconds * (s - 1)) for s in range(1, n + 1)]


def test_steady_steps_give_one_number_from_the_measured_rate() -> None:
    marks = steady(41)
    eta = estimate(marks, 100, now=marks[-1][1], status="running")  # type: ignore[arg-type]
    assert eta is not None and not eta.ranged
    assert (eta.low, eta.steps_left, eta.step_seconds) == (118.0, 59, 2.0)
    assert describe(eta) == "ETA 1m58s"


def test_the_slow_first_step_and_a_long_warm_up_do_not_count() -> None:
    marks = [(1, 1_060.0), (2, 1_090.0)] + [(s, 1_090.0 + 2 * (s - 2)) for s in range(3, 12)]
    eta = estimate(marks, 100, now=marks[-1][1], status="running")  # type: ignore[arg-type]
    assert eta is not None and eta.low == eta.high == 89 * 2.0


def test_it_counts_down_between_polls_by_at_most_one_step() -> None:
    marks = steady(41)
    last = marks[-1][1]
    assert last is not None
    assert estimate(marks, 100, now=last + 1, status="running").low == 117.0  # type: ignore[union-attr]
    assert estimate(marks, 100, now=last + 50, status="running").low == 116.0  # type: ignore[union-attr]


def with_validation(n: int, every: int = 50) -> list[tuple[int, float | None]]:
    """1.8 s steps with a 20 s validation pass after every `every` steps, whole seconds."""
    at, marks = 1_040.0, list[tuple[int, float | None]]()
    for s in range(1, n + 1):
        at += 1.8 + (20 if s % every == 0 else 0)
        marks.append((s, float(int(at))))
    return marks


def test_recurring_validation_passes_count_and_widen_the_range() -> None:
    whole = with_validation(400)
    for done in (120, 200, 300):
        marks = whole[:done]
        last = marks[-1][1]
        assert last is not None
        eta = estimate(marks, 400, now=last, status="running")
        actual = whole[-1][1] - last  # type: ignore[operator]
        assert eta is not None and eta.ranged and eta.low <= actual <= eta.high, (done, eta)
        assert describe(eta) == f"ETA {duration(eta.low)}-{duration(eta.high)}"


def test_a_pause_in_the_window_does_not_blow_up_the_estimate() -> None:
    marks = steady(20) + [(s, 1_060.0 + 2 * (s - 1) + 600) for s in range(21, 41)]
    eta = estimate(marks, 100, now=marks[-1][1], status="running")  # type: ignore[arg-type]
    assert eta is not None and eta.low == 120.0 and eta.high < 60 * 10


@pytest.mark.parametrize("status", ["paused", "queued", "validating_files", "succeeded"])
def test_no_eta_unless_running(status: str) -> None:
    marks = steady(41)
    assert estimate(marks, 100, now=marks[-1][1], status=status) is None  # type: ignore[arg-type]


def test_no_eta_before_enough_timed_steps_or_without_a_total() -> None:
    assert estimate(steady(3), 100, now=2_000, status="running") is None
    assert estimate([(s, None) for s in range(1, 20)], 100, now=2_000, status="running") is None
    assert estimate(steady(41), None, now=2_000, status="running") is None


def test_durations_read_like_a_clock() -> None:
    assert [duration(s) for s in (12, 245, 3720, -5)] == ["12s", "4m05s", "1h02m", "0s"]
