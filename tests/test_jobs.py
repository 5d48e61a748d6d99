"""Jobs end to end in the core: plan, upload (reused), create and watch a job on the real local
backend through the real `openai` SDK; a restart mid-job loses no step; faults injected at the
HTTP layer are retried or reported with nothing lost."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from tests.conftest import chat
from tests.test_store_and_import import imported
from tests.test_versions import WORDS, accept_all
from tuiapp.paths import AppPaths
from tuiapp.providers import openai_provider
from tuiapp.providers.base import ProviderError
from tuiapp.providers.openai_provider import LOCAL_CAPABILITIES, OpenAIProvider
from tuiapp.services import job_watch as watch
from tuiapp.services.freeze import commit, plan_freeze
from tuiapp.services.launch import plan_job, start_job
from tuiapp.store import open_store
from tuiapp.store.jobs import get_job, job_checkpoints, job_events, job_metrics

# the longest a test's watcher leaves a quiet job (a trainer still loading) unpolled: the app
# backs off to 30 s, which left tests waiting many seconds after their job had ended
QUIET_POLL = 1.0


def pirate_file(write_jsonl: Callable[..., Path]) -> Path:
    """40 distinct questions, one pirate answer: a holdout survives the duplicate grouping."""
    rows = [
        chat(
            f"{WORDS[i % 12]} {WORDS[(i * 5 + 1) % 12]} {WORDS[(i * 7 + 3) % 12]} number {i}?",
            "Arr, matey!",
            None,
        )
        for i in range(40)
    ]
    return write_jsonl(rows)


def frozen_version(home: AppPaths, write_jsonl: Callable[..., Path]):  # type: ignore[no-untyped-def]
    """A store with a frozen version of the pirate data."""
    store, dataset = imported(home, pirate_file(write_jsonl))
    accept_all(store, dataset.id)
    return store, commit(store, plan_freeze(store, dataset.id, fraction=0.1), "v1")


def always(provider: OpenAIProvider) -> Callable[[str], Any]:
    """A watcher `connect` that hands out this one provider."""

    async def connect(_name: str) -> OpenAIProvider:
        return provider

    return connect


async def trained_job(home: AppPaths, write_jsonl: Callable[..., Path], url: str, folder: Path):  # type: ignore[no-untyped-def]
    """A store, its frozen pirate version and a job trained on it (1 epoch) to the end."""
    store, version = frozen_version(home, write_jsonl)
    provider = provider_for(url)
    plan = plan_job(store, "local", version.id, "tiny-llama", {"n_epochs": 1, "batch_size": 8})
    job = await start_job(store, provider, plan, folder)
    watcher = watch.Watcher(store, always(provider), min_interval=0.2, max_interval=QUIET_POLL)
    done = await watcher.until_finished(job.id, timeout=240)
    await provider.close()
    return store, version, done


class Faults(httpx.AsyncBaseTransport):
    """The real transport, except that requests whose path matches get the planned faults
    first (a status with headers, or an exception), in order."""

    def __init__(self, plan: dict[str, list[Any]]) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.plan = plan
        self.seen: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(f"{request.method} {request.url.path}")
        for fragment, faults in self.plan.items():
            if fragment in f"{request.method} {request.url.path}" and faults:
                fault = faults.pop(0)
                if isinstance(fault, Exception):
                    raise fault
                status, headers = fault
                body = {"error": {"message": "injected", "type": "x", "param": None, "code": None}}
                return httpx.Response(status, headers=headers, json=body, request=request)
        return await self.inner.handle_async_request(request)


def provider_for(url: str, transport: httpx.AsyncBaseTransport | None = None) -> OpenAIProvider:
    """The local provider over the real SDK (optionally over a faulty transport)."""
    client = openai.AsyncOpenAI(
        base_url=url,
        api_key="local",
        # the SDK's stubs name httpx2's client; an httpx client is what the app passes too
        http_client=httpx.AsyncClient(transport=transport) if transport else None,  # type: ignore[arg-type]
    )
    return OpenAIProvider("local", client, LOCAL_CAPABILITIES)


async def test_a_job_is_planned_uploaded_created_and_watched_to_success(
    home: AppPaths, write_jsonl: Callable[..., Path], server: Any, tmp_path: Path
) -> None:
    url, _api, _root = server
    store, version = frozen_version(home, write_jsonl)
    provider = provider_for(url)
    plan = plan_job(store, "local", version.id, "tiny-llama", {"n_epochs": 2, "batch_size": 8})
    assert plan.usd == 0.0 and plan.n_epochs == 2 and plan.use_holdout
    assert plan.billed_tokens == 2 * plan.tokens_per_epoch > 0
    sent: list[tuple[int, int]] = []
    job = await start_job(store, provider, plan, tmp_path / "up", lambda d, t: sent.append((d, t)))
    assert sent and sent[-1][0] == sent[-1][1]  # the progress reached the file size
    assert job.validation_file and job.requested == {"n_epochs": 2, "batch_size": 8}

    connect = always(provider)

    watcher = watch.Watcher(store, connect, min_interval=0.2, max_interval=QUIET_POLL)
    done = await watcher.until_finished(job.id, timeout=240)
    assert done.status == "succeeded", done.error
    assert done.fine_tuned_model and done.fine_tuned_model.startswith("ft:tiny-llama:local:")
    steps = [m.step for m in job_metrics(store, job.id)]
    total = job_metrics(store, job.id)[-1].total_steps
    assert total and steps == list(range(1, total + 1))
    assert all(m.train_loss is not None for m in job_metrics(store, job.id))
    assert [c["step"] for c in job_checkpoints(store, job.id)] == [total // 2, total]
    assert any("successfully completed" in e["message"] for e in job_events(store, job.id))
    # the same version again: the files are reused, and the plan says it was trained before
    again = plan_job(store, "local", version.id, "tiny-llama", {"n_epochs": 2, "batch_size": 8})
    assert any(f"job {job.id}" in w for w in again.warnings)
    second = await start_job(store, provider, again, tmp_path / "up2")
    assert (second.training_file, second.validation_file) == (
        job.training_file,
        job.validation_file,
    )
    await provider.cancel(second.remote_id)
    await provider.close()


async def test_a_restart_mid_job_misses_no_step(
    home: AppPaths,
    write_jsonl: Callable[..., Path],
    server: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(openai_provider, "EVENT_PAGE", 3)  # many pages pile up while "away"
    # steps of 0.1 s: the 27 of the tiny model took less than one poll once training got
    # faster, and the app came back to a job already finished (nothing left to miss)
    monkeypatch.setenv("TUIAPP_TRAINER_STEP_DELAY", "0.1")
    url, _api, _root = server
    store, version = frozen_version(home, write_jsonl)
    provider = provider_for(url)
    plan = plan_job(store, "local", version.id, "tiny-llama", {"n_epochs": 3, "batch_size": 4})
    job = await start_job(store, provider, plan, tmp_path / "up")

    connect = always(provider)

    first = watch.Watcher(store, connect, min_interval=0.1, max_interval=QUIET_POLL)
    while not job_metrics(store, job.id):
        await first.poll_due()
        await asyncio.sleep(0.05)  # poll_due returns at once until a poll is due
    before = job_metrics(store, job.id)
    seen_before = len(before)
    assert seen_before < (before[0].total_steps or 0)  # killed mid-job, as the name says
    store.close()  # the app is killed; the job trains on in the backend
    await provider.job(job.remote_id)  # (time passes)
    store = open_store(home.database)
    again = watch.Watcher(store, connect, min_interval=0.1, max_interval=QUIET_POLL)
    done = await again.until_finished(job.id, 240)
    assert done.status == "succeeded"
    metrics = job_metrics(store, job.id)
    assert [m.step for m in metrics] == list(range(1, metrics[-1].total_steps + 1))  # type: ignore[operator]
    assert len(metrics) > seen_before
    await provider.close()


async def test_faults_are_retried_or_reported_and_nothing_is_lost(
    home: AppPaths, write_jsonl: Callable[..., Path], server: Any, tmp_path: Path
) -> None:
    url, _api, _root = server
    store, version = frozen_version(home, write_jsonl)
    faults = Faults(
        {
            "POST /v1/files": [(429, {"retry-after": "0"}), (500, {})],
            "POST /v1/fine_tuning/jobs": [httpx.ReadTimeout("slow")],
            "/events": [httpx.RemoteProtocolError("connection reset")],
        }
    )
    provider = provider_for(url, faults)
    plan = plan_job(store, "local", version.id, "tiny-llama", {"n_epochs": 1, "batch_size": 8})
    job = await start_job(store, provider, plan, tmp_path / "up")  # retried by the SDK
    assert faults.seen.count("POST /v1/files") == 4  # 2 faults + 2 files
    assert sum(s == "POST /v1/fine_tuning/jobs" for s in faults.seen) == 2
    # more faults than the SDK retries: the watcher reports the error and tries again later
    faults.plan["GET /v1/fine_tuning/jobs/"] = [(503, {})] * 3
    reports: list[watch.Polled] = []

    connect = always(provider)

    watcher = watch.Watcher(store, connect, reports.append, 0.1, QUIET_POLL)
    await watcher.poll_due()
    assert reports[-1].error and "503" in reports[-1].error
    assert get_job(store, job.id).status == job.status  # nothing lost or overwritten
    watcher._due.clear()  # do not wait out the backoff in a test
    done = await watcher.until_finished(job.id, timeout=240)
    assert done.status == "succeeded"
    assert [m.step for m in job_metrics(store, job.id)][0] == 1
    await provider.close()


async def test_errors_say_what_to_do() -> None:
    def failing(status: int, body: dict[str, Any]) -> OpenAIProvider:
        transport = httpx.MockTransport(lambda request: httpx.Response(status, json=body))
        client = openai.AsyncOpenAI(
            base_url="http://test/v1",
            api_key="k",
            max_retries=0,
            http_client=httpx.AsyncClient(transport=transport),  # type: ignore[arg-type]
        )
        return OpenAIProvider("openai", client)

    refused = {"error": {"message": "not allowed", "type": "x", "param": None, "code": None}}
    with pytest.raises(ProviderError) as info:
        await failing(403, refused).job("ftjob-1")
    assert info.value.status == 403 and "2027-01-06" in info.value.hint
    bad = {"error": {"message": "bad value", "type": "x", "param": "n_epochs", "code": None}}
    with pytest.raises(ProviderError) as info:
        await failing(400, bad).job("ftjob-1")
    assert "(param n_epochs)" in str(info.value)
    paused = {
        "id": "ftjob-1",
        "object": "fine_tuning.job",
        "status": "paused",  # the SDK does not list it; we show it
        "model": "gpt-4o-mini",
        "created_at": 1,
        "training_file": "file-1",
        "hyperparameters": {"n_epochs": 3},
        "result_files": [],
        "seed": 1,
        "organization_id": "o",
        "error": None,
        "fine_tuned_model": None,
        "finished_at": None,
        "trained_tokens": None,
        "validation_file": None,
    }
    job = await failing(200, paused).job("ftjob-1")
    assert job.status == "paused" and not job.finished
    assert json.loads(json.dumps(job.hyperparameters)) == {"n_epochs": 3}


def test_command_line_train_watch_and_list(
    home: AppPaths,
    write_jsonl: Callable[..., Path],
    server: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from tuiapp import cli_job_control
    from tuiapp.cli import main

    url, _api, _root = server
    monkeypatch.setattr(cli_job_control, "MIN_INTERVAL", 0.2)  # `watch`'s default --interval
    monkeypatch.setattr(cli_job_control, "MAX_INTERVAL", QUIET_POLL)
    monkeypatch.setenv("TUIAPP_LOCAL_URL", url)  # the backend is running: no second one
    for name in ("OPENAI_API_KEY", "AZURE_OPENAI_API_KEY", "TOGETHER_API_KEY", "MISTRAL_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    store, version = frozen_version(home, write_jsonl)
    train = ["train", str(version.id), "--model", "tiny-llama", "--epochs", "1"]
    train += ["--batch-size", "8"]  # 5 steps, not the 36 of the automatic batch of 1
    assert main(train) == 2
    assert "pass --yes" in capsys.readouterr().err  # never pays without a question
    assert main([*train, "--yes"]) == 0
    out = capsys.readouterr().out
    assert "local · tiny-llama · 36 examples · 1 epochs" in out and "$0.00" in out
    assert main(["watch"]) == 0
    assert "succeeded" in capsys.readouterr().out
    assert main(["jobs", "--json"]) == 0
    [job] = json.loads(capsys.readouterr().out)
    assert job["status"] == "succeeded" and job["step"] == job["total_steps"]
    assert job["fine_tuned_model"].startswith("ft:tiny-llama:local:")


async def test_the_local_backend_is_started_when_none_answers(
    home: AppPaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import signal

    from tests.conftest import NEEDS_LOCAL
    from tests.local_support import free_port

    pytest.importorskip("torch", reason=NEEDS_LOCAL)
    from tuiapp.providers.local_server import answering, ensure_running

    url = f"http://127.0.0.1:{free_port()}/v1"
    assert not await answering(url, "local")
    started = await ensure_running(home, {"TUIAPP_LOCAL_URL": url})
    try:
        assert started == url and await answering(url, "local")
        assert await ensure_running(home, {"TUIAPP_LOCAL_URL": url}) == url  # reused
    finally:
        os.kill(int((home.data_dir / "local-server.pid").read_text()), signal.SIGTERM)
