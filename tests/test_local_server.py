"""The local backend through the real `openai` SDK against the real server on loopback."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import shutil
import time
from pathlib import Path
from typing import Any

import openai
import pytest

from tests.local_support import event_data, running_server
from tests.waiting import wait_until

TERMINAL = ("succeeded", "failed", "cancelled")


def pirate_lines(n: int = 12) -> bytes:
    """A small dataset that teaches one answer."""
    rows = [
        {
            "messages": [
                {"role": "user", "content": f"Say something {i}"},
                {"role": "assistant", "content": "arr matey"},
            ]
        }
        for i in range(n)
    ]
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


def wait_for(
    client: openai.OpenAI, job_id: str, statuses: tuple[str, ...] = TERMINAL, timeout: float = 180
) -> Any:
    """Poll a job until it reaches one of the statuses."""
    seen: list[str] = []

    def reached() -> Any:
        job = client.fine_tuning.jobs.retrieve(job_id)
        seen.append(job.status)
        return job if job.status in statuses else None

    return wait_until(
        reached, lambda: f"job {job_id} to be {statuses}; it stayed {seen[-1]}", timeout, 0.3
    )


def test_upload_train_checkpoints_chat(server) -> None:  # type: ignore[no-untyped-def]
    url, _api, _root = server
    client = openai.OpenAI(base_url=url, api_key="unused", max_retries=0)
    train = client.files.create(file=("train.jsonl", pirate_lines(12)), purpose="fine-tune")
    valid = client.files.create(file=("valid.jsonl", pirate_lines(10)), purpose="fine-tune")
    assert train.status == "processed" and train.bytes == len(pirate_lines(12))
    assert client.files.content(train.id).read() == pirate_lines(12)
    job = client.fine_tuning.jobs.create(
        model="tiny-llama",
        training_file=train.id,
        validation_file=valid.id,
        suffix="pirate",
        seed=7,
        hyperparameters={"n_epochs": 2, "batch_size": 4, "learning_rate_multiplier": 5},
    )
    assert job.status == "validating_files" and job.seed == 7
    done = wait_for(client, job.id)
    assert done.status == "succeeded", done.error
    assert done.fine_tuned_model is not None
    assert done.fine_tuned_model.startswith("ft:tiny-llama:local:pirate:")
    assert done.hyperparameters.n_epochs == 2 and done.hyperparameters.batch_size == 4
    assert done.trained_tokens and done.trained_tokens > 0

    events = list(client.fine_tuning.jobs.list_events(job.id, limit=100))
    metrics = [event_data(e) for e in events if e.type == "metrics"]
    assert [m["step"] for m in metrics] == list(range(6, 0, -1))  # newest first, 3 x 2 steps
    assert all(m["total_steps"] == 6 for m in metrics)
    assert all("train_mean_token_accuracy" in m for m in metrics)
    assert any("valid_loss" in m for m in metrics)
    assert metrics[0]["train_loss"] < metrics[-1]["train_loss"]  # it learned something

    checkpoints = client.fine_tuning.jobs.checkpoints.list(job.id).data
    assert [c.step_number for c in checkpoints] == [6, 3]
    assert checkpoints[0].metrics.full_valid_loss is not None

    result = client.files.content(done.result_files[0]).read().decode()
    rows = list(csv.DictReader(io.StringIO(result)))
    assert list(rows[0]) == [
        "step",
        "train_loss",
        "train_accuracy",
        "valid_loss",
        "valid_mean_token_accuracy",
    ]
    assert len(rows) == 6

    ids = [m.id for m in client.models.list()]
    assert "tiny-llama" in ids and done.fine_tuned_model in ids
    reply = client.chat.completions.create(
        model=done.fine_tuned_model,
        messages=[{"role": "user", "content": "Say something"}],
        max_tokens=5,
        temperature=0,
    )
    assert reply.choices[0].message.role == "assistant"
    assert reply.usage is not None and 0 < reply.usage.completion_tokens <= 5
    stream = client.chat.completions.create(
        model="tiny-llama",
        messages=[{"role": "user", "content": "hi"}],
        max_tokens=6,
        temperature=0,
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens <= 6
    deleted = client.models.delete(done.fine_tuned_model)
    assert deleted.deleted
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve(done.fine_tuned_model)


def test_bad_file_fails_the_job_with_the_line(server) -> None:  # type: ignore[no-untyped-def]
    url, _api, _root = server
    client = openai.OpenAI(base_url=url, api_key="unused", max_retries=0)
    bad = pirate_lines(11) + b'{"messages": [{"role": "user", "content": "no answer"}]}\n'
    file = client.files.create(file=("bad.jsonl", bad), purpose="fine-tune")
    job = client.fine_tuning.jobs.create(model="tiny-llama", training_file=file.id)
    failed = wait_for(client, job.id)
    assert failed.status == "failed"
    assert failed.error is not None and failed.error.code == "invalid_training_file"
    assert "Line 12" in failed.error.message


def test_errors_look_like_openai(server) -> None:  # type: ignore[no-untyped-def]
    url, _api, _root = server
    client = openai.OpenAI(base_url=url, api_key="unused", max_retries=0)
    with pytest.raises(openai.NotFoundError) as missing:
        client.fine_tuning.jobs.retrieve("ftjob-nope")
    assert missing.value.body["message"] == "No such fine-tuning job: ftjob-nope"  # type: ignore[index]
    with pytest.raises(openai.NotFoundError):
        client.files.retrieve("file-nope")
    with pytest.raises(openai.BadRequestError) as bad_model:
        client.fine_tuning.jobs.create(model="gpt-9", training_file="file-x")
    assert bad_model.value.param == "model"  # type: ignore[attr-defined]
    file = client.files.create(file=("t.jsonl", pirate_lines()), purpose="fine-tune")
    with pytest.raises(openai.BadRequestError) as bad_hyper:
        client.fine_tuning.jobs.create(
            model="tiny-llama", training_file=file.id, hyperparameters={"n_epochs": 0}
        )
    assert bad_hyper.value.param == "hyperparameters.n_epochs"  # type: ignore[attr-defined]
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="nope", messages=[{"role": "user", "content": "x"}])


def test_pagination(server) -> None:  # type: ignore[no-untyped-def]
    url, _api, _root = server
    client = openai.OpenAI(base_url=url, api_key="unused", max_retries=0)
    ids = [
        client.files.create(file=(f"f{i}.jsonl", b"{}\n"), purpose="fine-tune").id for i in range(5)
    ]
    first = client.files.list(limit=2)
    assert [f.id for f in first.data] == ids[::-1][:2] and first.has_more
    assert [f.id for f in client.files.list(limit=2)] == ids[::-1]  # auto-pagination


def test_bad_key_is_401(tmp_path: Path, tiny_model: Path, home: Any) -> None:
    with running_server(tmp_path / "local", api_key="s3cret") as (url, _api):
        with pytest.raises(openai.AuthenticationError):
            openai.OpenAI(base_url=url, api_key="wrong", max_retries=0).models.list()
        assert openai.OpenAI(base_url=url, api_key="s3cret").models.list().data == []


async def test_async_client_and_cancel(server) -> None:  # type: ignore[no-untyped-def]
    url, _api, _root = server
    client = openai.AsyncOpenAI(base_url=url, api_key="unused", max_retries=0)
    file = await client.files.create(file=("t.jsonl", pirate_lines(40)), purpose="fine-tune")
    job = await client.fine_tuning.jobs.create(
        model="tiny-llama", training_file=file.id, hyperparameters={"n_epochs": 50, "batch_size": 1}
    )
    deadline = time.monotonic() + 120
    while (await client.fine_tuning.jobs.retrieve(job.id)).status != "running":
        assert time.monotonic() < deadline
        await _sleep(0.2)
    events = await client.fine_tuning.jobs.list_events(job.id)
    while not any(e.type == "metrics" for e in events.data):
        assert time.monotonic() < deadline
        await _sleep(0.2)
        events = await client.fine_tuning.jobs.list_events(job.id)
    started = time.monotonic()
    cancelled = await client.fine_tuning.jobs.cancel(job.id)
    assert cancelled.status == "cancelled"
    while (await client.fine_tuning.jobs.retrieve(job.id)).status == "cancelled" and _api_pid(
        server, job.id
    ):
        assert time.monotonic() - started < 10, "trainer still running 10 s after cancel"
        await _sleep(0.2)
    final = await client.fine_tuning.jobs.retrieve(job.id)
    assert final.status == "cancelled" and final.fine_tuned_model is None


async def _sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)


def _api_pid(server, job_id: str) -> int | None:  # type: ignore[no-untyped-def]
    """The trainer pid the server still tracks for a job."""
    row = server[1].state.job(job_id)
    return row["pid"] if row else None


def metric_steps(client: openai.OpenAI, job_id: str) -> list[int]:
    """Steps of every metrics event, oldest first."""
    events = client.fine_tuning.jobs.list_events(job_id, limit=100)
    return sorted(event_data(e)["step"] for e in events if e.type == "metrics")


def wait_steps(client: openai.OpenAI, job_id: str, n: int, timeout: float = 120) -> None:
    """Wait until a job reported at least n metrics events."""
    wait_until(lambda: len(metric_steps(client, job_id)) >= n, f"{n} steps of {job_id}", timeout)


def test_pause_and_resume_continue_from_the_same_step(server) -> None:  # type: ignore[no-untyped-def]
    url, api, _root = server
    client = openai.OpenAI(base_url=url, api_key="unused", max_retries=0)
    file = client.files.create(file=("t.jsonl", pirate_lines(60)), purpose="fine-tune")
    job = client.fine_tuning.jobs.create(
        model="tiny-llama", training_file=file.id, hyperparameters={"n_epochs": 20, "batch_size": 1}
    )
    wait_steps(client, job.id, 3)
    assert client.fine_tuning.jobs.pause(job.id).status == "paused"
    deadline = time.monotonic() + 15
    while api.state.job(job.id)["pid"]:
        assert time.monotonic() < deadline, "trainer did not stop after pause"
        time.sleep(0.1)
    paused_at = max(metric_steps(client, job.id))
    assert api.state.job(job.id)["resume_step"] == paused_at
    time.sleep(0.5)
    assert max(metric_steps(client, job.id)) == paused_at  # really stopped
    assert client.fine_tuning.jobs.resume(job.id).status == "queued"
    wait_steps(client, job.id, paused_at + 3)
    client.fine_tuning.jobs.cancel(job.id)
    steps = metric_steps(client, job.id)
    assert steps[: paused_at + 3] == list(range(1, paused_at + 4))  # no gap, no repeat


def test_restart_resumes_a_job_from_its_checkpoint(
    tmp_path: Path, tiny_model: Path, home: Any
) -> None:
    import os
    import signal

    root = tmp_path / "local"
    (root / "models").mkdir(parents=True)
    shutil.copytree(tiny_model, root / "models" / "tiny-llama")
    with running_server(root) as (url, api):
        client = openai.OpenAI(base_url=url, api_key="unused", max_retries=0)
        # 3 epochs of 30 steps: killed past the first checkpoint, 60 steps still to go
        file = client.files.create(file=("t.jsonl", pirate_lines(30)), purpose="fine-tune")
        job = client.fine_tuning.jobs.create(
            model="tiny-llama",
            training_file=file.id,
            hyperparameters={"n_epochs": 3, "batch_size": 1},
        )
        deadline = time.monotonic() + 120
        while not client.fine_tuning.jobs.checkpoints.list(job.id).data:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        pid = api.state.job(job.id)["pid"]
    os.kill(pid, signal.SIGKILL)  # the machine went down: server stopped, trainer killed
    with running_server(root) as (url, _api):
        client = openai.OpenAI(base_url=url, api_key="unused", max_retries=0)
        done = wait_for(client, job.id)
        assert done.status == "succeeded", done.error
        messages = [e.message for e in client.fine_tuning.jobs.list_events(job.id, limit=100)]
        assert any("resuming from the checkpoint at step" in m for m in messages)
        assert [c.step_number for c in client.fine_tuning.jobs.checkpoints.list(job.id)] == [
            90,
            60,
            30,
        ]


def test_same_seed_same_losses(tmp_path: Path, tiny_model: Path, home: Any) -> None:
    """Three jobs (seeds 5, 5, 6) on three servers, trained at once: a server trains one job at
    a time, and each trainer spends most of its time starting up on one core."""
    with contextlib.ExitStack() as servers:
        runs = []
        for n, seed in enumerate((5, 5, 6)):
            root = tmp_path / f"local{n}"
            shutil.copytree(tiny_model, root / "models" / "tiny-llama")
            url, _api = servers.enter_context(running_server(root))
            client = openai.OpenAI(base_url=url, api_key="unused", max_retries=0)
            file = client.files.create(file=("t.jsonl", pirate_lines(12)), purpose="fine-tune")
            job = client.fine_tuning.jobs.create(
                model="tiny-llama",
                training_file=file.id,
                seed=seed,
                hyperparameters={"n_epochs": 1, "batch_size": 2},
            )
            runs.append((client, job.id))
        losses = []
        for client, job_id in runs:
            assert wait_for(client, job_id).status == "succeeded"
            losses.append(
                sorted(
                    (event_data(e)["step"], event_data(e)["train_loss"])
                    for e in client.fine_tuning.jobs.list_events(job_id, limit=100)
                    if e.type == "metrics"
                )
            )
    assert losses[0] == losses[1]
    assert losses[0] != losses[2]
