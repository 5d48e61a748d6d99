"""The curve verdicts on worked examples."""

from __future__ import annotations

from tuiapp.jobs.diagnosis import diagnose, smooth
from tuiapp.store.jobs import MetricPoint


def curve(train: list[float], valid: dict[int, float] | None = None) -> list[MetricPoint]:
    """Metric points at steps 1..n with validation losses at some steps."""
    valid = valid or {}
    return [
        MetricPoint(i + 1, len(train), loss, None, valid.get(i + 1), None, None, None, None)
        for i, loss in enumerate(train)
    ]


def test_smoothing_is_a_trailing_mean() -> None:
    assert smooth([1.0, 3.0, 5.0, 7.0], 2) == [1.0, 2.0, 4.0, 6.0]


def test_verdicts() -> None:
    falling = [2.0 - 0.05 * i for i in range(30)]
    assert diagnose(curve(falling[:3])).verdict == "waiting"
    good = diagnose(curve(falling, {10: 1.6, 20: 1.3, 30: 1.1}), finished=True)
    assert good.verdict == "learning" and "fell" in good.detail
    over = diagnose(curve(falling, {5: 1.5, 10: 1.2, 15: 1.3, 20: 1.45, 30: 1.6}))
    assert over.verdict == "overfitting" and over.best_step == 10 and "fewer epochs" in over.detail
    flat = diagnose(curve([2.5 + 0.01 * (i % 3) for i in range(30)]), finished=True)
    assert flat.verdict == "underfitting" and "more epochs" in flat.detail
    leak = diagnose(curve(falling, {10: 0.3, 20: 0.2, 30: 0.1}))
    assert leak.verdict == "leakage" and "leakage check" in leak.detail
    rising = diagnose(curve([1.0 + 0.2 * i for i in range(30)]))
    assert rising.verdict == "diverging"
    assert diagnose(curve([1.0] * 4 + [float("nan")])).verdict == "diverging"
