"""A job is created once, whatever happens to the create request's answer: a real loopback
proxy in front of a fake OpenAI-shaped server forwards the POST and then answers 500, drops the
connection or stalls past the read timeout; the app finds the job by its client token instead
of creating a second one. A row left by an app killed mid-create is adopted on the next watch."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openai
import pytest

from tests.conftest import chat
from tests.fault_proxy import MODEL, FakeOpenAI, FaultyProxy, job_object, serving
from tests.test_store_and_import import imported
from tests.test_versions import accept_all
from tests.waiting import wait_until
from tuiapp.paths import AppPaths
from tuiapp.providers.base import TOKEN_METADATA_KEY, ProviderError
from tuiapp.providers.openai_provider import OpenAIProvider
from tuiapp.services.freeze import commit, plan_freeze
from tuiapp.store import open_store
from tuiapp.store.jobs import get_job, insert_pending_job, list_jobs, update_job


@pytest.fixture
def backend() -> Iterator[tuple[FakeOpenAI, FaultyProxy]]:
    """The fake API behind the faulty proxy."""
    fake = FakeOpenAI()
    proxy = FaultyProxy(fake.url)
    with serving(fake), serving(proxy):
        yield fake, proxy


@pytest.fixture
def openai_env(
    backend: tuple[FakeOpenAI, FaultyProxy], monkeypatch: pytest.MonkeyPatch
) -> FaultyProxy:
    """The `openai` provider pointed at the proxy."""
    _fake, proxy = backend
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("OPENAI_BASE_URL", proxy.url)
    for name in ("AZURE_OPENAI_API_KEY", "TOGETHER_API_KEY", "MISTRAL_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    return proxy


def frozen(home: AppPaths, write_jsonl: Callable[..., Path]) -> int:
    """A frozen version of 20 examples; its id."""
    rows = [chat(f"Question number {i} about topic {i * 7}?", f"Answer {i}.") for i in range(20)]
    store, dataset = imported(home, write_jsonl(rows))
    accept_all(store, dataset.id)
    version = commit(store, plan_freeze(store, dataset.id, fraction=0.1), "v1")
    store.close()
    return version.id


def train(version_id: int, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """`tuiapp train` on the openai provider: exit status and what it printed."""
    from tuiapp.cli import main

    status = main(["train", str(version_id), "--model", MODEL, "--provider", "openai", "--yes"])
    out = capsys.readouterr()
    return status, out.out + out.err


def listed_jobs(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    """`tuiapp jobs --json`."""
    from tuiapp.cli import main

    assert main(["jobs", "--json"]) == 0
    return list(json.loads(capsys.readouterr().out))


@pytest.mark.parametrize("fault", ["500", "reset"])
def test_a_create_whose_answer_is_lost_makes_one_job(
    fault: str,
    home: AppPaths,
    write_jsonl: Callable[..., Path],
    backend: tuple[FakeOpenAI, FaultyProxy],
    openai_env: FaultyProxy,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake, proxy = backend
    version_id = frozen(home, write_jsonl)
    proxy.faults["POST /v1/fine_tuning/jobs"] = [fault]
    status, out = train(version_id, capsys)
    assert status == 0, out
    assert proxy.seen.count("POST /v1/fine_tuning/jobs") == 1  # never sent again
    assert list(fake.jobs) == ["ftjob-1"]  # exactly one job on the server
    [token] = fake.list_queries[0][f"metadata[{TOKEN_METADATA_KEY}]"]  # looked up by token
    assert fake.jobs["ftjob-1"]["metadata"] == {TOKEN_METADATA_KEY: token}
    [job] = listed_jobs(capsys)  # ... and in the store, the same one
    assert job["remote_id"] == "ftjob-1" and job["status"] == "validating_files"
    assert "job 1 (ftjob-1) validating_files" in out


def test_a_create_that_never_arrived_is_sent_again_once(
    home: AppPaths,
    write_jsonl: Callable[..., Path],
    backend: tuple[FakeOpenAI, FaultyProxy],
    openai_env: FaultyProxy,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tuiapp.services import job_create as create

    monkeypatch.setattr(create, "CREATE_BACKOFF", 0.01)
    fake, proxy = backend
    version_id = frozen(home, write_jsonl)
    proxy.faults["POST /v1/fine_tuning/jobs"] = ["refuse-500"]  # the server never saw it
    status, out = train(version_id, capsys)
    assert status == 0, out
    assert proxy.seen.count("POST /v1/fine_tuning/jobs") == 2
    assert proxy.seen.count("GET /v1/fine_tuning/jobs") == 1  # looked before sending again
    assert list(fake.jobs) == ["ftjob-1"]
    [job] = listed_jobs(capsys)
    assert job["remote_id"] == "ftjob-1"


def test_a_stalled_create_times_out_on_the_configured_read_timeout_and_is_adopted(
    home: AppPaths,
    write_jsonl: Callable[..., Path],
    backend: tuple[FakeOpenAI, FaultyProxy],
    openai_env: FaultyProxy,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake, proxy = backend
    (home.config_dir / "config.toml").write_text("[timeouts]\nconnect = 5\nread = 0.5\n")
    version_id = frozen(home, write_jsonl)
    proxy.faults["POST /v1/fine_tuning/jobs"] = ["stall"]
    started = time.monotonic()
    status, out = train(version_id, capsys)
    assert status == 0, out
    assert time.monotonic() - started < 2.5  # gave up after 0.5 s, not the SDK's 600 s
    assert list(fake.jobs) == ["ftjob-1"]
    assert [j["remote_id"] for j in listed_jobs(capsys)] == ["ftjob-1"]


async def test_a_timeout_says_after_how_long_and_which_setting(
    backend: tuple[FakeOpenAI, FaultyProxy],
) -> None:
    fake, proxy = backend
    fake.jobs["ftjob-1"] = job_object("ftjob-1", {})
    proxy.faults["GET /v1/fine_tuning/jobs/ftjob-1"] = ["stall"]
    client = openai.AsyncOpenAI(
        base_url=proxy.url, api_key="k", max_retries=0, timeout=openai.Timeout(0.3, connect=5)
    )
    provider = OpenAIProvider("openai", client)
    with pytest.raises(ProviderError) as info:
        await provider.job("ftjob-1")
    await provider.close()
    assert "timed out after 0.3 s" in str(info.value)
    assert "`read` under [timeouts] in config.toml" in str(info.value)


def test_kill_9_mid_create_leaves_a_row_with_the_token_that_the_next_watch_adopts(
    home: AppPaths,
    write_jsonl: Callable[..., Path],
    backend: tuple[FakeOpenAI, FaultyProxy],
    openai_env: FaultyProxy,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import os
    import subprocess
    import sys

    from tuiapp.cli import main

    fake, proxy = backend
    version_id = frozen(home, write_jsonl)
    proxy.faults["POST /v1/fine_tuning/jobs"] = ["stall"]  # the job is made, the answer waits
    app = subprocess.Popen(
        [sys.executable, "-m", "tuiapp", "train", str(version_id), "--model", MODEL]
        + ["--provider", "openai", "--yes"],
        env={**os.environ, "PYTHONPATH": str(Path.cwd())},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_until(lambda: fake.jobs, "the job on the server", timeout=30, interval=0.05)
    app.kill()  # kill -9 while the answer is on its way
    app.wait()
    [(remote_id, remote)] = fake.jobs.items()
    store = open_store(home.database)
    [row] = list_jobs(store)
    assert row.creating and row.client_token == remote["metadata"][TOKEN_METADATA_KEY]
    update_job(store, row.id, created_at="2026-01-01T00:00:00+00:00")  # restarted later
    store.close()
    assert main(["watch", "--once"]) == 0
    assert "validating_files" in capsys.readouterr().out  # --once prints the state
    assert [(j["remote_id"], j["status"]) for j in listed_jobs(capsys)] == [
        (remote_id, "validating_files")
    ]
    assert len(fake.jobs) == 1


def test_rows_left_by_a_killed_app_are_adopted_or_marked_on_the_next_watch(
    home: AppPaths,
    write_jsonl: Callable[..., Path],
    backend: tuple[FakeOpenAI, FaultyProxy],
    openai_env: FaultyProxy,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from tuiapp.cli import main

    fake, _proxy = backend
    version_id = frozen(home, write_jsonl)
    store = open_store(home.database)
    fields = {
        "provider": "openai",
        "version_id": version_id,
        "base_model": MODEL,
        "training_file": "file-1",
    }
    sent = insert_pending_job(store, "ttsent0001", **fields)  # killed after the send
    fake.jobs["ftjob-1"] = job_object("ftjob-1", {"metadata": {TOKEN_METADATA_KEY: "ttsent0001"}})
    lost = insert_pending_job(store, "ttlost0001", **fields)  # killed before the send
    for job in (sent, lost):  # written minutes ago: no request of theirs can be under way
        update_job(store, job.id, created_at="2026-01-01T00:00:00+00:00")
    store.close()
    assert main(["watch", "--once"]) == 1  # one of the two is marked failed
    capsys.readouterr()
    store = open_store(home.database)
    adopted, marked = get_job(store, sent.id), get_job(store, lost.id)
    assert (adopted.remote_id, adopted.status) == ("ftjob-1", "validating_files")
    assert marked.status == "failed" and marked.error and "never created" in marked.error
    assert list(fake.jobs) == ["ftjob-1"]  # the watcher never creates anything
    assert len(list_jobs(store)) == 2
    store.close()


async def test_together_and_mistral_carry_the_token_in_the_suffix_and_adopt_by_it() -> None:
    import httpx

    from tests.test_provider_contracts import Stub, ok
    from tuiapp.providers.base import JobRequest
    from tuiapp.services.job_create import create_once

    together = pytest.importorskip("together", reason="the Together SDK (dev extra)")
    mistralai = pytest.importorskip("mistralai", reason="the Mistral SDK (dev extra)")
    from tuiapp.providers.mistral_provider import MistralProvider
    from tuiapp.providers.together_provider import TogetherProvider

    def created_then_500(stub: Stub, key: str, job: dict[str, Any]) -> None:
        """The job is made (and listed from then on), but the answer is a 500."""

        def route(request: httpx.Request) -> httpx.Response:
            suffix = json.loads(request.content)["suffix"]
            stub.routes[key.replace("POST", "GET")] = ok(
                {"data": [{**job, "suffix": suffix}], "total": 1, "object": "list"}
            )
            return httpx.Response(500, json={"error": {"message": "injected"}})

        stub.routes[key] = route

    tg_job = {"id": "ft-1", "status": "pending", "model": "m", "created_at": "2026-11-24T09:00:00Z"}
    limits = {
        "model_name": "m",
        "default_gradient_accumulation_steps": 1,
        "lora_training": {
            "default_rank": 8,
            "target_modules": ["q_proj", "v_proj"],
            "max_batch_size": 32,
            "max_batch_size_dpo": 16,
            "max_rank": 64,
            "min_batch_size": 8,
        },
        "max_learning_rate": 1,
        "max_num_epochs": 20,
        "max_num_evals": 100,
        "min_learning_rate": 0,
        "max_num_checkpoints": 10,
        "max_seq_length_sft": 8192,
        "max_seq_length_dpo": 8192,
        "min_max_seq_length": 512,
        "merge_output_lora": False,
        "supports_full_training": False,
    }
    stub = Stub(
        {
            "GET /v1/fine-tunes/models/limits": ok(limits),
            "POST /v1/fine-tunes/estimate-price": ok({"allowed_to_proceed": True}),
        }
    )
    created_then_500(stub, "POST /v1/fine-tunes", tg_job)
    client = together.AsyncTogether(
        api_key="k",
        base_url="https://api.together.xyz",
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(stub)),
    )
    token = "tt0123abcd"
    request = JobRequest("m", "file-1", suffix="pirate", client_token=token)
    found = await create_once(TogetherProvider(client), request)
    assert found.id == "ft-1" and stub.seen.count("POST /v1/fine-tunes") == 1
    assert stub.bodies["POST /v1/fine-tunes"]["suffix"] == "pirate-tt0123abcd"

    ms_job = {
        "id": "j-1",
        "auto_start": True,
        "model": "open-mistral-7b",
        "status": "QUEUED",
        "created_at": 1,
        "modified_at": 1,
        "training_files": ["f-1"],
        "hyperparameters": {"epochs": 2.0},
        "object": "job",
        "job_type": "completion",
    }
    stub = Stub({"GET /v1/fine_tuning/jobs/j-1": ok(ms_job)})
    created_then_500(stub, "POST /v1/fine_tuning/jobs", ms_job)
    client = mistralai.Mistral(
        api_key="k",
        server_url="https://api.mistral.ai",
        async_client=httpx.AsyncClient(transport=httpx.MockTransport(stub)),
    )
    request = JobRequest(
        "open-mistral-7b", "f-1", suffix="a-long-suffix", client_token="tt0123abcd"
    )
    found = await create_once(MistralProvider(client), request)
    assert found.id == "j-1" and stub.seen.count("POST /v1/fine_tuning/jobs") == 1
    suffix = stub.bodies["POST /v1/fine_tuning/jobs"]["suffix"]
    assert suffix == "a-long-tt0123abcd" and len(suffix) <= 18  # Mistral's limit


async def test_every_adapter_says_which_timeout_ran_out(home: AppPaths) -> None:
    import httpx

    from tuiapp.config import ConfigError, load_config
    from tuiapp.providers.base import Timeouts

    together = pytest.importorskip("together", reason="the Together SDK (dev extra)")
    mistralai = pytest.importorskip("mistralai", reason="the Mistral SDK (dev extra)")
    from tuiapp.providers.mistral_provider import MistralProvider
    from tuiapp.providers.together_provider import TogetherProvider

    def stalls(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("stalled", request=request)

    limits = Timeouts(connect=3, read=7)
    http = httpx.AsyncClient(transport=httpx.MockTransport(stalls))
    tg = together.AsyncTogether(api_key="k", http_client=http, max_retries=0)
    ms = mistralai.Mistral(api_key="k", async_client=http)
    for provider in (TogetherProvider(tg, limits), MistralProvider(ms, limits)):
        with pytest.raises(ProviderError) as info:
            await provider.job("j-1")
        assert "timed out after 7 s" in str(info.value) and "`read` under [timeouts]" in str(
            info.value
        )
    await http.aclose()

    config = home.config_dir / "config.toml"
    assert load_config(home).timeouts == Timeouts(10.0, 120.0)  # the defaults, not 600 s
    config.write_text("[timeouts]\nread = -1\n")
    with pytest.raises(ConfigError, match="timeouts.read must be a positive number"):
        load_config(home)
