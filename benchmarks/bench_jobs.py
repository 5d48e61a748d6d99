"""Job-watching figures, each against a baseline measured in the same run:

1. Loss chart with 10,000 metric points: replot + render time of our chart (thinned to what
   the terminal can show) vs plotting every point.
2. Polls of a job with 10,000 events on the real local backend (real openai SDK), counting
   HTTP requests: our watcher (event cursor) vs listing every event each poll.
3. 20 unfinished jobs watched in the TUI against the local backend: event-loop lag (the wait
   any key press would see) and key-press CPU on the jobs screen, vs the same app with no jobs.

Usage: python -m benchmarks.bench_jobs
"""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import openai

from tests.local_support import running_server
from tuiapp.local.state import new_id, now, open_state
from tuiapp.paths import app_paths
from tuiapp.providers.openai_provider import LOCAL_CAPABILITIES, OpenAIProvider
from tuiapp.store import open_store
from tuiapp.store.jobs import MetricPoint, insert_job


def points(n: int) -> list[MetricPoint]:
    """n steps of a falling loss with validation every 10 steps."""
    return [
        MetricPoint(
            s,
            n,
            2 / (1 + s / 500),
            0.5,
            2.1 / (1 + s / 600) if s % 10 == 0 else None,
            None,
            None,
            None,
            s,
        )
        for s in range(1, n + 1)
    ]


async def chart_ms(n: int, thinned: bool) -> float:
    """Median ms to replot and render the chart with n points (100x30 cells)."""
    from textual.app import App, ComposeResult

    from tuiapp.widgets import loss_chart

    class ChartApp(App[None]):
        def compose(self) -> ComposeResult:
            yield loss_chart.LossChart()

    saved = loss_chart.MAX_SAMPLES_PER_CELL
    loss_chart.MAX_SAMPLES_PER_CELL = saved if thinned else 10**9
    data = points(n)
    times = []
    try:
        async with ChartApp().run_test(size=(100, 30)) as pilot:
            chart = pilot.app.query_one(loss_chart.LossChart)
            for _ in range(7):
                t0 = time.perf_counter()
                chart.set_points(data)
                chart.render()
                times.append((time.perf_counter() - t0) * 1000)
    finally:
        loss_chart.MAX_SAMPLES_PER_CELL = saved
    return statistics.median(times)


def fake_job(root: Path, events: int, status: str = "running") -> str:
    """A job in the local backend's state with `events` metrics events (no trainer)."""
    state = open_state(root)
    job_id = new_id("ftjob")
    state.execute(
        "INSERT INTO jobs(id, created_at, model, training_file, status, hyperparameters, method) "
        "VALUES (?, ?, 'tiny', 'file-x', ?, '{}', ?)",
        (job_id, now(), status, json.dumps({"type": "supervised"})),
    )
    for step in range(1, events + 1):
        state.add_event(
            job_id,
            f"Step {step}",
            type="metrics",
            data={"step": step, "train_loss": 1.0, "total_steps": events},
        )
    return job_id


class Counter(httpx.AsyncBaseTransport):
    """The real transport, counting requests."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.count = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.count += 1
        return await self.inner.handle_async_request(request)


async def poll_requests(url: str, remote_id: str, root: Path) -> dict[str, int]:
    """Requests per poll: first poll, then a poll after 5 new events; ours and naive."""
    counter = Counter()
    client = openai.AsyncOpenAI(
        base_url=url,
        api_key="x",
        http_client=httpx.AsyncClient(transport=counter),  # type: ignore[arg-type]  # httpx2 stubs
    )
    provider = OpenAIProvider("local", client, LOCAL_CAPABILITIES)
    first = await provider.new_events(remote_id, None)
    first_requests = counter.count
    state = open_state(root)
    for step in range(5):
        state.add_event(remote_id, f"extra {step}")
    counter.count = 0
    newer = await provider.new_events(remote_id, first[-1].id)
    ours = counter.count
    counter.count = 0
    naive = [e async for e in client.fine_tuning.jobs.list_events(remote_id, limit=100)]
    await client.close()
    return {
        "events": len(first),
        "first_poll": first_requests,
        "next_poll": ours,
        "new_events": len(newer),
        "naive_poll": counter.count,
        "naive_events": len(naive),
    }


async def watching(home: Path, url: str, root: Path, jobs: int) -> tuple[float, float, float]:
    """Loop lag p50/p99 (ms) over 10 s of watching, and key CPU ms on the jobs screen."""
    import os

    from tuiapp import app as app_module

    os.environ["TUIAPP_LOCAL_URL"] = url
    paths = app_paths(home).ensure()
    store = open_store(paths.database)
    for i in range(jobs):
        remote = fake_job(root, 100, status="paused")
        insert_job(
            store,
            provider="local",
            remote_id=remote,
            base_model="tiny",
            training_file="file-x",
            status="running",
            suffix=str(i),
        )
    store.close()
    app = app_module.make_app(paths)
    lags: list[float] = []
    keys: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f3")
        loop = asyncio.get_running_loop()
        end = loop.time() + 10
        while loop.time() < end:
            t0 = loop.time()
            await asyncio.sleep(0.01)
            lags.append((loop.time() - t0 - 0.01) * 1000)
        for _ in range(30):
            t = time.thread_time()
            await pilot.press("down" if len(keys) % 2 == 0 else "up")
            await pilot.pause()
            keys.append((time.thread_time() - t) * 1000)
    lags.sort()
    return lags[len(lags) // 2], lags[int(len(lags) * 0.99)], statistics.median(keys)


async def main_async() -> None:
    """Run the three measurements and print them."""
    ours, every = await chart_ms(10_000, True), await chart_ms(10_000, False)
    print("1. loss chart, 10,000 points, 100x30 cells (replot + render, median of 7)")
    print(
        f"   tuiapp (thinned to 2 points per cell): {ours:.1f} ms; every point: {every:.1f} ms"
        f" ({every / ours:.1f}x slower)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "local"
        with running_server(root) as (url, _api):
            remote = fake_job(root, 10_000)
            counts = await poll_requests(url, remote, root)
            print("2. polls of a job with 10,000 events (HTTP requests)")
            print(
                f"   first poll after a restart: {counts['first_poll']} requests for "
                f"{counts['events']:,} events; next poll: {counts['next_poll']} request for "
                f"{counts['new_events']} new events"
            )
            print(
                f"   baseline, listing every event each poll: {counts['naive_poll']} requests "
                f"for {counts['naive_events']:,} events, every poll"
            )
            figures: dict[int, Any] = {}
            for jobs in (0, 20):
                figures[jobs] = await watching(Path(tmp) / f"home{jobs}", url, root, jobs)
    print("3. the TUI watching 20 unfinished jobs on the local backend (10 s)")
    for jobs in (0, 20):
        p50, p99, key = figures[jobs]
        print(
            f"   {jobs:>2} jobs: event-loop lag p50 {p50:.1f} ms, p99 {p99:.1f} ms; "
            f"key press CPU median {key:.1f} ms"
        )


if __name__ == "__main__":
    asyncio.run(main_async())
