"""The Fireworks fake of the contract suite, in the shapes its API documents.

Datasets (create, `:upload` multipart, get): https://docs.fireworks.ai/fine-tuning/fine-tuning-via-api.
Jobs, models and their fields: the resources and types of the official SDK, fireworks-ai
1.2.30 (`types/supervised_fine_tuning_job.py`: `name`, `state` JOB_STATE_*, `createTime`,
`updateTime`, `completedTime`, `epochs`, `batchSize`, `learningRate`, `loraRank`,
`maxContextLength`, `outputModel`, `metricsFileSignedUrl`; `dpo_job.py` nests them in
`trainingConfig`; list pages carry `nextPageToken`). The metrics file's lines are not in the
reference: this is the shape public clients read (`step`, `timestamp`, values under `data`)."""

from __future__ import annotations

import fnmatch
import json
from typing import Any

import httpx

from tests.contract_checks import TOKEN
from tests.provider_fakes import Fake, Routes, ok, query

ACCOUNT = "acct-1"
API = f"/v1/accounts/{ACCOUNT}"
FIREWORKS_STATE = {
    "succeeded": "JOB_STATE_COMPLETED",
    "cancelled": "JOB_STATE_CANCELLED",
    "queued": "JOB_STATE_CREATING",
    "running": "JOB_STATE_RUNNING",
}
METRICS_PATH = "/signed/metrics/ft.jsonl"
METRICS = [
    {"step": 1, "timestamp": "2026-11-24T09:01:00Z", "data": {"train/loss": 2.0}},
    {"step": 2, "timestamp": "2026-11-24T09:02:00Z", "data": {"train/loss": 1.5, "eval/loss": 1.6}},
]
OUTPUT_MODEL = f"accounts/{ACCOUNT}/models/tuiapp-ft"


class Patterned(dict[str, Any]):
    """Routes whose keys may hold `*` (a dataset id the client chose from the file's content)."""

    def _match(self, key: object) -> str | None:
        """The route key this request key matches."""
        if dict.__contains__(self, key):
            return str(key)
        return next((k for k in self if "*" in k and fnmatch.fnmatchcase(str(key), k)), None)

    def __contains__(self, key: object) -> bool:
        return self._match(key) is not None

    def __getitem__(self, key: str) -> Any:
        return dict.__getitem__(self, self._match(key) or key)


