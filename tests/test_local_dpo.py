"""DPO on the local backend, as OpenAI's API shapes it, through the real server and SDK:
preference pairs in, a fine-tuned model out, the events and checkpoints of a supervised job."""

from __future__ import annotations

import json
import math
from typing import Any

import openai
import pytest

from tests.local_support import event_data
from tests.test_local_server import wait_for


def preference_lines(n: int = 12) -> bytes:
    """Pairs that prefer a pirate answer to a plain one."""
    rows = [
        {
            "input": {"messages": [{"role": "user", "content": f"Greet me {i}"}]},
            "preferred_output": [{"role": "assistant", "content": "Arr, ahoy matey!"}],
            "non_preferred_output": [{"role": "assistant", "content": "Hello there."}],
        }
        for i in range(n)
    ]
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


def test_a_dpo_job_trains_to_succeeded_with_its_beta(server) -> None:  # type: ignore[no-untyped-def]
    url, _api, _root = server
    client = openai.OpenAI(base_url=url, api_key="unused", max_retries=0)
    train = client.files.create(file=("p.jsonl", preference_lines(12)), purpose="fine-tune")
    valid = client.files.create(file=("v.jsonl", preference_lines(4)), purpose="fine-tune")
    job = client.fine_tuning.jobs.create(
        model="tiny-llama",
        training_file=train.id,
        validation_file=valid.id,
        method={
            "type": "dpo",
            "dpo": {"hyperparameters": {"beta": 0.2, "n_epochs": 2, "batch_size": 4}},
        },
    )
    assert job.method is not None and job.method.type == "dpo"
    done = wait_for(client, job.id, timeout=240)
    assert done.status == "succeeded", done.error
    assert done.method.dpo.hyperparameters.beta == 0.2
    events = list(client.fine_tuning.jobs.list_events(job.id, limit=100))
    steps = sorted(event_data(e)["step"] for e in events if e.type == "metrics")
    assert steps == [1, 2, 3, 4, 5, 6]  # 12 pairs / batch 4 = 3 steps, 2 epochs
    started = next(e.message for e in events if e.message.startswith("Fine-tuning job started"))
    assert "(dpo)" in started
    metrics = [event_data(e) for e in events if e.type == "metrics"]
    assert all(0.0 <= m["train_mean_token_accuracy"] <= 1.0 for m in metrics)
    assert any("valid_loss" in m for m in metrics)
    checkpoints = client.fine_tuning.jobs.checkpoints.list(job.id)
    assert [c.step_number for c in checkpoints] == [6, 3]
    answer = client.chat.completions.create(
        model=done.fine_tuned_model,
        messages=[{"role": "user", "content": "Greet me"}],
        max_tokens=4,
        temperature=0,
    )
    assert answer.choices[0].message.content is not None


def test_beta_on_a_supervised_job_is_refused(server) -> None:  # type: ignore[no-untyped-def]
    url, _api, _root = server
    client = openai.OpenAI(base_url=url, api_key="unused", max_retries=0)
    train = client.files.create(file=("p.jsonl", preference_lines(12)), purpose="fine-tune")
    try:
        client.fine_tuning.jobs.create(
            model="tiny-llama",
            training_file=train.id,
            method={  # type: ignore[arg-type]  # the SDK's types know beta is DPO's only
                "type": "supervised",
                "supervised": {"hyperparameters": {"beta": 0.1}},
            },
        )
    except openai.BadRequestError as err:
        assert "beta is a DPO hyperparameter" in str(err)
    else:
        raise AssertionError("a supervised job took a DPO hyperparameter")


def test_a_full_finetune_dpo_job_trains_against_a_frozen_reference(server) -> None:  # type: ignore[no-untyped-def]
    """DPO without LoRA: every weight trained, the reference a frozen copy of the base (there
    is no adapter to switch off); the job succeeds, its model is a whole folder that answers
    unlike the base, and the base folder is untouched."""
    url, _api, root = server
    client = openai.OpenAI(base_url=url, api_key="unused", max_retries=0)
    base_weights = (root / "models" / "tiny-llama" / "model.safetensors").read_bytes()
    train = client.files.create(file=("p.jsonl", preference_lines(12)), purpose="fine-tune")
    hyper: Any = {"beta": 0.1, "n_epochs": 2, "batch_size": 4, "full_finetune": True}
    hyper["learning_rate_multiplier"] = 100
    job = client.fine_tuning.jobs.create(
        model="tiny-llama",
        training_file=train.id,
        method={"type": "dpo", "dpo": {"hyperparameters": hyper}},
    )
    done = wait_for(client, job.id, timeout=240)
    assert done.status == "succeeded", done.error
    events = list(client.fine_tuning.jobs.list_events(job.id, limit=100))
    started = next(e.message for e in events if e.message.startswith("Fine-tuning job started"))
    assert "(dpo)" in started and "full fine-tune of all" in started and "LoRA" not in started
    assert "DPO's frozen reference copy" in started
    metrics = [event_data(e) for e in events if e.type == "metrics"]
    assert sorted(m["step"] for m in metrics) == [1, 2, 3, 4, 5, 6]
    # the reference stays where the policy started: ln 2 at the first step, then below it
    # (with the trained model as its own reference, every step's loss would be ln 2)
    loss = {m["step"]: m["train_loss"] for m in metrics}
    assert loss[1] == pytest.approx(math.log(2), abs=1e-3)
    assert loss[6] < loss[1] - 0.05
    names = {p.name for p in (root / "jobs" / job.id / "model").iterdir()}
    assert "model.safetensors" in names and "adapter_config.json" not in names
    assert (root / "models" / "tiny-llama" / "model.safetensors").read_bytes() == base_weights

    def greet(model: str) -> str:
        reply = client.chat.completions.create(
            model=model,
            messages=[{"role": "user", "content": "Greet me 1"}],
            max_tokens=6,
            temperature=0,
        )
        return reply.choices[0].message.content or ""

    assert done.fine_tuned_model
    assert greet(done.fine_tuned_model) != greet("tiny-llama")
