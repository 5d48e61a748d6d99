"""Every endpoint of the local backend answers as OpenAI's published spec says: each response
validated against the spec's schema (tests/openapi), lists with the spec's defaults and filters."""

from __future__ import annotations

import time
from typing import Any

import httpx
import openai

from tests.openapi_check import assert_matches
from tests.test_local_server import pirate_lines
from tests.waiting import wait_until


def checked(response: httpx.Response, schema: str, status: int = 200) -> Any:
    """The JSON body of a response with the expected status, validated against a schema."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert_matches(schema, body)
    return body


def wait_status(http: httpx.Client, url: str, job_id: str, statuses: tuple[str, ...]) -> Any:
    """Poll a job until it reaches one of the statuses."""

    def reached() -> Any:
        job = checked(http.get(f"{url}/fine_tuning/jobs/{job_id}"), "FineTuningJob")
        return job if job["status"] in statuses else None

    return wait_until(reached, f"job {job_id} to reach {statuses}", timeout=120, interval=0.2)


def test_every_response_matches_the_spec(server) -> None:  # type: ignore[no-untyped-def]
    url, _api, _root = server
    with httpx.Client(timeout=60) as http:
        upload = checked(
            http.post(
                f"{url}/files",
                files={"file": ("t.jsonl", pirate_lines(12))},
                data={"purpose": "fine-tune"},
            ),
            "OpenAIFile",
        )
        checked(http.get(f"{url}/files"), "ListFilesResponse")
        checked(http.get(f"{url}/files/{upload['id']}"), "OpenAIFile")
        job = checked(
            http.post(
                f"{url}/fine_tuning/jobs",
                json={
                    "model": "tiny-llama",
                    "training_file": upload["id"],
                    "hyperparameters": {"n_epochs": 1, "batch_size": 4},
                    "metadata": {"experiment": "spec"},
                },
            ),
            "FineTuningJob",
        )
        done = wait_status(http, url, job["id"], ("succeeded", "failed"))
        assert done["status"] == "succeeded", done["error"]
        checked(http.get(f"{url}/fine_tuning/jobs"), "ListPaginatedFineTuningJobsResponse")
        events = checked(
            http.get(f"{url}/fine_tuning/jobs/{job['id']}/events"),
            "ListFineTuningJobEventsResponse",
        )
        assert any(e["type"] == "metrics" for e in events["data"])
        checked(
            http.get(f"{url}/fine_tuning/jobs/{job['id']}/checkpoints"),
            "ListFineTuningJobCheckpointsResponse",
        )
        models = checked(http.get(f"{url}/models"), "ListModelsResponse")
        assert done["fine_tuned_model"] in [m["id"] for m in models["data"]]
        checked(http.get(f"{url}/models/tiny-llama"), "Model")
        checked(
            http.post(
                f"{url}/chat/completions",
                json={
                    "model": done["fine_tuned_model"],
                    "messages": [{"role": "user", "content": "hi"}],
                    "max_tokens": 3,
                },
            ),
            "CreateChatCompletionResponse",
        )
        checked(http.delete(f"{url}/models/{done['fine_tuned_model']}"), "DeleteModelResponse")
        checked(http.get(f"{url}/models/nope"), "ErrorResponse", 404)

        long = checked(
            http.post(
                f"{url}/fine_tuning/jobs",
                json={
                    "model": "tiny-llama",
                    "training_file": upload["id"],
                    "hyperparameters": {"n_epochs": 50, "batch_size": 1},
                },
            ),
            "FineTuningJob",
        )
        wait_status(http, url, long["id"], ("running",))
        paused = checked(http.post(f"{url}/fine_tuning/jobs/{long['id']}/pause"), "FineTuningJob")
        assert paused["status"] == "paused"
        deadline = time.monotonic() + 60
        while (
            resumed := http.post(f"{url}/fine_tuning/jobs/{long['id']}/resume")
        ).status_code == 409:
            assert time.monotonic() < deadline
            time.sleep(0.2)
        assert checked(resumed, "FineTuningJob")["status"] == "queued"
        cancelled = checked(
            http.post(f"{url}/fine_tuning/jobs/{long['id']}/cancel"), "FineTuningJob"
        )
        assert cancelled["status"] == "cancelled"
        checked(http.post(f"{url}/fine_tuning/jobs/{long['id']}/cancel"), "ErrorResponse", 400)
        checked(http.delete(f"{url}/files/{upload['id']}"), "DeleteFileResponse")
        checked(http.get(f"{url}/files/{upload['id']}"), "ErrorResponse", 404)


def test_lists_take_the_spec_defaults_and_ranges(server) -> None:  # type: ignore[no-untyped-def]
    url, _api, _root = server
    client = openai.OpenAI(base_url=url, api_key="unused", max_retries=0)
    ids = [
        client.files.create(file=(f"f{i}.jsonl", b"{}\n"), purpose="fine-tune").id for i in range(3)
    ]
    assert [f.id for f in client.files.list().data] == ids[::-1]  # no arguments: default 10,000
    assert [f.id for f in client.files.list(order="asc").data] == ids
    assert [f.id for f in client.files.list(limit=10_000).data] == ids[::-1]
    with httpx.Client(timeout=30) as http:
        for query in ("limit=0", "limit=10001", "limit=abc", "order=sideways"):
            error = checked(http.get(f"{url}/files?{query}"), "ErrorResponse", 400)
            assert error["error"]["param"] == query.split("=")[0]
        for path in ("fine_tuning/jobs", "fine_tuning/jobs/x/events"):
            checked(
                http.get(f"{url}/{path}?limit=-1"),
                "ErrorResponse",
                400 if "events" not in path else 404,
            )


def test_jobs_filter_by_metadata(server) -> None:  # type: ignore[no-untyped-def]
    url, _api, _root = server
    client = openai.OpenAI(base_url=url, api_key="unused", max_retries=0)
    file = client.files.create(file=("t.jsonl", pirate_lines(12)), purpose="fine-tune")

    def create(metadata: dict[str, str] | None) -> str:
        job = client.fine_tuning.jobs.create(
            model="tiny-llama", training_file=file.id, metadata=metadata
        )
        client.fine_tuning.jobs.cancel(job.id)
        return job.id

    a = create({"team": "red", "token": "t-1"})
    b = create({"team": "blue", "token": "t-2"})
    plain = create(None)
    red = client.fine_tuning.jobs.list(metadata={"team": "red"})
    assert [j.id for j in red.data] == [a]
    both = client.fine_tuning.jobs.list(metadata={"team": "blue", "token": "t-2"})
    assert [j.id for j in both.data] == [b]
    assert client.fine_tuning.jobs.list(metadata={"team": "green"}).data == []
    with httpx.Client(timeout=30) as http:
        none = checked(
            http.get(f"{url}/fine_tuning/jobs?metadata=null"), "ListPaginatedFineTuningJobsResponse"
        )
        assert [j["id"] for j in none["data"]] == [plain]
        everything = checked(
            http.get(f"{url}/fine_tuning/jobs"), "ListPaginatedFineTuningJobsResponse"
        )
        assert [j["id"] for j in everything["data"]] == [plain, b, a]
        odd_key = {'we"ird.key': "x"}
        bad = http.post(
            f"{url}/fine_tuning/jobs",
            json={"model": "tiny-llama", "training_file": file.id, "metadata": {"k": 5}},
        )
        checked(bad, "ErrorResponse", 400)
        job = http.post(
            f"{url}/fine_tuning/jobs",
            json={"model": "tiny-llama", "training_file": file.id, "metadata": odd_key},
        ).json()
        found = http.get(f"{url}/fine_tuning/jobs", params={'metadata[we"ird.key]': "x"}).json()
        assert [j["id"] for j in found["data"]] == [job["id"]]
        http.post(f"{url}/fine_tuning/jobs/{job['id']}/cancel")


BAD_JOB_BODIES: list[tuple[dict[str, Any], str]] = [
    ({"model": 5}, "model"),
    ({"model": "/etc"}, "model"),
    ({"training_file": 5}, "training_file"),
    ({"training_file": None}, "training_file"),
    ({"validation_file": ["x"]}, "validation_file"),
    ({"hyperparameters": "fast"}, "hyperparameters"),
    ({"hyperparameters": {"n_epochs": "many"}}, "hyperparameters.n_epochs"),
    ({"hyperparameters": {"n_epochs": 1e308}}, "hyperparameters.n_epochs"),
    ({"method": {"type": "supervised", "supervised": "x"}}, "method.supervised"),
    ({"method": {"type": "reinforcement"}}, "method.type"),  # dpo is supported
    ({"seed": "x"}, "seed"),
    ({"suffix": 7}, "suffix"),
    ({"metadata": "x"}, "metadata"),
]


def test_bad_job_and_file_requests_are_400s_naming_the_param(server) -> None:  # type: ignore[no-untyped-def]
    url, _api, _root = server
    with httpx.Client(timeout=30) as http:
        upload = http.post(
            f"{url}/files",
            files={"file": ("t.jsonl", pirate_lines(12))},
            data={"purpose": "fine-tune"},
        ).json()
        for bad, param in BAD_JOB_BODIES:
            body = {"model": "tiny-llama", "training_file": upload["id"], **bad}
            error = checked(http.post(f"{url}/fine_tuning/jobs", json=body), "ErrorResponse", 400)
            assert error["error"]["param"] == param, (bad, error)
        broken = http.post(
            f"{url}/files",
            content=b'--x\r\nContent-Disposition: form-data; name="file"\r\n\r\nno end',
            headers={"content-type": "multipart/form-data; boundary=x"},
        )
        assert broken.status_code == 400, broken.text
        checked(http.post(f"{url}/files", json={"purpose": "fine-tune"}), "ErrorResponse", 400)
        assert (
            checked(http.get(f"{url}/fine_tuning/jobs"), "ListPaginatedFineTuningJobsResponse")[
                "data"
            ]
            == []
        )
