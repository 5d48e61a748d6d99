"""Early stopping on the validation loss, through the real server: validation answers that
contradict what the job learns make the loss rise (measured: 6.01, 5.98, 5.91, then 5.98 and
6.00 while the training loss fell from 6.00 to 5.77: stopped at step 5 of 18); the job stops
before its last step, succeeds with the model at that point, and says why in an event."""

from __future__ import annotations

import json
import re

import openai
import pytest

from screens.job import JobScreen
from tests.local_support import event_data
from tests.test_local_hyperparams import method
from tests.test_local_server import pirate_lines, wait_for
from tests.test_review_ui import plain
from tuiapp.app import make_app
from tuiapp.evals.experiments import to_csv
from tuiapp.paths import AppPaths
from tuiapp.providers.base import RemoteEvent
from tuiapp.services.experiments import experiments
from tuiapp.store import open_store
from tuiapp.store.jobs import MetricPoint, add_events, add_metrics, insert_job


def contradicting_lines(n: int = 4) -> bytes:
    """The training prompts, answered quite unlike the training answer."""
    rows = [
        {
            "messages": [
                {"role": "user", "content": f"Say something {i}"},
                {"role": "assistant", "content": "Paris is the capital of France today."},
            ]
        }
        for i in range(n)
    ]
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


def test_a_rising_validation_loss_stops_the_job_early(server) -> None:  # type: ignore[no-untyped-def]
    url, _api, _root = server
    client = openai.OpenAI(base_url=url, api_key="unused", max_retries=0)
    train = client.files.create(file=("t.jsonl", pirate_lines(12)), purpose="fine-tune")
    valid = client.files.create(file=("v.jsonl", contradicting_lines()), purpose="fine-tune")
    hyper = {
        "n_epochs": 6,
        "batch_size": 4,
        "learning_rate_multiplier": 100,
        "early_stopping_patience": 2,
        "early_stopping_min_delta": 0.0,
    }
    job = client.fine_tuning.jobs.create(
        model="tiny-llama",
        training_file=train.id,
        validation_file=valid.id,
        method=method("supervised", hyper),
    )
    done = wait_for(client, job.id, timeout=240)
    assert done.status == "succeeded", done.error
    events = list(client.fine_tuning.jobs.list_events(job.id, limit=100))[::-1]
    stopped = [e for e in events if e.message.startswith("Early stopping at step")]
    assert len(stopped) == 1, [e.message for e in events]
    found = re.match(
        r"Early stopping at step (\d+): validation loss did not improve by 0 for 2 "
        r"evaluations \(best ([\d.]+) at step (\d+)\)",
        stopped[0].message,
    )
    assert found, stopped[0].message
    step, best_step = int(found[1]), int(found[3])
    assert best_step < step < 18  # 12 examples / batch 4 = 3 steps, 6 epochs
    metrics = [event_data(e) for e in events if e.type == "metrics"]
    assert max(m["step"] for m in metrics) == step  # no step trained after it
    losses = {m["step"]: m["valid_loss"] for m in metrics if "valid_loss" in m}
    assert min(losses.values()) == losses[best_step]
    assert losses[step] > losses[best_step]  # it rose
    assert event_data(stopped[0])["early_stopping"]["stopped_at_step"] == step
    assert done.fine_tuned_model is not None
    answer = client.chat.completions.create(
        model=done.fine_tuned_model,
        messages=[{"role": "user", "content": "Say something 1"}],
        max_tokens=4,
        temperature=0,
    )
    assert answer.choices[0].message.content is not None


def watched_job(home: AppPaths) -> int:
    """A local job whose events the watcher brought back: two metrics events with device,
    tokens/s and memory, and the early-stopping event."""
    store = open_store(home.database)
    job = insert_job(
        store,
        provider="mistral",  # no key: the watcher cannot poll it, the stored events stay
        remote_id="ftjob-watched",
        base_model="tiny-llama",
        training_file="file-1",
        status="succeeded",
    )
    add_metrics(
        store, job.id, [MetricPoint(s, 12, 1.0, None, None, None, None, None, s) for s in (1, 2)]
    )
    add_events(
        store,
        job.id,
        [
            RemoteEvent(
                f"ev-{step}",
                step,
                "info",
                "metrics",
                f"Step {step}/12",
                {
                    "step": step,
                    "device": "cuda:0 (NVIDIA H200)",
                    "tokens_per_second": tps,
                    "memory_mb": memory,
                },
            )
            for step, tps, memory in ((1, 900.0, 1000.0), (2, 12345.6, 2048.4))
        ]
        + [
            RemoteEvent(
                "ev-stop",
                3,
                "info",
                "message",
                "Early stopping at step 2: validation loss did not improve by 0 for 2 "
                "evaluations (best 1.0000 at step 1)",
                {"early_stopping": {"stopped_at_step": 2}},
            )
        ],
    )
    store.close()
    return job.id


async def test_the_job_screen_shows_device_tokens_per_second_and_memory(
    home: AppPaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MISTRAL_API_KEY", raising=False)
    job_id = watched_job(home)
    app = make_app(home)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(JobScreen(job_id))
        await pilot.pause()
        line = plain(app.screen.query_one("#job-resources")).strip()
        assert line == "device cuda:0 (NVIDIA H200) · 12,346 tokens/s · peak memory 2,048 MB"
        assert app.screen.query_one("#job-resources").size.height == 1  # one line at 80x24
    store = open_store(home.database)
    [row] = experiments(store)
    assert row.stopped_early_at == 2
    assert "stopped_early_at" in to_csv([row]).splitlines()[0]


async def test_no_resources_line_for_a_provider_that_reports_none(
    home: AppPaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MISTRAL_API_KEY", raising=False)
    store = open_store(home.database)
    job = insert_job(
        store,
        provider="mistral",
        remote_id="ftjob-x",
        base_model="m",
        training_file="f",
        status="running",
    )
    store.close()
    app = make_app(home)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(JobScreen(job.id))
        await pilot.pause()
        assert not app.screen.query_one("#job-resources").display
    assert experiments(open_store(home.database))[0].stopped_early_at is None
