"""Data-parallel training of the local backend, on the CPU with two processes over gloo (the
code path several GPUs take): through the real server and SDK, a job trained by two processes
has the same loss curve as one process, writes each event and checkpoint once, and a pause
stops both ranks after the same step, saves it, and resume goes on from it.

A DPO job trains on two processes too (one launch: 18-23 s on 2 busy cores).

Slow for unit tests (about 70 s each on 2 busy cores, 2.5 minutes in all): each trainer launch
starts torchrun and two Python processes that import torch, transformers and TRL (~25 s); the
model itself is tiny (2 layers) and trains in a second."""

from __future__ import annotations

import contextlib
import json
import math
import os
import signal
import sys
from pathlib import Path
from typing import Any

import openai
import pytest
from openai.types.fine_tuning.job_create_params import Hyperparameters

from tests.local_support import event_data
from tests.test_local_dpo import preference_lines
from tests.test_local_recovery import messages
from tests.test_local_server import metric_steps, wait_for, wait_steps
from tests.waiting import wait_until
from tuiapp.local.ranks import per_device_batch
from tuiapp.local.runner import trainer_command

RTOL = 1e-3  # per step: the two runs sum the same gradients in another order (and padding)
# 12 examples, batch 4: 3 steps an epoch
SETTINGS: Hyperparameters = {"n_epochs": 2, "batch_size": 4, "learning_rate_multiplier": 1}


def varied_lines(n: int = 12) -> bytes:
    """Examples of different lengths (so the batches are padded differently per process)."""
    rows = [
        {
            "messages": [
                {"role": "user", "content": f"Say something {i}" + " please" * (i % 3)},
                {"role": "assistant", "content": "arr matey" + " arr" * (i % 4)},
            ]
        }
        for i in range(n)
    ]
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


def losses(client: openai.OpenAI, job_id: str) -> list[float]:
    """The training loss of each step, in step order (one metrics event per step)."""
    events = client.fine_tuning.jobs.list_events(job_id, limit=100)
    data = sorted((event_data(e) for e in events if e.type == "metrics"), key=lambda d: d["step"])
    return [float(d["train_loss"]) for d in data]


def train(client: openai.OpenAI, file_id: str) -> Any:
    """A job with the fixed seed and settings, run to its end."""
    job = client.fine_tuning.jobs.create(
        model="tiny-llama", training_file=file_id, hyperparameters=SETTINGS, seed=7
    )
    return wait_for(client, job.id)


def rank_pids(job_id: str) -> list[int]:
    """The training processes of a job (torchrun's ranks, not torchrun), from /proc."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            args = cmdline.read_bytes().split(b"\0")
            if b"tuiapp.local.launch" not in args and job_id.encode() in args:
                found.append(int(cmdline.parent.name))
    return found


def running(pid: int) -> bool:
    """The process exists and is not a zombie waiting to be reaped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def test_the_batch_is_global_and_torchrun_is_the_launcher() -> None:
    assert per_device_batch(4, 2) == (2, "")
    assert per_device_batch(5, 2)[0] == 3 and "global batch of 6" in per_device_batch(5, 2)[1]
    command = trainer_command(Path("/state"), "ftjob-1", 2)
    assert "tuiapp.local.launch" in command and "--nproc-per-node=2" in command
    assert command[-3:] == ["tuiapp.local.trainer", "/state", "ftjob-1"]  # what _alive looks for
    assert "tuiapp.local.launch" not in trainer_command(Path("/state"), "ftjob-1", 1)


