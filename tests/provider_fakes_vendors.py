"""The Together and Mistral fakes of the contract suite, in the shapes their APIs document
(Together: presigned uploads, ISO dates, metrics apart; Mistral: events and checkpoints
inline in the job, statuses in capitals)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.provider_fakes import CREATED, Fake, Routes, ok

TOGETHER_LIMITS = {
    "model_name": "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference",
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
TOGETHER_STATUS = {"succeeded": "completed", "cancelled": "cancelled", "queued": "pending"}
MISTRAL_STATUS = {"succeeded": "SUCCESS", "cancelled": "CANCELLED", "queued": "QUEUED"}


class TogetherFake(Fake):
    """Together's fine-tuning API."""

    job_id = "ft-1"
    models = [str(TOGETHER_LIMITS["model_name"])]
    keys = {
        "upload": "POST /v1/files",
        "create": "POST /v1/fine-tunes",
        "list": "GET /v1/fine-tunes",
        "job": "GET /v1/fine-tunes/{id}",
        "events": "GET /v1/fine-tunes/{id}/events",
        "checkpoints": "GET /v1/fine-tunes/{id}/checkpoints",
        "cancel": "POST /v1/fine-tunes/{id}/cancel",
        "models": "GET /v1/models",
    }

    def job(self, status: str | None = None) -> dict[str, Any]:
        """The job as the API returns it (what the create request asked for)."""
        body = self.stub.bodies.get(self.key("create"), {})
        status = status or self.status
        return {
            "id": self.job_id,
            "status": TOGETHER_STATUS[status],
            "user_id": "u",
            "model": body.get("model", TOGETHER_LIMITS["model_name"]),
            "n_epochs": body.get("n_epochs", 1),
            "batch_size": body.get("batch_size", 8),
            "suffix": body.get("suffix"),
            "created_at": "2026-11-24T09:00:00Z",
            "model_output_name": "u/Llama-3.1-8B-ft-1" if status == "succeeded" else None,
        }

    def routes(self) -> Routes:
        """Presigned upload, limits and price, jobs, events, metrics, checkpoints, models."""
        file = {
            "id": "file-123",
            "bytes": self.size,
            "created_at": 1,
            "filename": "train.jsonl",
            "FileType": "jsonl",
            "object": "file",
            "purpose": "fine-tune",
            "processing_status": "COMPLETED",
        }
        moved = {"Location": "https://upload.example/put/abc", "X-Together-File-Id": "file-123"}
        events = [
            {
                "created_at": f"2026-11-24T09:0{n}:00Z",
                "message": f"event {n}",
                "object": "fine-tune-event",
                "type": "job_start" if n == 1 else "job_complete" if n == 3 else "message",
                "level": "info",
            }
            for n in (1, 2, 3)
        ]
        metrics = [
            {"train/global_step": 1, "train/loss": 2.0},
            {"train/global_step": 2, "train/loss": 1.5, "eval/loss": 1.6},
        ]
        checkpoint = {
            "checkpoint_type": "final",
            "created_at": "2026-11-24T09:05:00Z",
            "path": "s3://bucket/ft-1/final",
            "step": 2,
            "object_name": "u/Llama-3.1-8B-ft-1",
        }

        def cancel(request: httpx.Request) -> httpx.Response:
            self.status = "cancelled"
            return httpx.Response(200, json=self.job())

        price = {"estimation_available": True, "allowed_to_proceed": True}
        return {
            self.key("upload"): ok({}, 302, moved),
            "PUT /put/abc": ok({}),
            "POST /v1/files/file-123/preprocess": ok(file),
            "GET /v1/fine-tunes/models/limits": ok(TOGETHER_LIMITS),
            "POST /v1/fine-tunes/estimate-price": ok(price),
            self.key("create"): lambda request: httpx.Response(200, json=self.job("queued")),
            self.key("list"): lambda request: httpx.Response(200, json={"data": [self.job()]}),
            self.key("job"): lambda request: httpx.Response(200, json=self.job()),
            self.key("events"): ok({"data": events}),
            f"GET /v1/fine-tunes/{self.job_id}/metrics": ok({"metrics": metrics}),
            self.key("checkpoints"): ok({"data": [checkpoint]}),
            self.key("cancel"): cancel,
            self.key("models"): ok([{"id": self.models[0], "object": "model"}]),
        }


class MistralFake(Fake):
    """Mistral's fine-tuning API (mistralai 1.x)."""

    job_id = "j-1"
    retries = False  # the SDK retries nothing unless told to
    keys = {
        "upload": "POST /v1/files",
        "create": "POST /v1/fine_tuning/jobs",
        "list": "GET /v1/fine_tuning/jobs",
        "job": "GET /v1/fine_tuning/jobs/{id}",
        "events": "GET /v1/fine_tuning/jobs/{id}",  # inline in the job
        "checkpoints": "GET /v1/fine_tuning/jobs/{id}",
        "cancel": "POST /v1/fine_tuning/jobs/{id}/cancel",
        "models": "GET /v1/models",
    }
    models = ["open-mistral-nemo"]

    def job(self, status: str | None = None) -> dict[str, Any]:
        """The job with its events and checkpoints inline."""
        body = self.stub.bodies.get(self.key("create"), {})
        status = status or self.status
        succeeded = status == "succeeded"
        return {
            "id": self.job_id,
            "auto_start": True,
            "model": body.get("model", "open-mistral-nemo"),
            "status": MISTRAL_STATUS[status],
            "created_at": CREATED,
            "modified_at": CREATED,
            "training_files": ["f-1"],
            "hyperparameters": body.get("hyperparameters") or {"epochs": 1.0},
            "suffix": body.get("suffix"),
            "object": "job",
            "job_type": "completion",
            "fine_tuned_model": "ft:open-mistral-nemo:p:j-1" if succeeded else None,
            "events": [
                {"name": "status-updated", "created_at": CREATED + n, "data": {"status": s}}
                for n, s in ((1, "RUNNING"), (300, MISTRAL_STATUS[status]))
            ],
            "checkpoints": [
                {
                    "metrics": {
                        "train_loss": 2.5 - 0.5 * step,
                        "valid_loss": 2.6 - 0.5 * step,
                        "valid_mean_token_accuracy": {1: 0.5, 2: 0.6}[step],
                    },
                    "step_number": step,
                    "created_at": CREATED + 100 * step,
                }
                for step in (1, 2)
            ],
        }

    def routes(self) -> Routes:
        """Files, jobs (create, list, retrieve with events and checkpoints, cancel)."""
        file = {
            "id": "f-1",
            "object": "file",
            "bytes": self.size,
            "created_at": 1,
            "filename": "train.jsonl",
            "purpose": "fine-tune",
            "sample_type": "instruct",
            "source": "upload",
        }

        def cancel(request: httpx.Request) -> httpx.Response:
            self.status = "cancelled"
            return httpx.Response(200, json=self.job())

        def listed(request: httpx.Request) -> httpx.Response:
            return httpx.Response(200, json={"data": [self.job()], "total": 1, "object": "list"})

        model = {
            "id": self.models[0],
            "object": "model",
            "created": 1,
            "owned_by": "mistralai",
            "type": "base",
            "capabilities": {"completion_chat": True, "fine_tuning": True},
        }

        return {
            self.key("upload"): ok(file),
            self.key("create"): lambda request: httpx.Response(200, json=self.job("queued")),
            self.key("list"): listed,
            self.key("job"): lambda request: httpx.Response(200, json=self.job()),
            self.key("cancel"): cancel,
            self.key("models"): ok({"object": "list", "data": [model]}),
        }
