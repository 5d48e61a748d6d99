"""Contract tests of the Together and Mistral adapters: the official SDKs, their own response
types, and the HTTP layer stubbed with the shapes their APIs document. The watcher then
drives each adapter to the end, and the store holds the job the same way as for OpenAI."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tuiapp.paths import AppPaths
from tuiapp.providers.base import JobRequest, ProviderError
from tuiapp.services.job_watch import Watcher
from tuiapp.store import open_store
from tuiapp.store.jobs import insert_job, job_checkpoints, job_events, job_metrics

Routes = dict[str, Callable[[httpx.Request], httpx.Response]]


class Stub:
    """A MockTransport that answers by `METHOD path` and records every request."""

    def __init__(self, routes: Routes) -> None:
        self.routes = routes
        self.seen: list[str] = []
        self.bodies: dict[str, Any] = {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        key = f"{request.method} {request.url.path}"
        self.seen.append(key)
        if request.headers.get("content-type", "").startswith("application/json"):
            self.bodies[key] = json.loads(request.content or b"{}")
        if key not in self.routes:
            return httpx.Response(404, json={"error": {"message": f"no route {key}"}})
        return self.routes[key](request)


def ok(body: Any, status: int = 200, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    """A route answering JSON."""
    return lambda request: httpx.Response(status, json=body, headers=headers)


def jsonl(tmp_path: Path) -> Path:
    """A small training file."""
    path = tmp_path / "train.jsonl"
    line = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}
    path.write_text((json.dumps(line) + "\n") * 10)
    return path


async def watch_to_end(home: AppPaths, provider: Any, remote_id: str) -> int:
    """Record the job and let the watcher bring it to its end; returns the job id."""
    store = open_store(home.database)
    job = insert_job(
        store,
        provider=provider.name,
        remote_id=remote_id,
        base_model="m",
        training_file="f",
        status="queued",
    )

    async def connect(_name: str) -> Any:
        return provider

    done = await Watcher(store, connect, min_interval=0.01).until_finished(job.id, timeout=10)
    assert done.status == "succeeded"
    return job.id


async def test_together_adapter(home: AppPaths, tmp_path: Path) -> None:
    together = pytest.importorskip("together")
    from tuiapp.providers.together_provider import TogetherProvider

    path = jsonl(tmp_path)
    size = path.stat().st_size
    job = {
        "id": "ft-1",
        "status": "running",
        "user_id": "u",
        "model": "meta-llama/Llama-3.2-3B-Instruct",
        "n_epochs": 2,
        "batch_size": 8,
        "created_at": "2026-11-24T09:00:00Z",
    }
    stub = Stub(
        {
            "POST /v1/files": ok(
                {},
                302,
                {"Location": "https://upload.example/put/abc", "X-Together-File-Id": "file-123"},
            ),
            "PUT /put/abc": ok({}),
            "POST /v1/files/file-123/preprocess": ok(
                {
                    "id": "file-123",
                    "bytes": size,
                    "created_at": 1,
                    "filename": "train.jsonl",
                    "FileType": "jsonl",
                    "object": "file",
                    "purpose": "fine-tune",
                    "processing_status": "COMPLETED",
                }
            ),
            "GET /v1/fine-tunes/models/limits": ok(
                {
                    "model_name": "meta-llama/Llama-3.2-3B-Instruct",
                    "default_gradient_accumulation_steps": 1,
                    "lora_training": {
                        "default_rank": 8,
                        "max_batch_size": 32,
                        "max_batch_size_dpo": 16,
                        "max_rank": 64,
                        "min_batch_size": 8,
                        "target_modules": ["q_proj", "v_proj"],
                    },
                    "max_learning_rate": 1,
                    "max_num_checkpoints": 10,
                    "max_num_epochs": 20,
                    "max_num_evals": 100,
                    "max_seq_length_dpo": 8192,
                    "max_seq_length_sft": 8192,
                    "merge_output_lora": False,
                    "min_learning_rate": 0,
                    "min_max_seq_length": 512,
                    "supports_full_training": False,
                    "supports_reasoning": False,
                    "supports_tools": True,
                    "supports_vision": False,
                }
            ),
            "POST /v1/fine-tunes/estimate-price": ok(
                {
                    "estimation_available": True,
                    "allowed_to_proceed": True,
                    "estimated_total_price": 0.42,
                    "estimated_train_token_count": 1000,
                }
            ),
            "POST /v1/fine-tunes": ok({**job, "status": "pending"}),
            "GET /v1/fine-tunes/ft-1": ok(
                {**job, "status": "completed", "model_output_name": "u/Llama-3.2-3B-ft-1"}
            ),
            "GET /v1/fine-tunes/ft-1/events": ok(
                {
                    "data": [
                        {
                            "created_at": "2026-11-24T09:00:01Z",
                            "message": "Job started",
                            "object": "fine-tune-event",
                            "type": "job_start",
                            "level": "info",
                        },
                        {
                            "created_at": "2026-11-24T09:05:00Z",
                            "message": "Job finished",
                            "object": "fine-tune-event",
                            "type": "job_complete",
                            "level": "info",
                        },
                    ]
                }
            ),
            "GET /v1/fine-tunes/ft-1/metrics": ok(
                {
                    "metrics": [
                        {"train/global_step": 1, "train/loss": 2.0},
                        {"train/global_step": 2, "train/loss": 1.5, "eval/loss": 1.6},
                    ]
                }
            ),
            "GET /v1/fine-tunes/ft-1/checkpoints": ok(
                {
                    "data": [
                        {
                            "checkpoint_type": "final",
                            "created_at": "2026-11-24T09:05:00Z",
                            "path": "s3://bucket/ft-1/final",
                            "step": 2,
                            "object_name": "u/Llama-3.2-3B-ft-1",
                        }
                    ]
                }
            ),
            "GET /v1/models": ok([{"id": "meta-llama/Llama-3.2-3B-Instruct", "object": "model"}]),
        }
    )
    client = together.AsyncTogether(
        api_key="k",
        base_url="https://api.together.xyz",
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(stub)),
        max_retries=0,
    )
    provider = TogetherProvider(client)
    sent: list[int] = []
    uploaded = await provider.upload(path, "fine-tune", lambda done, total: sent.append(done))
    assert uploaded.id == "file-123" and uploaded.bytes == size and sent and sent[-1] == size
    with pytest.raises(ProviderError, match="learning_rate_multiplier"):
        await provider.create_job(
            JobRequest("m", "file-123", hyperparameters={"learning_rate_multiplier": 2})
        )
    created = await provider.create_job(
        JobRequest(
            "meta-llama/Llama-3.2-3B-Instruct",
            "file-123",
            validation_file="file-456",
            hyperparameters={"n_epochs": 2, "batch_size": 8},
            suffix="pirate",
            seed=7,
        )
    )
    assert created.status == "queued"  # Together's "pending"
    body = stub.bodies["POST /v1/fine-tunes"]
    assert (body["n_epochs"], body["batch_size"], body["random_seed"]) == (2, 8, 7)
    assert body["validation_file"] == "file-456" and body["n_evals"] == 10
    with pytest.raises(ProviderError, match="cannot be paused"):
        await provider.pause("ft-1")
    assert await provider.models() == ["meta-llama/Llama-3.2-3B-Instruct"]
    job_id = await watch_to_end(home, provider, "ft-1")
    store = open_store(home.database)
    assert [(m.step, m.train_loss, m.valid_loss) for m in job_metrics(store, job_id)] == [
        (1, 2.0, None),
        (2, 1.5, 1.6),
    ]
    assert [c["step"] for c in job_checkpoints(store, job_id)] == [2]
    assert [e["message"] for e in job_events(store, job_id)][:2] == ["Job started", "Job finished"]
    assert (
        store.conn.execute("SELECT fine_tuned_model FROM jobs WHERE id = ?", [job_id]).fetchone()[0]
        == "u/Llama-3.2-3B-ft-1"
    )
    stub.routes["GET /v1/fine-tunes/ft-2"] = ok({"error": {"message": "denied"}}, 403)
    with pytest.raises(ProviderError) as info:
        await provider.job("ft-2")
    assert info.value.status == 403 and info.value.hint


async def test_mistral_adapter(home: AppPaths, tmp_path: Path) -> None:
    mistralai = pytest.importorskip("mistralai")
    if not hasattr(mistralai, "Mistral"):
        pytest.skip("mistralai without the Mistral client")
    from tuiapp.providers.mistral_provider import MistralProvider

    path = jsonl(tmp_path)
    job = {
        "id": "j-1",
        "auto_start": True,
        "model": "open-mistral-7b",
        "status": "RUNNING",
        "created_at": 1_764_000_000,
        "modified_at": 1_764_000_000,
        "training_files": ["f-1"],
        "hyperparameters": {"epochs": 2.0, "learning_rate": 0.0001},
        "object": "job",
        "job_type": "completion",
    }
    detailed = {
        **job,
        "status": "SUCCESS",
        "fine_tuned_model": "ft:open-mistral-7b:pirate:j-1",
        "events": [
            {"name": "status-updated", "created_at": 1_764_000_001, "data": {"status": "RUNNING"}},
            {"name": "status-updated", "created_at": 1_764_000_300, "data": {"status": "SUCCESS"}},
        ],
        "checkpoints": [
            {
                "metrics": {"train_loss": 1.9, "valid_loss": 2.0, "valid_mean_token_accuracy": 0.5},
                "step_number": 10,
                "created_at": 1_764_000_100,
            },
            {
                "metrics": {"train_loss": 1.2, "valid_loss": 1.4, "valid_mean_token_accuracy": 0.6},
                "step_number": 20,
                "created_at": 1_764_000_200,
            },
        ],
    }
    stub = Stub(
        {
            "POST /v1/files": ok(
                {
                    "id": "f-1",
                    "object": "file",
                    "bytes": path.stat().st_size,
                    "created_at": 1,
                    "filename": "train.jsonl",
                    "purpose": "fine-tune",
                    "sample_type": "instruct",
                    "source": "upload",
                }
            ),
            "POST /v1/fine_tuning/jobs": ok(job),
            "GET /v1/fine_tuning/jobs/j-1": ok(detailed),
        }
    )
    client = mistralai.Mistral(
        api_key="k",
        server_url="https://api.mistral.ai",
        async_client=httpx.AsyncClient(transport=httpx.MockTransport(stub)),
    )
    provider = MistralProvider(client)
    uploaded = await provider.upload(path, "fine-tune", None)
    assert uploaded.id == "f-1"
    with pytest.raises(ProviderError, match="batch_size"):
        await provider.create_job(JobRequest("m", "f-1", hyperparameters={"batch_size": 4}))
    created = await provider.create_job(
        JobRequest("open-mistral-7b", "f-1", "f-2", hyperparameters={"n_epochs": 2}, suffix="p")
    )
    body = stub.bodies["POST /v1/fine_tuning/jobs"]
    assert body["training_files"] == [{"file_id": "f-1", "weight": 1}]
    assert body["validation_files"] == ["f-2"] and body["hyperparameters"]["epochs"] == 2.0
    assert created.status == "succeeded" and created.fine_tuned_model
    job_id = await watch_to_end(home, provider, "j-1")
    store = open_store(home.database)
    points = job_metrics(store, job_id)
    assert [(p.step, p.train_loss, p.valid_loss, p.valid_accuracy) for p in points] == [
        (10, 1.9, 2.0, 0.5),
        (20, 1.2, 1.4, 0.6),
    ]
    assert [c["step"] for c in job_checkpoints(store, job_id)] == [10, 20]
    # a second poll brings nothing new: the derived event ids are stable
    assert await provider.new_events("j-1", job_events(store, job_id)[-1]["event_id"]) == []
