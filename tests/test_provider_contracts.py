"""One contract suite over every registered provider adapter: the same scenarios (upload,
create with hyperparameters, the client token and find_job, watch to the end, event paging,
checkpoints, cancel, pause/resume, 401, 404, 429/5xx) against each adapter's real SDK, built by
its own connect function, over stubbed HTTP in the shapes each API documents, and against the
real local backend (its server on loopback, the tiny model)."""

from __future__ import annotations

import importlib.util
import time
import tomllib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.contract_checks import BODY_CHECKS, TOKEN, WATCHED
from tests.provider_fakes import AzureFake, Fake, OpenAIFake, Stub, ok
from tests.provider_fakes_fireworks import ACCOUNT, FireworksFake
from tests.provider_fakes_vendors import MistralFake, TogetherFake
from tests.waiting import wait_until
from tuiapp.paths import AppPaths
from tuiapp.providers import openai_provider
from tuiapp.providers.adapter import LOCAL, Connection, find, names
from tuiapp.providers.base import HYPERPARAMETERS, JobRequest, Provider, ProviderError, Timeouts
from tuiapp.providers.openai_provider import OpenAIProvider
from tuiapp.redact import key_variables
from tuiapp.services.job_watch import Watcher
from tuiapp.store import open_store
from tuiapp.store.jobs import insert_job, job_checkpoints, job_events, job_metrics

__all__ = ["Stub", "ok"]  # tests/test_idempotent_create.py stubs with these
FAKES: dict[str, type[Fake]] = {
    "openai": OpenAIFake,
    "azure": AzureFake,
    "together": TogetherFake,
    "mistral": MistralFake,
    "fireworks": FireworksFake,
}
ENV = {  # what each adapter reads, for the stubbed ones
    "azure": {"AZURE_OPENAI_ENDPOINT": "https://c.openai.azure.com", "OPENAI_API_VERSION": "v1"},
    "fireworks": {"FIREWORKS_ACCOUNT_ID": ACCOUNT},
}
SDKS = {"together": "together", "mistral": "mistralai", LOCAL: "torch"}
LOCAL_KEY = "sk-local-contract-0123456789"


def _param(name: str) -> Any:
    """An adapter as a test parameter, skipped only when its SDK (or torch) is missing."""
    module = SDKS.get(name)
    missing = module is not None and importlib.util.find_spec(module) is None
    reason = f"{name}: needs {module} (its extra)"
    return pytest.param(name, marks=pytest.mark.skipif(missing, reason=reason), id=name)


ADAPTERS = [_param(name) for name in names()]


@dataclass
class Subject:
    """An adapter under contract: its client, its fake (None for the real backend), the id of
    a job it knows, and a training file."""

    name: str
    provider: Provider
    fake: Fake | None
    job_id: str
    file: Path
    env: dict[str, str]


def jsonl(folder: Path) -> Path:
    """A small training file."""
    path = folder / "train.jsonl"
    turns = '[{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]'
    line = f'{{"messages": {turns}}}'
    path.write_text((line + "\n") * 10)
    return path


@pytest.fixture(scope="module")
def local_backend(tmp_path_factory: pytest.TempPathFactory, tiny_model: Path) -> Iterator[Any]:
    """The real local server (with a key) and one job trained on it to the end."""
    import shutil

    import openai

    from tests.local_support import running_server

    root = tmp_path_factory.mktemp("contract") / "local"
    shutil.copytree(tiny_model, root / "models" / "tiny-llama")
    with running_server(root, LOCAL_KEY) as (url, _api):
        client = openai.OpenAI(base_url=url, api_key=LOCAL_KEY)
        file = client.files.create(file=jsonl(root).open("rb"), purpose="fine-tune")
        job = client.fine_tuning.jobs.create(
            model="tiny-llama",
            training_file=file.id,
            hyperparameters={"n_epochs": 1, "batch_size": 5},
        )
        done = lambda: client.fine_tuning.jobs.retrieve(job.id).status == "succeeded"  # noqa: E731
        wait_until(done, "the local job to succeed", timeout=120, interval=0.2)
        yield url, job.id