def test_two_processes_train_the_same_curve_as_one(server, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    url, api, _root = server
    client = openai.OpenAI(base_url=url, api_key="unused", max_retries=0)
    file = client.files.create(file=("t.jsonl", varied_lines()), purpose="fine-tune")
    monkeypatch.setenv("TUIAPP_LOCAL_PROCESSES", "1")
    one = train(client, file.id)
    monkeypatch.setenv("TUIAPP_LOCAL_PROCESSES", "2")
    two = train(client, file.id)
    assert (one.status, two.status) == ("succeeded", "succeeded"), two.error
    assert "2 processes data-parallel" in " ".join(messages(client, two.id))
    assert metric_steps(client, two.id) == [1, 2, 3, 4, 5, 6]  # rank 0 alone reports
    assert losses(client, two.id) == pytest.approx(losses(client, one.id), rel=RTOL)
    checkpoints = client.fine_tuning.jobs.checkpoints.list(two.id).data
    assert sorted(c.step_number for c in checkpoints) == [3, 6]  # one per epoch, not per rank
    assert two.trained_tokens == one.trained_tokens  # both ranks' tokens counted once
    answer = client.chat.completions.create(
        model=two.fine_tuned_model, messages=[{"role": "user", "content": "Say something"}]
    )
    assert answer.choices[0].message.content is not None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc and prctl are Linux's")
def test_pause_resume_and_a_killed_torchrun(server, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """One job (three trainer launches): a pause stops both ranks after one step and saves it;
    resume goes on from it; torchrun killed -9 takes its ranks along (they run in sessions of
    their own) and the runner restarts the job, which succeeds with every step reported once."""
    url, api, root = server
    monkeypatch.setenv("TUIAPP_LOCAL_PROCESSES", "2")
    monkeypatch.setenv("TUIAPP_TRAINER_STEP_DELAY", "1.5")
    client = openai.OpenAI(base_url=url, api_key="unused", max_retries=0)
    file = client.files.create(file=("t.jsonl", varied_lines()), purpose="fine-tune")
    job = client.fine_tuning.jobs.create(
        model="tiny-llama",
        training_file=file.id,
        hyperparameters={**SETTINGS, "n_epochs": 3},  # 9 steps
        seed=7,
    )
    wait_steps(client, job.id, 1, timeout=90)
    client.fine_tuning.jobs.pause(job.id)
    wait_until(lambda: not api.state.job(job.id)["pid"], timeout=60, what="torchrun to exit")
    paused_at = max(metric_steps(client, job.id))
    assert 1 <= paused_at < 6 and api.state.job(job.id)["resume_step"] == paused_at
    saved = root / "jobs" / job.id / "hf" / f"checkpoint-{paused_at}"
    assert json.loads((saved / "trainer_state.json").read_text())["global_step"] == paused_at
    assert {p.name for p in saved.glob("rng_state_*.pth")} == {"rng_state_0.pth", "rng_state_1.pth"}
    assert f"Job paused at step {paused_at}" in messages(client, job.id)

    monkeypatch.setenv("TUIAPP_TRAINER_STEP_DELAY", "4")  # left alone, they would train 20 s
    client.fine_tuning.jobs.resume(job.id)
    wait_steps(client, job.id, paused_at + 1, timeout=90)
    ranks = rank_pids(job.id)
    assert len(ranks) == 2
    monkeypatch.setenv("TUIAPP_TRAINER_STEP_DELAY", "0")
    os.kill(api.state.job(job.id)["pid"], signal.SIGKILL)  # torchrun itself, as an OOM kill
    wait_until(lambda: not any(running(pid) for pid in ranks), timeout=8, what="the ranks to end")
    done = wait_for(client, job.id)  # restarted from its last checkpoint by the runner
    assert done.status == "succeeded", done.error
    assert metric_steps(client, job.id) == list(range(1, 10))  # no gap, no repeat
    wait_until(lambda: not rank_pids(job.id), timeout=15, what="every process of the job to end")


def test_dpo_on_two_processes(server, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """DPO over gloo: each rank scores its half of the pairs against the reference (the LoRA
    adapter switched off), rank 0 alone reports. One launch, 18-23 s at load 4-7 on 2 cores,
    mostly the two ranks importing TRL (5.6 s of CPU each); its curve equals one process's to
    1e-6 (measured once: a one-process run here would double the test's time)."""
    url, _api, _root = server
    monkeypatch.setenv("TUIAPP_LOCAL_PROCESSES", "2")
    client = openai.OpenAI(base_url=url, api_key="unused", max_retries=0)
    train = client.files.create(file=("p.jsonl", preference_lines(12)), purpose="fine-tune")
    job = client.fine_tuning.jobs.create(
        model="tiny-llama",
        training_file=train.id,
        method={"type": "dpo", "dpo": {"hyperparameters": {"beta": 0.1, **SETTINGS}}},
        seed=7,
    )
    done = wait_for(client, job.id, timeout=120)
    assert done.status == "succeeded", done.error
    started = " ".join(messages(client, job.id))
    assert "2 processes data-parallel" in started and "(dpo)" in started
    assert metric_steps(client, job.id) == [1, 2, 3, 4, 5, 6]  # once each, not per rank
    curve = losses(client, job.id)
    assert curve[0] == pytest.approx(math.log(2), abs=1e-4)  # the policy starts as its reference
    assert curve == sorted(curve, reverse=True) and curve[-1] < curve[0]
    checkpoints = client.fine_tuning.jobs.checkpoints.list(job.id).data
    assert sorted(c.step_number for c in checkpoints) == [3, 6]
    answer = client.chat.completions.create(
        model=done.fine_tuned_model,
        messages=[{"role": "user", "content": "Greet me"}],
        max_tokens=4,
    )
    assert answer.choices[0].message.content is not None
