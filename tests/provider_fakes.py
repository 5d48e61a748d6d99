"""Stubbed HTTP for the provider contract suite: one small stateful fake per SDK, answering
with the response shapes each API documents (OpenAI and Azure OpenAI, Together, Mistral), on
an httpx MockTransport. Faults (a status, a few times) can be put in front of any route."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import httpx

Routes = dict[str, Callable[[httpx.Request], httpx.Response]]
CREATED = 1_764_000_000


class Stub:
    """A MockTransport handler that answers by `METHOD path` and records every request."""

    def __init__(self, routes: Routes) -> None:
        self.routes = routes
        self.seen: list[str] = []
        self.bodies: dict[str, Any] = {}
        self.faults: dict[str, list[int]] = {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        key = f"{request.method} {request.url.path}"
        self.seen.append(key)
        if request.headers.get("content-type", "").startswith("application/json"):
            self.bodies[key] = json.loads(request.content or b"{}")
        if self.faults.get(key):
            status = self.faults[key].pop(0)
            headers = {"retry-after-ms": "1", "retry-after": "0"}
            return httpx.Response(status, json={"error": {"message": "injected"}}, headers=headers)
        if key not in self.routes:
            return httpx.Response(404, json={"error": {"message": f"no route {key}"}})
        return self.routes[key](request)


def ok(body: Any, status: int = 200, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    """A route answering JSON."""
    return lambda request: httpx.Response(status, json=body, headers=headers)


def query(request: httpx.Request) -> dict[str, str]:
    """A request's query parameters, one value each."""
    return {k: v[0] for k, v in parse_qs(request.url.query.decode()).items()}


class Fake:
    """A fake API: its routes over a Stub, the job it knows, and the route names the contract
    scenarios address (`job`, `create`, `events`...)."""

    job_id = "job-1"
    keys: dict[str, str] = {}
    retries = True  # the SDK retries 429 and 5xx itself
    models: list[str] = []  # the model ids its model list answers with

    def __init__(self, size: int) -> None:
        self.size = size
        self.status = "succeeded"
        self.stub = Stub(self.routes())

    def routes(self) -> Routes:
        """Every route of the fake."""
        raise NotImplementedError

    def key(self, role: str) -> str:
        """The `METHOD path` of a role."""
        return self.keys[role].format(id=self.job_id)

    def fail(self, role: str, *statuses: int) -> None:
        """Answer the role's next requests with these statuses first."""
        self.stub.faults[self.key(role)] = list(statuses)

    def created(self) -> dict[str, Any]:
        """The body of the create request."""
        return dict(self.stub.bodies[self.key("create")])

    def transport(self) -> httpx.MockTransport:
        """The transport an adapter's client is built on."""
        return httpx.MockTransport(self.stub)


