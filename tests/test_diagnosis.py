"""The curve verdicts: worked examples, a verdict that does not flip on batch-1 noise (fixed
seeds), the window scaled to the batch size, a start value that stays put, and no leakage
hint when the version's leakage check found nothing."""

from __future__ import annotations

import math
import random
import re

import pytest

from tuiapp.jobs.curve_readings import ema, smooth, window_for
from tuiapp.jobs.diagnosis import Context, diagnose
from tuiapp.store.jobs import Job, MetricPoint


def curve(train: list[float], valid: dict[int, float] | None = None) -> list[MetricPoint]:
    """Metric points at steps 1..n with validation losses at some steps."""
    valid = valid or {}
    return [
        MetricPoint(i + 1, len(train), loss, None, valid.get(i + 1), None, None, None, None)
        for i, loss in enumerate(train)
    ]


def noisy(seed: int, overfit: bool = False, valid_noise: float = 0.35) -> list[MetricPoint]:
    """300 batch-1 steps: a falling training loss with lognormal noise (sigma 0.35, what one
    example's loss varies by), a sampled validation loss every 10 steps that levels off (or,
    when `overfit`, turns up after step 100)."""
    rng = random.Random(seed)
    points = []
    for s in range(1, 301):
        if overfit:
            base, v = 0.3 + 1.8 * math.exp(-s / 60), 0.9 + 1.5 * math.exp(-s / 50)
            v += 0.004 * max(0, s - 100)
        else:
            base = 0.6 + 1.8 * math.exp(-s / 60)
            v = base + 0.1
        train = base * math.exp(rng.gauss(0, 0.35))
        valid = v * math.exp(rng.gauss(0, valid_noise)) if s % 10 == 0 else None
        points.append(MetricPoint(s, 300, train, None, valid, None, None, None, None))
    return points


def titles_as_polled(points: list[MetricPoint], context: Context) -> list[str]:
    """The verdict the job screen shows after each step arrives."""
    return [diagnose(points[:m], context=context).title for m in range(1, len(points) + 1)]


def changes(titles: list[str]) -> list[str]:
    """The verdicts shown, in order, each once per stretch."""
    return [t for i, t in enumerate(titles) if i == 0 or t != titles[i - 1]]


def test_smoothing_is_a_trailing_mean() -> None:
    assert smooth([1.0, 3.0, 5.0, 7.0], 2) == [1.0, 2.0, 4.0, 6.0]


def test_the_moving_average_is_causal_and_seeded_with_the_first_window() -> None:
    values = [4.0, 2.0, 3.0, 1.0, 5.0]
    assert ema(values, 2) == [None, 3.0, 3.0, pytest.approx(5 / 3), pytest.approx(5 - 10 / 9)]
    assert ema(values[:3], 2) == ema(values, 2)[:3]  # a prefix never changes later


def test_verdicts() -> None:
    falling = [2.0 - 0.02 * i for i in range(60)]
    early = diagnose(curve(falling[:3]))
    assert early.verdict == "waiting" and early.title == "Not enough data yet"
    assert "needs 16 training steps" in early.detail and "3 so far" in early.detail
    good = diagnose(curve(falling, {10: 1.6, 20: 1.3, 30: 1.1, 40: 1.0}), finished=True)
    assert good.title == "Learned" and "fell" in good.detail
    u_shape = {5 * k: 1.5 - 0.1 * k if k <= 4 else 1.1 + 0.1 * (k - 4) for k in range(1, 13)}
    over = diagnose(curve(falling, u_shape))
    assert over.verdict == "overfitting" and over.best_step == 20 and "fewer epochs" in over.detail
    flat = diagnose(curve([2.5 + 0.01 * (i % 3) for i in range(30)]), finished=True)
    assert flat.verdict == "underfitting" and "more epochs" in flat.detail
    low = {10: 0.3, 20: 0.2, 30: 0.1, 40: 0.1, 50: 0.1, 60: 0.1}
    leak = diagnose(curve(falling, low))
    assert leak.verdict == "leakage" and "leakage check" in leak.detail
    rising = diagnose(curve([1.0 + 0.2 * i for i in range(30)]))
    assert rising.verdict == "diverging"
    assert diagnose(curve([1.0] * 4 + [float("nan")])).verdict == "diverging"


def test_no_leakage_hint_when_the_versions_check_found_nothing() -> None:
    falling = [2.0 - 0.02 * i for i in range(60)]
    low = {10: 0.3, 20: 0.2, 30: 0.1, 40: 0.1, 50: 0.1, 60: 0.1}
    clean = Context(leakage_clean=True, holdout_examples=4)
    told = diagnose(curve(falling, low), context=clean)
    assert told.verdict == "low-valid" and told.title == "Validation far below training"
    assert "run the leakage check" not in told.detail and "found no copies" in told.detail
    assert (
        "dropout" in told.detail and "easier" in told.detail and "4 in this holdout" in told.detail
    )


def test_the_start_value_stays_put_as_the_curve_grows() -> None:
    falling = [2.0 * 0.98**i for i in range(200)]
    starts = {
        re.search(r"\(([\d.]+) ->", diagnose(curve(falling[:n])).detail).group(1)  # type: ignore[union-attr]
        for n in (16, 50, 120, 200)
    }
    assert starts == {f"{sum(falling[:8]) / 8:.3f}"}  # the mean of the first window


def test_the_window_scales_with_the_batch_size() -> None:
    assert (window_for(1), window_for(8), window_for(64), window_for(None)) == (32, 5, 5, 8)
    forty = curve([2.0 - 0.01 * i for i in range(40)])
    assert diagnose(forty, context=Context(batch_size=1)).verdict == "waiting"  # needs 64
    assert diagnose(forty, context=Context(batch_size=8)).verdict == "learning"
    short = diagnose(forty, finished=True, context=Context(batch_size=1))
    assert short.title == "Learned"  # a finished job is judged on what it has


@pytest.mark.parametrize("seed", range(5))
def test_batch_1_noise_does_not_flip_the_verdict(seed: int) -> None:
    shown = changes(titles_as_polled(noisy(seed), Context(batch_size=1)))
    assert shown == ["Not enough data yet", "Learning"]


@pytest.mark.parametrize("seed", range(5))
def test_real_overfitting_shows_through_the_noise_and_stays(seed: int) -> None:
    shown = changes(titles_as_polled(noisy(seed, overfit=True, valid_noise=0.15), Context(1)))
    assert shown == ["Not enough data yet", "Learning", "Overfitting"]


def test_context_reads_the_resolved_batch_size_and_the_versions_leakage_report() -> None:
    job = Job(
        **{f: None for f in Job.__dataclass_fields__},  # type: ignore[arg-type]
    )
    job = Job(**{**job.__dict__, "hyperparameters": {"batch_size": 2}, "requested": {}})
    context = Context.of(job, {"leaks": 0}, {"holdout": 7})
    assert context == Context(batch_size=2, leakage_clean=True, holdout_examples=7)
    auto = Job(**{**job.__dict__, "hyperparameters": {}, "requested": {"batch_size": "auto"}})
    assert Context.of(auto, {"leaks": 3}, None) == Context(None, False, None)
