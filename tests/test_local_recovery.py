"""Pause and crash recovery of the local backend's jobs, through the real server and SDK: a
pause is honoured while the model loads and however long a step takes, a killed trainer is
restarted from its last saved step, and no step is ever reported twice."""

from __future__ import annotations

import os
import signal
import time

import openai

from tests.test_local_server import metric_steps, pirate_lines, wait_for, wait_steps
from tests.waiting import wait_until


def messages(client: openai.OpenAI, job_id: str) -> list[str]:
    """Every event message of a job, oldest first."""
    return [e.message for e in client.fine_tuning.jobs.list_events(job_id, limit=1000)][::-1]


def test_pause_while_the_model_loads_stays_paused(server, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    url, api, _root = server
    monkeypatch.setenv("TUIAPP_TRAINER_LOAD_DELAY", "3")
    client = openai.OpenAI(base_url=url, api_key="unused", max_retries=0)
    file = client.files.create(file=("t.jsonl", pirate_lines(20)), purpose="fine-tune")
    job = client.fine_tuning.jobs.create(
        model="tiny-llama", training_file=file.id, hyperparameters={"n_epochs": 5, "batch_size": 1}
    )
    wait_for(client, job.id, ("running",))
    assert client.fine_tuning.jobs.pause(job.id).status == "paused"
    wait_until(lambda: not api.state.job(job.id)["pid"], what="the trainer to exit")
    time.sleep(0.5)
    assert client.fine_tuning.jobs.retrieve(job.id).status == "paused"
    assert metric_steps(client, job.id) == []  # it stopped before step 1
    assert "Job paused at step 0" in messages(client, job.id)
    monkeypatch.setenv("TUIAPP_TRAINER_LOAD_DELAY", "0")
    client.fine_tuning.jobs.resume(job.id)
    wait_steps(client, job.id, 3)
    client.fine_tuning.jobs.cancel(job.id)
    assert metric_steps(client, job.id)[:3] == [1, 2, 3]


def test_pause_during_a_long_step_saves_that_step(server, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    url, api, _root = server
    monkeypatch.setenv("TUIAPP_TRAINER_STEP_DELAY", "6")  # longer than any kill timer of old
    client = openai.OpenAI(base_url=url, api_key="unused", max_retries=0)
    file = client.files.create(file=("t.jsonl", pirate_lines(20)), purpose="fine-tune")
    job = client.fine_tuning.jobs.create(
        model="tiny-llama", training_file=file.id, hyperparameters={"n_epochs": 5, "batch_size": 1}
    )
    wait_steps(client, job.id, 1, timeout=60)
    client.fine_tuning.jobs.pause(job.id)  # in the middle of step 2
    wait_until(lambda: not api.state.job(job.id)["pid"], timeout=30, what="the trainer to exit")
    paused_at = max(metric_steps(client, job.id))
    assert paused_at >= 2, "the step under way when the pause came was finished and saved"
    assert api.state.job(job.id)["resume_step"] == paused_at
    assert client.fine_tuning.jobs.retrieve(job.id).status == "paused"
    monkeypatch.setenv("TUIAPP_TRAINER_STEP_DELAY", "0")
    client.fine_tuning.jobs.resume(job.id)
    wait_steps(client, job.id, paused_at + 3)
    client.fine_tuning.jobs.cancel(job.id)
    steps = metric_steps(client, job.id)
    assert steps[: paused_at + 3] == list(range(1, paused_at + 4))  # no gap, no repeat


def test_a_killed_trainer_resumes_from_its_checkpoint_without_repeating_steps(
    server, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    url, api, _root = server
    monkeypatch.setenv("TUIAPP_TRAINER_STEP_DELAY", "0.05")
    client = openai.OpenAI(base_url=url, api_key="unused", max_retries=0)
    file = client.files.create(file=("t.jsonl", pirate_lines(20)), purpose="fine-tune")
    job = client.fine_tuning.jobs.create(
        model="tiny-llama", training_file=file.id, hyperparameters={"n_epochs": 3, "batch_size": 1}
    )
    wait_until(
        lambda: len(metric_steps(client, job.id)) >= 26, what="steps past the first checkpoint"
    )
    os.kill(api.state.job(job.id)["pid"], signal.SIGKILL)
    done = wait_for(client, job.id)
    assert done.status == "succeeded", done.error
    steps = metric_steps(client, job.id)
    assert steps == list(range(1, 61)), "every step reported once"
    restarted = [m for m in messages(client, job.id) if "Trainer stopped unexpectedly" in m]
    assert len(restarted) == 1 and "killed by signal 9" in restarted[0]
    assert "from the checkpoint at step 20" in restarted[0]
    assert [c.step_number for c in client.fine_tuning.jobs.checkpoints.list(job.id)] == [60, 40, 20]


def test_a_trainer_that_keeps_dying_fails_with_the_reason(server, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    url, api, _root = server
    monkeypatch.setenv("TUIAPP_TRAINER_LOAD_DELAY", "30")
    client = openai.OpenAI(base_url=url, api_key="unused", max_retries=0)
    file = client.files.create(file=("t.jsonl", pirate_lines(12)), purpose="fine-tune")
    job = client.fine_tuning.jobs.create(model="tiny-llama", training_file=file.id)
    killed: set[int] = set()
    deadline = time.monotonic() + 90
    while client.fine_tuning.jobs.retrieve(job.id).status != "failed":
        assert time.monotonic() < deadline, "the job was never failed"
        pid = api.state.job(job.id)["pid"]
        if pid and pid not in killed:
            time.sleep(0.3)
            os.kill(pid, signal.SIGKILL)
            killed.add(pid)
        time.sleep(0.1)
    failed = client.fine_tuning.jobs.retrieve(job.id)
    assert len(killed) == 3  # the first run and two restarts
    assert failed.error is not None and failed.error.code == "training_error"
    assert "ended unexpectedly 3 times (killed by signal 9)" in failed.error.message


def test_a_trainer_stopped_before_its_handler_still_says_paused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import subprocess

    from tuiapp.local.runner import JobRunner
    from tuiapp.local.state import open_state

    state = open_state(tmp_path / "local")
    state.execute(
        "INSERT INTO jobs(id, created_at, model, status, resume_step) "
        "VALUES ('ftjob-x', 0, 'tiny-llama', 'paused', 0)"
    )
    proc = subprocess.Popen(["sleep", "30"])
    proc.terminate()  # SIGTERM before any handler: the default action ends it, nothing said
    proc.wait()
    state.set_job("ftjob-x", pid=proc.pid)
    runner = JobRunner(state)
    runner.procs["ftjob-x"] = proc
    runner._reap()
    runner._reap()  # said once
    said = [r["message"] for r in state.rows("SELECT message FROM events WHERE job_id = 'ftjob-x'")]
    assert said == ["Job paused at step 0"]
    job = state.job("ftjob-x")
    assert job is not None and job["status"] == "paused" and job["pid"] is None
