"""Fireworks beyond the common contract: DPO jobs with their settings nested as Fireworks
wants them, Fireworks' own hyperparameters (learning rate, LoRA rank, max context), what it
cannot do refused with a reason, a dataset uploaded once, chat through its OpenAI-compatible
API, and our key kept to api.fireworks.ai (never sent to a signed URL)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.contract_checks import TOKEN
from tests.provider_fakes_fireworks import ACCOUNT, FireworksFake
from tests.test_provider_contracts import jsonl
from tuiapp.paths import AppPaths
from tuiapp.providers.adapter import Connection, find
from tuiapp.providers.base import JobRequest, ProviderError, Timeouts
from tuiapp.providers.fireworks_provider import FireworksProvider

KEY = "fw-secret-key-0123456789"


@pytest.fixture
async def fireworks(
    home: AppPaths, tmp_path: Path
) -> AsyncIterator[tuple[FireworksProvider, FireworksFake]]:
    """The adapter, connected by its own connect function, over the fake."""
    fake = FireworksFake(jsonl(tmp_path).stat().st_size)
    env = {"FIREWORKS_API_KEY": KEY, "FIREWORKS_ACCOUNT_ID": ACCOUNT}
    found = find("fireworks")
    assert found is not None
    provider = await found.connect(Connection(KEY, env, home, Timeouts(), fake.transport()))
    assert isinstance(provider, FireworksProvider)
    yield provider, fake
    await provider.close()


async def test_a_dpo_job_nests_fireworks_hyperparameters_in_its_training_config(
    fireworks: tuple[FireworksProvider, FireworksFake],
) -> None:
    provider, fake = fireworks
    hyper = {"n_epochs": 3, "learning_rate": "2e-5", "lora_rank": 16, "max_context_length": 4096}
    request = JobRequest("qwen3-8b", "d-1", method="dpo", hyperparameters=hyper, client_token="tt1")
    job = await provider.create_job(request)
    assert job.id == "dpoJobs/tuiapp-tt1" and job.status == "queued"
    body = fake.stub.bodies[fake.key("dpo")]
    assert body["dataset"] == f"accounts/{ACCOUNT}/datasets/d-1"
    assert body["trainingConfig"] == {
        "baseModel": "accounts/fireworks/models/qwen3-8b",
        "epochs": 3,
        "learningRate": 2e-5,
        "loraRank": 16,
        "maxContextLength": 4096,
    }
    assert job.hyperparameters == {
        "n_epochs": 3,
        "learning_rate": 2e-5,
        "lora_rank": 16,
        "max_context_length": 4096,
    }


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"method": "reinforcement"}, "no reinforcement jobs"),
        ({"hyperparameters": {"learning_rate_multiplier": 2}}, "absolute learning_rate"),
        ({"hyperparameters": {"beta": 0.1}}, "no beta"),
        ({"method": "dpo", "validation_file": "d-2"}, "DPO jobs take no evaluation dataset"),
    ],
)
async def test_what_fireworks_cannot_do_is_refused_before_anything_is_sent(
    fireworks: tuple[FireworksProvider, FireworksFake], changes: dict[str, object], says: str
) -> None:
    provider, fake = fireworks
    fields: dict[str, object] = {"model": "m", "training_file": "d-1", **changes}
    with pytest.raises(ProviderError, match=says):
        await provider.create_job(JobRequest(**fields))  # type: ignore[arg-type]
    assert not [s for s in fake.stub.seen if s.startswith("POST")]
    assert "reinforcement" not in provider.capabilities.methods


async def test_the_same_file_makes_one_dataset_and_the_key_goes_only_to_fireworks(
    fireworks: tuple[FireworksProvider, FireworksFake], tmp_path: Path
) -> None:
    provider, fake = fireworks
    first = await provider.upload(jsonl(tmp_path), "fine-tune", None)
    again = await provider.upload(jsonl(tmp_path), "fine-tune", None)
    assert first.id == again.id and first.id.startswith("tuiapp-") and again.status == "processed"
    assert len(fake.uploads) == 1  # the second upload found the dataset ready
    assert fake.uploads[0].headers["authorization"] == f"Bearer {KEY}"
    await provider.new_events(fake.job_id, None)
    assert fake.metrics_auth == [None]  # the signed metrics URL got no key
    assert KEY not in str(fake.stub.bodies)


async def test_chat_answers_through_the_openai_compatible_api(
    fireworks: tuple[FireworksProvider, FireworksFake],
) -> None:
    provider, _fake = fireworks
    done = await provider.complete(
        "accounts/acct-1/models/tuiapp-ft", [{"role": "user", "content": "hi"}]
    )
    assert (done.text, done.prompt_tokens, done.completion_tokens) == ("Arr, ahoy!", 9, 3)


async def test_a_refused_chat_is_a_provider_error_without_the_key(
    fireworks: tuple[FireworksProvider, FireworksFake], monkeypatch: pytest.MonkeyPatch
) -> None:
    provider, fake = fireworks
    monkeypatch.setenv("FIREWORKS_API_KEY", KEY)  # where the app reads it (and masks it from)
    body = {"error": {"message": f"invalid api key {KEY}", "type": "invalid_request_error"}}
    refused = lambda _request: httpx.Response(401, json=body)  # noqa: E731
    fake.stub.routes["POST /inference/v1/chat/completions"] = refused
    with pytest.raises(ProviderError) as caught:
        await provider.complete(
            "accounts/acct-1/models/tuiapp-ft", [{"role": "user", "content": "hi"}]
        )
    assert caught.value.status == 401 and "API key was refused" in str(caught.value)
    assert KEY not in str(caught.value)
    with pytest.raises(ProviderError, match="401"):
        async for _piece in provider.chat("m", [{"role": "user", "content": "hi"}]):
            pass


async def test_a_second_create_with_the_same_token_gets_the_first_job(
    fireworks: tuple[FireworksProvider, FireworksFake],
) -> None:
    provider, fake = fireworks
    request = JobRequest("llama-v3p1-8b-instruct", "d-1", client_token=TOKEN)
    first = await provider.create_job(request)
    fake.stub.routes[fake.key("create")] = lambda _request: httpx.Response(
        409, json={"code": 6, "message": "supervised fine-tuning job already exists"}
    )
    again = await provider.create_job(request)
    assert again.id == first.id == f"supervisedFineTuningJobs/tuiapp-{TOKEN}"
    assert fake.stub.seen.count(fake.key("create")) == 2
