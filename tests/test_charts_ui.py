"""The charts as a user sees them: the job screen's cursor readout, log scale and zoom, the
experiments screen's overlay of several jobs, and whole-number histogram counts."""

from __future__ import annotations

from textual.app import App, ComposeResult

from screens.experiments import ExperimentsScreen
from screens.job import JobScreen
from screens.loss_overlay import LossOverlayScreen
from tests.waiting import until
from tuiapp.app import make_app
from tuiapp.paths import AppPaths
from tuiapp.store import open_store
from tuiapp.store.jobs import MetricPoint, add_metrics, insert_job, job_metrics
from tuiapp.widgets.histogram import TokenHistogram
from tuiapp.widgets.loss_chart import LossChart


def finished_job(home: AppPaths) -> int:
    """A finished job: 60 steps of train loss and accuracy (a step-1 spike), validation every
    5 steps."""
    store = open_store(home.database)
    job = insert_job(
        store,
        provider="local",
        remote_id="ftjob-chart",
        base_model="SmolLM2-135M-Instruct",
        training_file="file-1",
        validation_file="file-2",
        status="succeeded",
    )
    points = [
        MetricPoint(
            s,
            60,
            9.0 if s == 1 else 2.4 * 0.96**s + 0.3,
            0.5 + s / 200,
            (2.5 * 0.97**s + 0.45) if s % 5 == 0 else None,
            None,
            None,
            None,
            1_700_000_000 + s,
        )
        for s in range(1, 61)
    ]
    add_metrics(store, job.id, points)
    store.close()
    return job.id


def shown(chart: LossChart) -> list[str]:
    """The chart's lines as drawn (legend, plot, readout)."""
    return chart.render().plain.splitlines()  # type: ignore[union-attr]


def x_axis(chart: LossChart) -> list[str]:
    """The step labels under the plot (the line above the readout)."""
    lines = shown(chart)
    axis = next(i for i in range(len(lines) - 1, -1, -1) if "└" in lines[i])
    return lines[axis + 1].split()


async def test_the_cursor_reads_the_stored_values_at_its_step(home: AppPaths) -> None:
    job_id = finished_job(home)
    stored = {p.step: p for p in job_metrics(open_store(home.database), job_id)}
    app = make_app(home)
    async with app.run_test(size=(120, 35)) as pilot:
        await pilot.press("f3")
        app.push_screen(JobScreen(job_id))
        await pilot.pause()
        chart = app.screen.query_one(LossChart)
        chart.focus()
        await pilot.press("left", "left", "left", "left", "left")  # from the last step, 60
        await pilot.pause()
        readout = shown(chart)[-1] if "acc" in shown(chart)[-1] else " ".join(shown(chart)[-2:])
        assert f"step 55/60 · train {stored[55].train_loss:.4f}" in readout
        assert f"valid {stored[55].valid_loss:.4f}" in readout  # validation ran at step 55
        assert f"acc {stored[55].train_accuracy:.4f}" in readout
        await pilot.press("left")  # step 54: no validation there, the last one is named
        await pilot.pause()
        assert f"valid {stored[50].valid_loss:.4f} (step 50)" in " ".join(shown(chart)[-2:])
        await pilot.press("end")
        assert "step 60/60" in " ".join(shown(chart)[-2:])


async def test_log_scale_zoom_and_whole_step_ticks(home: AppPaths) -> None:
    job_id = finished_job(home)
    app = make_app(home)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f3")
        app.push_screen(JobScreen(job_id))
        await pilot.pause()
        chart = app.screen.query_one(LossChart)
        chart.focus()
        linear = list(chart.y_labels)
        assert "linear · all steps" in shown(chart)[0]
        await pilot.press("l")
        await pilot.pause()
        assert "log" in shown(chart)[0] and chart.y_labels != linear
        assert all(label in "".join(shown(chart)) for label in chart.y_labels)
        assert all(label.isdigit() for label in x_axis(chart))  # no 0.50 0.75
        await pilot.press("z", "z")  # all -> last 100 -> last 20
        await pilot.pause()
        assert "last 20 steps" in shown(chart)[0]
        steps = [int(label) for label in x_axis(chart)]
        assert steps and min(steps) >= 41 and max(steps) == 60
        await pilot.press("home")  # the cursor stays inside the zoom window
        assert "step 41/60" in " ".join(shown(chart)[-2:])


async def test_two_steps_get_whole_step_labels() -> None:
    class ChartApp(App[None]):
        def compose(self) -> ComposeResult:
            yield LossChart()

    async with ChartApp().run_test(size=(60, 16)) as pilot:
        chart = pilot.app.query_one(LossChart)
        chart.set_points(
            [MetricPoint(s, 2, 1.0 / s, None, None, None, None, None, s) for s in (1, 2)]
        )
        await pilot.pause()
        assert x_axis(chart) == ["1", "2"]


def three_jobs(home: AppPaths) -> list[int]:
    """Three finished jobs with different curves."""
    store = open_store(home.database)
    ids = []
    for number, rate in enumerate((0.8, 0.95, 0.9)):
        job = insert_job(
            store,
            provider="local",
            remote_id=f"ftjob-{number}",
            base_model="SmolLM2-135M-Instruct",
            training_file="file-1",
            status="succeeded",
        )
        points = [
            MetricPoint(s, 30, 2 * rate**s + 0.2, None, 2 * rate**s + 0.4, None, None, None, s)
            for s in range(1, 31)
        ]
        add_metrics(store, job.id, points)
        ids.append(job.id)
    store.close()
    return ids


async def test_marked_jobs_overlay_on_one_chart(home: AppPaths) -> None:
    newest, second, first = sorted(three_jobs(home), reverse=True)  # the table's order
    app = make_app(home)
    async with app.run_test(size=(120, 35)) as pilot:
        await pilot.press("f4")
        await pilot.pause()
        assert isinstance(app.screen, ExperimentsScreen)
        await pilot.press("down", "space", "down", "space", "L")  # rows 2 and 3
        await until(pilot, lambda: isinstance(app.screen, LossOverlayScreen), "the overlay")
        chart = app.screen.query_one(LossChart)
        await until(pilot, lambda: len(chart.runs) == 2, "both jobs' curves")
        await pilot.pause()
        legend = shown(chart)[0]
        assert f"job {first}" in legend and f"job {second}" in legend
        assert f"job {newest}" not in legend
        await pilot.press("home")
        readout = " ".join(shown(chart)[-3:])
        assert f"job {first}: train {2 * 0.8 + 0.2:.4f}" in readout
        assert f"job {second}: train {2 * 0.95 + 0.2:.4f}" in readout
        await pilot.press("escape")
        assert isinstance(app.screen, ExperimentsScreen)


async def test_histogram_counts_are_whole_numbers() -> None:
    class HistogramApp(App[None]):
        def compose(self) -> ComposeResult:
            yield TokenHistogram("tokens")

    async with HistogramApp().run_test(size=(60, 16)) as pilot:
        histogram = pilot.app.query_one(TokenHistogram)
        histogram.plot([10] * 15 + [20] * 3 + [30] * 7, bins=3)
        await pilot.pause()
        drawn = histogram.render().plain  # type: ignore[union-attr]
        assert histogram.y_labels == ["0", "5", "10", "15"]
        assert "7.5" not in drawn and "15" in drawn
