"""The job commands a script uses, against the stubbed OpenAI API (no model is trained):
watch prints step, losses and state and exits 1 when the job fails or is cancelled, --once
prints the state, --json streams JSON lines; cancel / pause / resume; `jobs JOB` in detail;
--json on experiments and eval, eval's progress on stderr; `python -m tuiapp.cli` runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.provider_fakes import CREATED, OpenAIFake
from tests.test_jobs import frozen_version
from tuiapp import cli_jobs
from tuiapp.cli import main
from tuiapp.config import Timeouts
from tuiapp.paths import AppPaths
from tuiapp.providers.adapter import Connection
from tuiapp.providers.base import Provider
from tuiapp.providers.registry import find
from tuiapp.store import open_store
from tuiapp.store.jobs import get_job, insert_job, update_job


class Scripted(OpenAIFake):
    """The stubbed OpenAI API whose job goes through the given statuses, one per retrieve
    (the last one stays), and which answers chat completions."""

    def __init__(self, statuses: list[str]) -> None:
        self.statuses = list(statuses)
        super().__init__(100)

    def job(self, status: str | None = None) -> dict[str, Any]:
        """The next scripted status (the last one stays)."""
        if status is None:
            self.status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
        body = super().job(status)
        if body["status"] == "failed":
            body["error"] = {"code": "invalid_file", "message": "bad line 3", "param": None}
        return body

    def routes(self) -> dict[str, Any]:
        """The fake's routes plus chat completions."""
        routes = super().routes()

        def chat(request: httpx.Request) -> httpx.Response:
            model = json.loads(request.content)["model"]
            return httpx.Response(
                200,
                json={
                    "id": "chatcmpl-1",
                    "object": "chat.completion",
                    "created": CREATED,
                    "model": model,
                    "choices": [
                        {
                            "index": 0,
                            "finish_reason": "stop",
                            "message": {"role": "assistant", "content": "Arr, matey!"},
                        }
                    ],
                    "usage": {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8},
                },
            )

        def control(status: str) -> Callable[[httpx.Request], httpx.Response]:
            def answer(request: httpx.Request) -> httpx.Response:
                self.statuses = [status]  # what the job is from now on
                return httpx.Response(200, json=self.job())

            return answer

        for role, status in (("cancel", "cancelled"), ("pause", "paused"), ("resume", "running")):
            routes[self.key(role)] = control(status)
        routes["POST /v1/chat/completions"] = chat
        return routes


class FakeProviders:
    """What the CLI's provider pool would be, connected to the fake."""

    def __init__(self, fake: OpenAIFake, home: AppPaths) -> None:
        self.fake, self.home = fake, home
        self.client: Provider | None = None

    async def get(self, name: str) -> Provider:
        """The OpenAI adapter over the fake's transport."""
        spec = find(name)
        assert spec is not None and name == "openai"
        link = Connection("sk-test", {"OPENAI_API_KEY": "sk-test"}, self.home, Timeouts())
        link = Connection(link.key, link.env, link.paths, link.timeouts, self.fake.transport())
        if self.client is None:
            self.client = await spec.connect(link)
        return self.client

    async def close(self) -> None:
        """Close the client."""
        if self.client is not None:
            await self.client.close()


@pytest.fixture
def api(home: AppPaths, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Scripted]:
    """Point the CLI at a scripted fake OpenAI API."""

    def use(*statuses: str) -> Scripted:
        fake = Scripted(list(statuses))
        monkeypatch.setattr(cli_jobs, "_providers", lambda args: FakeProviders(fake, home))
        return fake

    return use