@pytest.fixture(params=ADAPTERS)
async def subject(
    request: pytest.FixtureRequest, home: AppPaths, tmp_path: Path
) -> AsyncIterator[Subject]:
    """Each registered adapter, connected by its own connect function."""
    name = request.param
    found = find(name)
    assert found is not None
    file = jsonl(tmp_path)
    if name == LOCAL:
        url, job_id = request.getfixturevalue("local_backend")
        env = {"TUIAPP_LOCAL_URL": url, "TUIAPP_LOCAL_API_KEY": LOCAL_KEY}
        provider = await found.connect(Connection(None, env, home, Timeouts()))
        fake = None
    else:
        assert name in FAKES, f"{name}: the contract suite has no fake of its API"
        fake = FAKES[name](file.stat().st_size)
        env = {**ENV.get(name, {}), found.key_env or "": "sk-contract"}
        link = Connection("sk-contract", env, home, Timeouts(), fake.transport())
        provider = await found.connect(link)
        job_id = fake.job_id
    yield Subject(name, provider, fake, job_id, file, env)
    await provider.close()


def request_for(subject: Subject, **changes: Any) -> JobRequest:
    """A job with every hyperparameter the adapter declares, a validation file, a suffix, a
    seed and a client token."""
    found = find(subject.name)
    assert found is not None
    declared = found.capabilities.hyperparameters
    values = {"n_epochs": 2, "batch_size": 8, "learning_rate_multiplier": 2}
    base = "tiny-llama" if subject.fake is None else found.default_base
    fields: dict[str, Any] = {
        "model": base,
        "training_file": "file-1",
        "validation_file": "file-2",
        "hyperparameters": {k: values[k] for k in declared},
        "suffix": "pirate",
        "seed": 7,
        "client_token": TOKEN,
    }
    return JobRequest(**{**fields, **changes})


async def uploaded(subject: Subject) -> str:
    """A training file id on the real backend; the stubs take any id."""
    if subject.fake is not None:
        return "file-1"
    return (await subject.provider.upload(subject.file, "fine-tune", None)).id


async def wait_status(provider: Provider, job_id: str, *wanted: str) -> None:
    """Wait until the real backend reports one of these statuses (an async poll: the client
    is async, which tests/waiting.py's wait_until is not)."""
    import asyncio

    deadline = time.monotonic() + 60
    while (await provider.job(job_id)).status not in wanted:
        assert time.monotonic() < deadline, f"never {wanted}"
        await asyncio.sleep(0.1)


@pytest.mark.parametrize("name", ADAPTERS)
def test_an_adapter_declares_what_it_is_needs_and_can_do(name: str) -> None:
    found = find(name)
    assert found is not None and found.label and found.default_base
    caps = found.capabilities
    assert set(caps.methods) <= {"supervised", "dpo"} and "supervised" in caps.methods
    assert set(caps.hyperparameters) <= set(HYPERPARAMETERS)
    assert set(found.secrets) <= set(key_variables())  # its key is masked everywhere
    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    assert found.extra is None or found.extra in pyproject["project"]["optional-dependencies"]
    if name == LOCAL:
        from tuiapp.local.model_store import DEFAULT_BASE

        assert found.default_base == DEFAULT_BASE and found.key_env is None


async def test_upload_reports_progress_to_the_last_byte(subject: Subject) -> None:
    sent: list[int] = []
    done = await subject.provider.upload(subject.file, "fine-tune", lambda d, _t: sent.append(d))
    size = subject.file.stat().st_size
    assert done.id and done.bytes == size and sent and sent[-1] == size
    assert subject.provider.capabilities == find(subject.name).capabilities  # type: ignore[union-attr]


