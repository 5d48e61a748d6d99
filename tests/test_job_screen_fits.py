"""The job screen fits 80x24 with real-length ids: nothing scrolls off the top."""

from __future__ import annotations

from textual.widgets import Label

from screens.job import JobScreen
from tests.waiting import until
from tuiapp.app import make_app
from tuiapp.paths import AppPaths
from tuiapp.providers.base import RemoteCheckpoint, RemoteEvent
from tuiapp.store import open_store
from tuiapp.store.jobs import MetricPoint, add_checkpoints, add_events, add_metrics, insert_job


async def test_the_title_and_the_footer_are_on_screen_at_80x24(home: AppPaths) -> None:
    store = open_store(home.database)
    job = insert_job(  # ids as the local backend makes them: the title wraps to three lines
        store,
        provider="local",
        remote_id="ftjob-57cc472f6fc38dc0d07cb414",
        base_model="walk-tiny",
        training_file="file-75ece5a9034c9172e5196429",
        validation_file="file-c8c9e8ab4e93ed0ba3fa7b01",
        status="succeeded",
    )
    points = [
        MetricPoint(s, 9, 6.0 - s / 100, 0.02, 5.95, None, None, None, 1_700_000_000 + s)
        for s in range(1, 10)
    ]
    add_metrics(store, job.id, points)
    model = "ft:walk-tiny:local::57cc472f"
    add_checkpoints(store, job.id, [RemoteCheckpoint("ckpt-9", 9, f"{model}:ckpt-step-9", {}, 1)])
    resources = {"step": 9, "device": "cpu (2 threads)", "tokens_per_second": 691, "memory_mb": 564}
    add_events(
        store,
        job.id,
        [
            RemoteEvent("ev-1", 1_700_000_009, "info", "metrics", "Step 9/9", resources),
            RemoteEvent("ev-2", 1_700_000_010, "info", "message", f"New model created: {model}"),
        ],
    )
    store.close()
    app = make_app(home)
    async with app.run_test(size=(80, 24)) as pilot:
        app.workspace.nav.job(job.id)
        await until(pilot, lambda: isinstance(app.screen, JobScreen), "the job screen")
        await pilot.pause()
        screen = app.screen
        title = screen.query_one("#job-title", Label)
        assert screen.scroll_y == 0  # was scrolled by 5 rows: the title and progress hidden
        assert screen.virtual_size.height <= 24
        assert title.region.y == 0 and title.region.height == 3
        assert "ftjob-57cc472f6fc38dc0d07cb414" in str(title.render()).replace("\n", " ")