class FireworksFake(Fake):
    """Fireworks' datasets, supervised and DPO jobs, models; a signed metrics URL that refuses
    a request carrying our key (a signed URL must never get it)."""

    job_id = f"supervisedFineTuningJobs/tuiapp-{TOKEN}"
    models = [OUTPUT_MODEL]
    keys = {
        "upload": f"POST {API}/datasets",
        "create": f"POST {API}/supervisedFineTuningJobs",
        "dpo": f"POST {API}/dpoJobs",
        "job": f"GET {API}/{{id}}",
        "events": f"GET {API}/{{id}}",
        "checkpoints": f"GET {API}/{{id}}",
        "cancel": f"POST {API}/{{id}}:cancel",
        "models": f"GET {API}/models",
    }

    def __init__(self, size: int) -> None:
        self.datasets: dict[str, dict[str, Any]] = {}
        self.uploads: list[httpx.Request] = []
        self.metrics_auth: list[str | None] = []
        super().__init__(size)

    def job(self, status: str | None = None) -> dict[str, Any]:
        """The job as the API returns it (what the create request asked for)."""
        body = self.stub.bodies.get(self.key("create"), {})
        status = status or self.status
        return {
            "name": f"accounts/{ACCOUNT}/{self.job_id}",
            "dataset": body.get("dataset", f"accounts/{ACCOUNT}/datasets/d-1"),
            "baseModel": body.get("baseModel", "accounts/fireworks/models/llama-v3p1-8b-instruct"),
            "epochs": body.get("epochs", 1),
            "batchSize": body.get("batchSize", 32768),
            "learningRate": body.get("learningRate", 0.0001),
            "loraRank": body.get("loraRank", 8),
            "maxContextLength": body.get("maxContextLength", 8192),
            "displayName": body.get("displayName", ""),
            "state": FIREWORKS_STATE[status],
            "status": {"code": "OK", "message": ""},
            "createTime": "2026-11-24T09:00:00Z",
            "updateTime": "2026-11-24T09:04:00Z",
            **({"completedTime": "2026-11-24T09:05:00Z"} if status == "succeeded" else {}),
            "outputModel": OUTPUT_MODEL,
            "jobProgress": {"percent": 100 if status == "succeeded" else 40, "inputTokens": 1200},
            "metricsFileSignedUrl": f"https://storage.example{METRICS_PATH}?X-Goog-Signature=abc",
        }

    def dataset(self, request: httpx.Request) -> httpx.Response:
        """POST datasets: a record in UPLOADING state (409 ALREADY_EXISTS the second time)."""
        body = json.loads(request.content)
        name = body["datasetId"]
        if name in self.datasets:
            error = {"code": 6, "message": f"dataset {name} already exists"}
            return httpx.Response(409, json=error)
        self.datasets[name] = {
            "name": f"accounts/{ACCOUNT}/datasets/{name}",
            "state": "UPLOADING",
            "exampleCount": body["dataset"].get("exampleCount"),
            "createTime": "2026-11-24T08:59:00Z",
        }
        return httpx.Response(200, json=self.datasets[name])

    def upload_file(self, request: httpx.Request) -> httpx.Response:
        """POST datasets/{id}:upload (multipart): the dataset turns READY."""
        self.uploads.append(request)
        name = request.url.path.rsplit("/", 1)[1].removesuffix(":upload")
        self.datasets[name]["state"] = "READY"
        return httpx.Response(200, json={})

    def routes(self) -> Routes:
        """Datasets, jobs (SFT and DPO), cancel, the metrics file, models."""

        def cancel(request: httpx.Request) -> httpx.Response:
            self.status = "cancelled"
            return httpx.Response(200, json={})

        def metrics(request: httpx.Request) -> httpx.Response:
            self.metrics_auth.append(request.headers.get("authorization"))
            if request.headers.get("authorization"):
                return httpx.Response(400, text="signed URLs take no Authorization header")
            return httpx.Response(200, text="\n".join(json.dumps(row) for row in METRICS))

        def got(request: httpx.Request) -> httpx.Response:
            name = request.url.path.rsplit("/", 1)[1]
            if name not in self.datasets:
                return httpx.Response(404, json={"code": 5, "message": "dataset not found"})
            return httpx.Response(200, json=self.datasets[name])

        def dpo(request: httpx.Request) -> httpx.Response:
            name = f"accounts/{ACCOUNT}/dpoJobs/{query(request)['dpoJobId']}"
            config = json.loads(request.content)["trainingConfig"]
            return httpx.Response(
                200, json={"name": name, "trainingConfig": config, "state": "JOB_STATE_CREATING"}
            )

        def chat(request: httpx.Request) -> httpx.Response:
            asked = json.loads(request.content)
            reply = {
                "id": "c-1",
                "object": "chat.completion",
                "created": 1,
                "model": asked["model"],
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": "Arr, ahoy!"},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 9, "completion_tokens": 3, "total_tokens": 12},
            }
            return httpx.Response(200, json=reply)

        listed = {"models": [{"name": OUTPUT_MODEL, "state": "READY"}], "nextPageToken": ""}
        routes: Routes = Patterned(
            {
                self.key("upload"): self.dataset,
                f"POST {API}/datasets/*:upload": self.upload_file,
                f"GET {API}/datasets/*": got,
                self.key("create"): lambda request: httpx.Response(200, json=self.job("queued")),
                self.key("dpo"): dpo,
                self.key("job"): lambda request: httpx.Response(200, json=self.job()),
                self.key("cancel"): cancel,
                f"GET {METRICS_PATH}": metrics,
                self.key("models"): ok(listed),
                "POST /inference/v1/chat/completions": chat,
            }
        )
        return routes