class OpenAIFake(Fake):
    """The fine-tuning API of OpenAI (and of Azure OpenAI under `/openai`)."""

    job_id = "ftjob-1"
    prefix = "/v1"
    models = ["gpt-4.1-mini-2025-04-14"]
    EVENTS = 5  # more than one page when EVENT_PAGE is 2

    @property
    def keys(self) -> dict[str, str]:  # type: ignore[override]
        """Route names."""
        base = f"{self.prefix}/fine_tuning/jobs"
        return {
            "upload": f"POST {self.prefix}/files",
            "create": f"POST {base}",
            "list": f"GET {base}",
            "job": f"GET {base}/{{id}}",
            "events": f"GET {base}/{{id}}/events",
            "checkpoints": f"GET {base}/{{id}}/checkpoints",
            "cancel": f"POST {base}/{{id}}/cancel",
            "pause": f"POST {base}/{{id}}/pause",
            "resume": f"POST {base}/{{id}}/resume",
            "models": f"GET {self.prefix}/models",
        }

    def job(self, status: str | None = None) -> dict[str, Any]:
        """The job as the API returns it (what the create request asked for)."""
        body = self.stub.bodies.get(self.key("create"), {})
        method = body.get("method", {"type": "supervised", "supervised": {}})
        status = status or self.status
        return {
            "id": self.job_id,
            "object": "fine_tuning.job",
            "status": status,
            "model": body.get("model", "gpt-4.1-mini-2025-04-14"),
            "created_at": CREATED,
            "finished_at": CREATED + 300 if status == "succeeded" else None,
            "training_file": body.get("training_file", "file-1"),
            "validation_file": body.get("validation_file"),
            "hyperparameters": {"n_epochs": "auto"},
            "method": method,
            "result_files": [],
            "seed": body.get("seed", 1),
            "organization_id": "org",
            "error": None,
            "fine_tuned_model": "ft:gpt-4.1-mini:org::abc" if status == "succeeded" else None,
            "trained_tokens": 1000 if status == "succeeded" else None,
            "metadata": body.get("metadata"),
        }

    def events(self, request: httpx.Request) -> httpx.Response:
        """Events newest first, paged by `after` and `limit`: two metrics, then messages."""
        rows = []
        for n in range(self.EVENTS, 0, -1):
            row: dict[str, Any] = {
                "id": f"ftevent-{n}",
                "object": "fine_tuning.job.event",
                "created_at": CREATED + n,
                "level": "info",
                "message": f"event {n}",
                "type": "message",
            }
            if n in (2, 3):
                step = n - 1
                row.update(type="metrics", message=f"Step {step}/2")
                row["data"] = {"step": step, "total_steps": 2, "train_loss": 2.5 - 0.5 * step}
            rows.append(row)
        asked = query(request)
        if "after" in asked:
            rows = rows[[r["id"] for r in rows].index(asked["after"]) + 1 :]
        limit = int(asked.get("limit", 20))
        page = {"object": "list", "data": rows[:limit], "has_more": len(rows) > limit}
        return httpx.Response(200, json=page)

    def routes(self) -> Routes:
        """Files, jobs (create, list, retrieve, cancel, pause, resume), events, checkpoints."""
        file = {
            "id": "file-1",
            "object": "file",
            "bytes": self.size,
            "created_at": CREATED,
            "filename": "train.jsonl",
            "purpose": "fine-tune",
            "status": "processed",
        }
        checkpoints = [
            {
                "id": f"ftckpt-{step}",
                "object": "fine_tuning.job.checkpoint",
                "created_at": CREATED + step,
                "fine_tuned_model_checkpoint": f"ft:gpt-4.1-mini:org::abc:ckpt-step-{step}",
                "fine_tuning_job_id": self.job_id,
                "metrics": {"step": step, "train_loss": 2.5 - 0.5 * step},
                "step_number": step,
            }
            for step in (2, 1)  # newest first
        ]

        def state(status: str | None = None) -> Callable[[httpx.Request], httpx.Response]:
            def answer(request: httpx.Request) -> httpx.Response:
                if status:
                    self.status = status
                return httpx.Response(200, json=self.job())

            return answer

        def listed(request: httpx.Request) -> httpx.Response:
            data = [self.job()] if self.key("create") in self.stub.bodies else []
            return httpx.Response(200, json={"object": "list", "data": data, "has_more": False})

        model = {"id": self.models[0], "object": "model", "created": 1, "owned_by": "x"}
        return {
            self.key("upload"): ok(file),
            self.key("create"): lambda request: httpx.Response(200, json=self.job("queued")),
            self.key("list"): listed,
            self.key("job"): state(),
            self.key("events"): self.events,
            self.key("checkpoints"): ok({"object": "list", "data": checkpoints, "has_more": False}),
            self.key("cancel"): state("cancelled"),
            self.key("pause"): state("paused"),
            self.key("resume"): state("running"),
            self.key("models"): ok({"object": "list", "data": [model]}),
        }


class AzureFake(OpenAIFake):
    """Azure OpenAI: the same API under `/openai`, with an api-version on every request."""

    prefix = "/openai"
