"""The local backend on another machine, as the app reaches it: a second server started by the
real CLI (`tuiapp local serve --port P --key K`, on another loopback port, as a GPU box behind
an `ssh -L` tunnel looks), and the app's local provider pointed at it with TUIAPP_LOCAL_URL and
the key: it lists the models, uploads, trains a job to the end and chats with the model; a
wrong key gets the app's 401 message; a non-loopback address without a key is refused.

Takes about 30 s on 2 cores: the server process loads torch, the job starts a trainer."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.local_support import free_port
from tuiapp.paths import AppPaths
from tuiapp.providers.adapter import LOCAL
from tuiapp.providers.base import JobRequest, ProviderError
from tuiapp.providers.local_server import answering
from tuiapp.providers.registry import connect

KEY = "sk-gpu-box-5f3a"


@pytest.fixture
def remote(tmp_path: Path, tiny_model: Path) -> Iterator[str]:
    """`tuiapp local serve` in a process of its own, with a key, on a free loopback port."""
    root = tmp_path / "gpu-box"
    shutil.copytree(tiny_model, root / "models" / "tiny-llama")
    port = free_port()
    command = [sys.executable, "-m", "tuiapp", "local", "serve", "--port", str(port)]
    log = open(tmp_path / "serve.log", "wb")  # noqa: SIM115 - closed after the server
    server = subprocess.Popen(
        [*command, "--key", KEY, "--data", str(root), "--home", str(tmp_path / "box-home")],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 60
    while not asyncio.run(answering(url, KEY)):
        assert server.poll() is None, (tmp_path / "serve.log").read_text()
        assert time.monotonic() < deadline, "the server did not answer within 60 s"
        time.sleep(0.3)
    try:
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


async def test_the_app_trains_and_chats_on_a_remote_backend(
    remote: str, home: AppPaths, tmp_path: Path
) -> None:
    env = {"TUIAPP_LOCAL_URL": remote, "TUIAPP_LOCAL_API_KEY": KEY}
    provider = await connect(LOCAL, home, env)
    try:
        assert "tiny-llama" in await provider.models()
        data = tmp_path / "train.jsonl"
        turns = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "arr"}]
        rows = [{"messages": turns} for _ in range(12)]
        data.write_text("".join(json.dumps(row) + "\n" for row in rows))
        uploaded = await provider.upload(data, "fine-tune", None)
        request = JobRequest(
            "tiny-llama", uploaded.id, hyperparameters={"n_epochs": 1, "batch_size": 4}, seed=1
        )
        job = await provider.create_job(request)
        deadline = time.monotonic() + 120
        while job.status not in ("succeeded", "failed", "cancelled"):
            assert time.monotonic() < deadline, f"the job stayed {job.status}"
            await asyncio.sleep(0.5)
            job = await provider.job(job.id)
        assert job.status == "succeeded", job.error
        assert job.fine_tuned_model in await provider.models()
        answer = await provider.complete(
            job.fine_tuned_model, [{"role": "user", "content": "Hi"}], max_tokens=5
        )
        assert answer.text is not None
    finally:
        await provider.close()


async def test_a_wrong_key_gets_the_401_message(remote: str, home: AppPaths) -> None:
    env = {"TUIAPP_LOCAL_URL": remote, "TUIAPP_LOCAL_API_KEY": "sk-wrong"}
    with pytest.raises(ProviderError) as refused:
        await connect(LOCAL, home, env)
    assert "401" in str(refused.value)
    assert "key was refused" in refused.value.hint and "TUIAPP_LOCAL_API_KEY" in refused.value.hint


def test_a_public_address_needs_a_key(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "tuiapp", "local", "serve", "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        env={"TUIAPP_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert run.returncode == 2 and "without a key; pass --key" in run.stderr


def test_processes_must_be_at_least_one(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "tuiapp", "local", "serve", "--processes", "0"],
        capture_output=True,
        text=True,
        env={"TUIAPP_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert run.returncode == 2 and "--processes must be at least 1" in run.stderr