async def test_a_job_is_created_with_the_hyperparameters_it_declares(subject: Subject) -> None:
    request = request_for(subject, training_file=await uploaded(subject), validation_file=None)
    for refused in set(HYPERPARAMETERS) - set(request.hyperparameters):
        with pytest.raises(ProviderError, match=refused):
            await subject.provider.create_job(request_for(subject, hyperparameters={refused: 2}))
    if subject.fake is not None:
        request = request_for(subject)
    created = await subject.provider.create_job(request)
    assert created.id and created.status in ("queued", "validating_files", "running", "succeeded")
    assert (await subject.provider.job(created.id)).hyperparameters["n_epochs"] == 2
    if subject.fake is not None:
        BODY_CHECKS[subject.name](subject.fake.created())
    else:
        await subject.provider.cancel(created.id)


async def test_the_client_token_rides_with_the_job_and_finds_it(subject: Subject) -> None:
    created = await subject.provider.create_job(
        request_for(subject, training_file=await uploaded(subject), validation_file=None)
    )
    if subject.fake is not None:
        body = subject.fake.created()
        carried = body.get("metadata", {}).get("tuiapp_token") or body.get("suffix", "")
        carried = carried or body.get("displayName", "")  # Fireworks: no metadata, no suffix
        assert TOKEN in carried
    found = await subject.provider.find_job(TOKEN)
    assert found is not None and found.id == created.id
    assert await subject.provider.find_job("tt-never-sent") is None
    if subject.fake is None:
        await subject.provider.cancel(created.id)


async def test_a_job_is_watched_to_the_end_into_the_store(home: AppPaths, subject: Subject) -> None:
    store = open_store(home.database)
    job = insert_job(
        store,
        provider=subject.name,
        remote_id=subject.job_id,
        base_model="m",
        training_file="f",
        status="queued",
    )

    async def connect(_name: str) -> Provider:
        return subject.provider

    done = await Watcher(store, connect, min_interval=0.01).until_finished(job.id, timeout=30)
    assert done.status == "succeeded" and done.fine_tuned_model
    rows = job_metrics(store, job.id)
    metrics = [(m.step, m.train_loss, m.valid_loss, m.valid_accuracy) for m in rows]
    steps = [m.step for m in rows]
    assert steps and steps == sorted(set(steps)) and all(m.train_loss is not None for m in rows)
    checkpoints = [c["step"] for c in job_checkpoints(store, job.id)]
    declared = find(subject.name).capabilities.checkpoints  # type: ignore[union-attr]
    assert checkpoints == sorted(checkpoints) and bool(checkpoints) == declared
    messages = [e["message"] for e in job_events(store, job.id)]
    if subject.name in WATCHED:
        expected = WATCHED[subject.name]
        assert (metrics, checkpoints, done.fine_tuned_model) == expected[:3]
        assert messages[: len(expected[3])] == expected[3]