def openai_job(home: AppPaths, status: str = "running", **fields: Any) -> int:
    """A job on the (fake) OpenAI API in the store."""
    store = open_store(home.database)
    job = insert_job(
        store,
        provider="openai",
        remote_id="ftjob-1",
        base_model="gpt-4.1-mini-2025-04-14",
        training_file="file-1",
        status=status,
    )
    if fields:
        update_job(store, job.id, **fields)
    store.close()
    return job.id


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str], str]:
    """Run the CLI; exit code, stdout lines, stderr."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def test_watch_prints_step_losses_and_state_and_exits_0_on_success(
    home: AppPaths, api: Callable[..., Scripted], capsys: pytest.CaptureFixture[str]
) -> None:
    api("running", "running", "succeeded")
    job_id = openai_job(home)
    code, lines, _err = run(capsys, "watch", str(job_id), "--interval", "0.01")
    assert code == 0
    assert f"job {job_id}: running · step 2/2 · train 1.5000" in lines
    assert lines[-1].startswith(f"job {job_id}: succeeded · step 2/2")
    assert "model ft:gpt-4.1-mini:org::abc" in lines[-1]
    assert f"job {job_id}: event 5" in lines  # the job's messages too


@pytest.mark.parametrize("ending", ["cancelled", "failed"])
def test_watch_exits_1_when_the_job_is_cancelled_or_fails(
    home: AppPaths, api: Callable[..., Scripted], capsys: pytest.CaptureFixture[str], ending: str
) -> None:
    api("running", ending)
    job_id = openai_job(home)
    code, lines, _err = run(capsys, "watch", str(job_id), "--interval", "0.01")
    assert code == 1 and lines[-1].startswith(f"job {job_id}: {ending}")
    if ending == "failed":
        assert "bad line 3" in lines[-1]


def test_watch_once_prints_the_current_state(
    home: AppPaths, api: Callable[..., Scripted], capsys: pytest.CaptureFixture[str]
) -> None:
    fake = api("running")
    job_id = openai_job(home)
    code, lines, _err = run(capsys, "watch", str(job_id), "--once", "--json")
    assert code == 0 and fake.stub.seen.count(fake.key("job")) == 1
    [row] = [json.loads(line) for line in lines]
    assert row["job"] == job_id and row["status"] == "running" and row["step"] == 2
    assert row["train_loss"] == 1.5 and row["total_steps"] == 2
    code, lines, _err = run(capsys, "watch", "--once")  # every unfinished job, as text
    assert code == 0 and lines == [f"job {job_id}: running · step 2/2 · train 1.5000"]


def test_watch_json_streams_one_line_per_change(
    home: AppPaths, api: Callable[..., Scripted], capsys: pytest.CaptureFixture[str]
) -> None:
    api("running", "running", "running", "cancelled")
    job_id = openai_job(home)
    code, lines, _err = run(capsys, "watch", str(job_id), "--json", "--interval", "0.01")
    rows = [json.loads(line) for line in lines]
    assert code == 1 and [r["status"] for r in rows] == ["running", "cancelled"]
    assert set(rows[0]) >= {"step", "train_loss", "valid_loss", "eta", "eta_seconds"}


def test_watch_a_finished_job_says_its_state_without_asking(
    home: AppPaths, api: Callable[..., Scripted], capsys: pytest.CaptureFixture[str]
) -> None:
    fake = api("running")
    job_id = openai_job(home, status="cancelled")
    code, lines, _err = run(capsys, "watch", str(job_id))
    assert code == 1 and lines == [f"job {job_id}: cancelled"] and not fake.stub.seen


def test_watch_exits_2_when_the_job_cannot_be_followed(
    home: AppPaths, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MISTRAL_API_KEY", raising=False)
    store = open_store(home.database)
    job = insert_job(
        store,
        provider="mistral",
        remote_id="j",
        base_model="m",
        training_file="f",
        status="running",
    )
    store.close()
    code, lines, err = run(capsys, "watch", str(job.id), "--once")
    assert code == 2 and not lines and "MISTRAL_API_KEY" in err
    code, _lines, err = run(capsys, "watch", "99")
    assert code == 2 and "no job with id 99" in err


def test_cancel_pause_resume(
    home: AppPaths, api: Callable[..., Scripted], capsys: pytest.CaptureFixture[str]
) -> None:
    fake = api("running")
    job_id = openai_job(home)
    code, lines, _err = run(capsys, "pause", str(job_id))
    assert code == 0 and lines[-1].startswith(f"job {job_id}: paused")
    assert fake.key("pause") in fake.stub.seen
    assert get_job(open_store(home.database), job_id).status == "paused"
    code, lines, _err = run(capsys, "resume", str(job_id))
    assert code == 0 and lines[-1].startswith(f"job {job_id}: running")
    code, _lines, err = run(capsys, "cancel", str(job_id))  # no terminal to ask on
    assert code == 2 and "--yes" in err and fake.key("cancel") not in fake.stub.seen
    code, lines, _err = run(capsys, "cancel", str(job_id), "--yes")
    assert code == 0 and lines[-1].startswith(f"job {job_id}: cancelled")
    assert get_job(open_store(home.database), job_id).status == "cancelled"
    code, _lines, err = run(capsys, "resume", str(job_id))
    assert code == 1 and "already cancelled" in err


def test_jobs_job_shows_one_job_in_detail(
    home: AppPaths, api: Callable[..., Scripted], capsys: pytest.CaptureFixture[str]
) -> None:
    api("running")
    job_id = openai_job(home)
    assert run(capsys, "watch", str(job_id), "--once")[0] == 0  # metrics, resolved settings
    code, lines, _err = run(capsys, "jobs", str(job_id))
    assert code == 0 and lines[0] == f"job {job_id}: running · step 2/2 · train 1.5000"
    text = "\n".join(lines)
    assert "remote_id         ftjob-1" in text and '"n_epochs": "auto"' in text
    assert "verdict           Not enough data yet" in text and "event 5" in text
    code, lines, _err = run(capsys, "jobs", str(job_id), "--json")
    info = json.loads("\n".join(lines))
    assert code == 0 and info["id"] == job_id and info["step"] == 2
    assert info["verdict"]["verdict"] == "waiting" and info["hyperparameters"]["n_epochs"] == "auto"
    assert info["events"][-1]["message"] == "event 5"
    code, _lines, err = run(capsys, "jobs", "99")
    assert code == 2 and "no job with id 99" in err


def test_experiments_json(
    home: AppPaths, api: Callable[..., Scripted], capsys: pytest.CaptureFixture[str]
) -> None:
    job_id = openai_job(home)
    code, lines, _err = run(capsys, "experiments", "--json")
    [row] = json.loads("\n".join(lines))
    assert code == 0 and row["job_id"] == job_id and row["provider"] == "openai"


def test_eval_json_and_progress_on_stderr(
    home: AppPaths,
    api: Callable[..., Scripted],
    write_jsonl: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    api("succeeded")
    store, version = frozen_version(home, write_jsonl)
    holdout = version.counts["holdout"]
    job_id = openai_job(
        home, status="succeeded", version_id=version.id, fine_tuned_model="ft:gpt-4.1-mini:o::x"
    )
    store.close()
    code, lines, err = run(capsys, "eval", str(job_id), "--json", "--concurrency", "2")
    runs = json.loads("\n".join(lines))
    assert code == 0 and [r["model"] for r in runs] == [
        "ft:gpt-4.1-mini:o::x",
        "gpt-4.1-mini-2025-04-14",
    ]
    assert all(r["status"] == "completed" and r["scores"]["items"] == holdout for r in runs)
    progress = err.splitlines()
    assert len(progress) == 2 * (holdout + 1)  # 0/N at the start, then one per answered item
    assert f"eval run {runs[0]['id']} ft:gpt-4.1-mini:o::x: 0/{holdout} answered" in progress
    assert (
        f"eval run {runs[0]['id']} ft:gpt-4.1-mini:o::x: {holdout}/{holdout} answered" in progress
    )


def test_python_dash_m_tuiapp_cli_runs(home: AppPaths) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tuiapp.cli", "jobs", "--json"],
        capture_output=True,
        text=True,
        env={**os.environ, "TUIAPP_HOME": str(home.data_dir.parent)},
        timeout=60,
    )
    assert done.returncode == 0 and json.loads(done.stdout) == [], done.stderr