async def test_events_come_oldest_first_paged_and_after_the_last_known(
    subject: Subject, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(openai_provider, "EVENT_PAGE", 2)  # several pages for paged APIs
    every = await subject.provider.new_events(subject.job_id, None)
    assert len(every) >= 3 and len({e.id for e in every}) == len(every)
    said = [e.created_at for e in every if e.type != "metrics"]  # Together's metrics: no time
    assert said == sorted(said)
    if isinstance(subject.fake, OpenAIFake):
        assert subject.fake.stub.seen.count(subject.fake.key("events")) == 3  # 5 events, 2 a page
    assert await subject.provider.new_events(subject.job_id, every[1].id) == every[2:]
    # a second poll brings nothing new: event ids (derived where the API gives none) are stable
    assert await subject.provider.new_events(subject.job_id, every[-1].id) == []


async def test_checkpoints_come_oldest_first_as_models(subject: Subject) -> None:
    if not subject.provider.capabilities.checkpoints:
        pytest.skip(f"{subject.name} declares no checkpoints")
    found = await subject.provider.checkpoints(subject.job_id)
    assert found and [c.step for c in found] == sorted(c.step for c in found)
    assert all(c.model_id for c in found)


async def running_job(subject: Subject) -> str:
    """A job that is running (on the real backend: long enough to pause)."""
    if subject.fake is not None:
        subject.fake.status = "running"
        return subject.job_id
    file_id = await uploaded(subject)
    hyper = {"n_epochs": 50, "batch_size": 1}
    request = JobRequest("tiny-llama", file_id, hyperparameters=hyper)
    job = await subject.provider.create_job(request)
    await wait_status(subject.provider, job.id, "running")
    return job.id


async def test_a_running_job_is_cancelled(subject: Subject) -> None:
    job_id = await running_job(subject)
    assert (await subject.provider.cancel(job_id)).status == "cancelled"
    assert (await subject.provider.job(job_id)).status == "cancelled"


async def test_pause_and_resume_where_declared_else_refused(subject: Subject) -> None:
    provider = subject.provider
    if not provider.capabilities.pause_resume:
        with pytest.raises(ProviderError, match="cannot be paused"):
            await provider.pause(subject.job_id)
        with pytest.raises(ProviderError, match="cannot be resumed"):
            await provider.resume(subject.job_id)
        return
    job_id = await running_job(subject)
    assert (await provider.pause(job_id)).status == "paused"
    assert (await provider.resume(job_id)).status in ("queued", "running")
    await provider.cancel(job_id)


@pytest.mark.parametrize("status", [401, 403, 404])
async def test_a_refused_request_says_why_and_what_to_do(
    subject: Subject, home: AppPaths, status: int
) -> None:
    provider, job_id = subject.provider, subject.job_id
    if subject.fake is not None and status != 404:
        subject.fake.fail("job", status)
    elif subject.fake is None and status == 401:  # the real backend, asked with a wrong key
        env = {**subject.env, "TUIAPP_LOCAL_API_KEY": "sk-wrong-key-000000"}
        with pytest.raises(ProviderError, match="401"):
            await find(LOCAL).connect(Connection(None, env, home, Timeouts()))  # type: ignore[union-attr]
        client = provider.client.with_options(api_key="sk-wrong-key-000000")  # type: ignore[attr-defined]
        provider = OpenAIProvider(LOCAL, client, provider.capabilities)
    elif status == 403:
        pytest.skip("the local backend refuses nothing by permission")
    if status == 404:
        job_id = "ftjob-never-made"
    with pytest.raises(ProviderError) as info:
        await provider.job(job_id)
    assert info.value.status == status and info.value.hint and not info.value.retryable
    assert "API key" in info.value.hint if status == 401 else True


async def test_429_and_5xx_are_retried_by_sdks_that_retry_and_a_create_never(
    subject: Subject,
) -> None:
    fake = subject.fake
    if fake is None:
        pytest.skip("faults are injected in the stubbed HTTP (the local backend's: test_jobs)")
    fake.fail("job", 429, 503)
    if fake.retries:
        assert (await subject.provider.job(fake.job_id)).id == fake.job_id
        assert fake.stub.seen.count(fake.key("job")) == 3
    else:
        with pytest.raises(ProviderError) as info:
            await subject.provider.job(fake.job_id)
        assert info.value.status == 429 and info.value.retryable
        assert fake.stub.seen.count(fake.key("job")) == 1
    fake.fail("create", 500, 500)
    with pytest.raises(ProviderError) as info:
        await subject.provider.create_job(request_for(subject))
    assert info.value.status == 500 and info.value.retryable  # the caller looks for it by token
    assert fake.stub.seen.count(fake.key("create")) == 1


async def test_models_are_listed(subject: Subject) -> None:
    if subject.fake is not None and "models" not in subject.fake.keys:
        pytest.skip(f"{subject.name}: the fake serves no model list")
    models = await subject.provider.models()
    if subject.fake is not None:
        assert models == subject.fake.models
    else:  # the base, and the model (and checkpoints) the finished job made
        assert "tiny-llama" in models and models == sorted(models)
        assert any(m.startswith("ft:tiny-llama:local:") for m in models)
